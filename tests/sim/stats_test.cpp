#include "sim/stats.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <vector>

#include "sim/distribution.h"
#include "sim/random.h"

using sim::Histogram;
using sim::Time;
using sim::TimeWeighted;

namespace {
Time at_s(std::int64_t s) { return Time::zero() + sim::seconds(s); }
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
}  // namespace

TEST_CASE("TimeWeighted integrates a piecewise-constant level", "[stats]") {
  TimeWeighted q;
  CHECK(q.level() == 0);
  CHECK(q.mean(Time::zero()) == 0.0);
  CHECK(q.full_fraction(Time::zero()) == 0.0);
  // Level 0 on [0,1), 2 on [1,3), 5 (full) on [3,4), 0 on [4,6]:
  // integral = 0·1 + 2·2 + 5·1 + 0·2 = 9 level·s over 6 s; full for 1 s.
  q.set(at_s(1), 2, false);
  q.set(at_s(3), 5, true);
  q.set(at_s(4), 0, false);
  CHECK(q.level() == 0);
  CHECK(q.max() == 5);
  CHECK(q.integral(at_s(6)) == 9.0);
  CHECK(q.mean(at_s(6)) == 1.5);
  CHECK(q.full_seconds(at_s(6)) == 1.0);
  CHECK(q.full_fraction(at_s(6)) == 1.0 / 6.0);

  SECTION("queries in the middle of a segment count it up to then") {
    q.set(at_s(6), 4, true);
    // + 4 level·s and 1 s full over [6, 7].
    CHECK(q.integral(at_s(7)) == 13.0);
    CHECK(q.full_seconds(at_s(7)) == 2.0);
    CHECK(q.mean(at_s(7)) == 13.0 / 7.0);
    CHECK(q.full_fraction(at_s(7)) == 2.0 / 7.0);
    CHECK(q.full());
  }
  SECTION("several changes at one instant keep only the last level") {
    q.set(at_s(5), 7, false);
    q.set(at_s(5), 1, false);
    CHECK(q.max() == 7);
    CHECK(q.integral(at_s(6)) == 10.0);
  }
}

TEST_CASE("TimeWeighted with a later start and sub-second steps", "[stats]") {
  TimeWeighted q(Time::zero() + sim::milliseconds(500));
  CHECK(q.mean(Time::zero() + sim::milliseconds(500)) == 0.0);
  q.set(Time::zero() + sim::milliseconds(750), 3, false);
  // 3 over [0.75, 1.5] = 2.25 level·s; elapsed 1 s.
  CHECK(q.integral(Time::zero() + sim::milliseconds(1500)) == 2.25);
  CHECK(q.mean(Time::zero() + sim::milliseconds(1500)) == 2.25);
  CHECK(q.full_seconds(Time::zero() + sim::milliseconds(1500)) == 0.0);
}

TEST_CASE("TimeWeighted does not overflow on long runs with large levels", "[stats]") {
  TimeWeighted q;
  // 10^9 for 10^9 s: 10^27 level·ns, far beyond int64; the 128-bit sum keeps it exact.
  q.set(Time::zero(), 1'000'000'000, false);
  const Time end = Time::zero() + sim::seconds(1'000'000'000);
  // One rounding of the int128 to double, one division: within a few ulps.
  CHECK(q.integral(end) == Approx(1e18).epsilon(1e-15));
  CHECK(q.mean(end) == Approx(1e9).epsilon(1e-15));
}

TEST_CASE("Histogram on small values is exact", "[stats]") {
  Histogram h;  // sub_bits 7: values below 2^8 have their own bucket
  CHECK(h.relative_error() == 1.0 / 256.0);
  std::vector<std::int64_t> values;
  for (std::int64_t v = 0; v < 256; ++v) {
    for (std::int64_t k = 0; k <= v % 3; ++k) values.push_back(v);
  }
  for (const auto v : values) h.record(v);
  std::sort(values.begin(), values.end());
  const double n = static_cast<double>(values.size());
  for (double q = 0.0; q <= 1.0; q += 0.01) {
    const auto rank = std::clamp(static_cast<std::size_t>(std::ceil(q * n)), std::size_t{1}, values.size());
    INFO("q = " << q);
    CHECK(h.percentile(q) == values[rank - 1]);
  }
  CHECK(h.count() == values.size());
  CHECK(h.min() == 0);
  CHECK(h.max() == 255);
}

TEST_CASE("Histogram percentiles are within relative_error of the exact quantiles", "[stats]") {
  const int sub_bits = GENERATE(7, 3);
  const std::uint64_t seed = GENERATE(as<std::uint64_t>{}, 1, 2);
  Histogram h(sub_bits);
  sim::RandomStream rng(seed, "histogram");
  std::vector<std::int64_t> values;
  // Latencies spread over nine decades: a lognormal around 1 ms with a wide sigma,
  // plus some exact small values and one huge one.
  const sim::DurationDist dist = sim::LognormalDist{std::log(1e-3), 3.0};
  for (int i = 0; i < 100'000; ++i) values.push_back(sim::sample(dist, rng).ns());
  for (std::int64_t v = 0; v < 100; ++v) values.push_back(v);
  values.push_back(kMax);
  for (const auto v : values) h.record(v);
  std::sort(values.begin(), values.end());

  const double n = static_cast<double>(values.size());
  for (const double q : {0.0, 1e-6, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
    const auto rank = std::clamp(static_cast<std::size_t>(std::ceil(q * n)), std::size_t{1}, values.size());
    const std::int64_t exact = values[rank - 1];
    const std::int64_t got = h.percentile(q);
    INFO("q = " << q << ", exact " << exact << ", histogram " << got);
    CHECK(std::abs(static_cast<double>(got) - static_cast<double>(exact)) <=
          h.relative_error() * static_cast<double>(exact));
  }
  CHECK(h.percentile(1.0) == kMax);
  CHECK(h.percentile(1.0) == h.max());
  CHECK(h.percentile(0.0) == 0);
  CHECK(h.count() == values.size());
  // The exact mean, from an exact sum (the int64 sum would overflow here).
  long double sum = 0;
  for (const auto v : values) sum += static_cast<long double>(v);
  CHECK(h.mean() == Approx(static_cast<double>(sum / values.size())).epsilon(1e-15));
}

TEST_CASE("Histogram merge equals recording everything in one", "[stats]") {
  Histogram a;
  Histogram b;
  Histogram all;
  sim::RandomStream rng(5);
  for (int i = 0; i < 10'000; ++i) {
    const auto v = static_cast<std::int64_t>(rng.below(1'000'000'000));
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  b.record(3);
  all.record(3);
  a.merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.min() == all.min());
  CHECK(a.max() == all.max());
  CHECK(a.mean() == all.mean());
  for (double q = 0.0; q <= 1.0; q += 0.001) REQUIRE(a.percentile(q) == all.percentile(q));

  SECTION("merging into an empty histogram copies") {
    Histogram empty;
    empty.merge(all);
    CHECK(empty.min() == all.min());
    CHECK(empty.max() == all.max());
    CHECK(empty.percentile(0.5) == all.percentile(0.5));
  }
  SECTION("clear forgets everything") {
    a.clear();
    CHECK(a.count() == 0);
    CHECK(a.percentile(0.5) == 0);
    a.record(42);
    CHECK(a.percentile(0.5) == 42);
    CHECK(a.min() == 42);
  }
}

TEST_CASE("an empty Histogram reports zeros", "[stats]") {
  const Histogram h;
  CHECK(h.count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0.0);
  CHECK(h.percentile(0.0) == 0);
  CHECK(h.percentile(0.5) == 0);
  CHECK(h.percentile(1.0) == 0);
}

TEST_CASE("TimeSeries writes exact CSV", "[stats]") {
  sim::TimeSeries ts({"accept_queue", "syn,queue", "say \"hi\""});
  CHECK(ts.columns().size() == 3);
  const std::vector<double> r0 = {0.0, 1.5, -0.0};
  const std::vector<double> r1 = {0.1, 1e-7, 3.0};
  const std::vector<double> r2 = {123456789.0, 1e21, 2.0 / 3.0};
  ts.append(Time::zero(), r0);
  ts.append(Time::zero() + sim::milliseconds(100), r1);
  ts.append(Time::zero() + sim::nanoseconds(1'500'000'001), r2);
  REQUIRE(ts.rows().size() == 3);
  CHECK(ts.rows()[1].at == Time::zero() + sim::milliseconds(100));
  CHECK(ts.rows()[1].values == r1);
  std::ostringstream out;
  ts.write_csv(out);
  CHECK(out.str() ==
        "time_s,accept_queue,\"syn,queue\",\"say \"\"hi\"\"\"\n"
        "0,0,1.5,0\n"
        "0.1,0.1,1e-07,3\n"
        "1.500000001,123456789,1e+21,0.6666666666666666\n");
}

TEST_CASE("mean_confidence_interval matches the textbook", "[stats]") {
  SECTION("n = 10: t(0.975, 9) = 2.262") {
    // 1..10: mean 5.5, s² = 82.5/9, so s/√n = 0.957427...
    const std::vector<double> xs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const sim::MeanCI ci = sim::mean_confidence_interval(xs, 0.95);
    CHECK(ci.n == 10);
    CHECK(ci.mean == 5.5);
    const double se = std::sqrt(82.5 / 9.0) / std::sqrt(10.0);
    // Tables give t to three decimals: allow half a unit of the last one.
    CHECK(ci.half_width / se == Approx(2.262).margin(0.0005));
  }
  SECTION("n = 2: t(0.975, 1) = 12.706") {
    const std::vector<double> xs = {3.0, 5.0};
    const sim::MeanCI ci = sim::mean_confidence_interval(xs, 0.95);
    CHECK(ci.mean == 4.0);
    // s = √2, s/√2 = 1.
    CHECK(ci.half_width == Approx(12.706).margin(0.0005));
  }
  SECTION("n = 30 at 99%: t(0.995, 29) = 2.756") {
    std::vector<double> xs;
    for (int i = 0; i < 30; ++i) xs.push_back(i % 2 == 0 ? 1.0 : -1.0);
    const sim::MeanCI ci = sim::mean_confidence_interval(xs, 0.99);
    const double s = std::sqrt(30.0 / 29.0);  // deviations ±1 from mean 0
    CHECK(ci.mean == 0.0);
    CHECK(ci.half_width / (s / std::sqrt(30.0)) == Approx(2.756).margin(0.0005));
  }
  SECTION("fewer than two samples: no interval") {
    const std::vector<double> one = {7.0};
    const sim::MeanCI ci = sim::mean_confidence_interval(one, 0.95);
    CHECK(ci.mean == 7.0);
    CHECK(ci.half_width == std::numeric_limits<double>::infinity());
    CHECK(ci.n == 1);
    const sim::MeanCI none = sim::mean_confidence_interval({}, 0.95);
    CHECK(std::isnan(none.mean));
    CHECK(none.half_width == std::numeric_limits<double>::infinity());
    CHECK(none.n == 0);
  }
}

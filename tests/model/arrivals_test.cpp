#include "model/arrivals.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "tests/sim/theory.h"

using model::ArrivalProcess;

TEST_CASE("constant arrivals land exactly on k / rate", "[arrivals]") {
  ArrivalProcess p(model::ConstantArrivals{3.0});  // every 333333333.33 ns
  sim::RandomStream rng(1);
  CHECK(p.next(rng)->ns() == 333'333'333);
  CHECK(p.next(rng)->ns() == 666'666'667);
  CHECK(p.next(rng)->ns() == 1'000'000'000);  // no drift from accumulated rounding
}

TEST_CASE("a burst spreads its connects evenly from at to at + over", "[arrivals]") {
  ArrivalProcess p(model::BurstArrivals{4, sim::Time::zero() + sim::seconds(2), sim::milliseconds(100)});
  sim::RandomStream rng(1);
  const std::int64_t expected[] = {2'000'000'000, 2'025'000'000, 2'050'000'000, 2'075'000'000};
  for (std::int64_t e : expected) CHECK(p.next(rng)->ns() == e);
  CHECK_FALSE(p.next(rng).has_value());

  SECTION("without `over` every connect is at `at`") {
    ArrivalProcess all(model::BurstArrivals{3, sim::Time::zero() + sim::seconds(1), sim::Duration::zero()});
    for (int i = 0; i < 3; ++i) CHECK(all.next(rng)->ns() == 1'000'000'000);
    CHECK_FALSE(all.next(rng).has_value());
  }
}

TEST_CASE("Poisson arrivals: the count in a window of length T has mean and variance rate*T",
          "[arrivals][statistical]") {
  const double rate = GENERATE(10.0, 2000.0);
  const std::uint64_t seed = GENERATE(1u, 2u);
  // Count arrivals in many disjoint windows of length 1/rate*50 (mean 50 each).
  constexpr int kWindows = 4000;
  constexpr double kMeanPerWindow = 50.0;
  const double window_s = kMeanPerWindow / rate;
  ArrivalProcess p(model::PoissonArrivals{rate});
  sim::RandomStream rng(seed, "arrivals");
  std::vector<double> counts(kWindows, 0.0);
  for (;;) {
    const auto t = p.next(rng);
    const auto w = static_cast<std::size_t>(t->seconds() / window_s);
    if (w >= counts.size()) break;
    counts[w] += 1;
  }
  double mean = 0;
  for (double c : counts) mean += c;
  mean /= kWindows;
  double var = 0;
  for (double c : counts) var += (c - mean) * (c - mean);
  var /= kWindows - 1;
  // 99.9% normal intervals: mean ± z*sqrt(λ/n); variance ± z*sqrt((μ4 - σ⁴)/n), with
  // Poisson μ4 = λ(1 + 3λ), σ⁴ = λ².
  const double z = 3.29;
  CHECK(std::abs(mean - kMeanPerWindow) <= z * std::sqrt(kMeanPerWindow / kWindows));
  const double mu4 = kMeanPerWindow * (1 + 3 * kMeanPerWindow);
  CHECK(std::abs(var - kMeanPerWindow) <= z * std::sqrt((mu4 - kMeanPerWindow * kMeanPerWindow) / kWindows));
}

// ---- onoff, ramp, flash_crowd, trace, closed ----------------------------------------------

namespace {

// Counts of arrivals in the windows [edges[i], edges[i+1]), seconds; stops at the last edge
// (which may be infinity: then the process must end by itself).
std::vector<double> window_counts(ArrivalProcess p, sim::RandomStream rng, const std::vector<double>& edges) {
  std::vector<double> counts(edges.size() - 1, 0.0);
  double previous = 0;
  bool in_order = true;
  while (const auto t = p.next(rng)) {
    const double s = t->seconds();
    in_order = in_order && s >= previous;
    previous = s;
    if (s >= edges.back()) break;
    const auto it = std::upper_bound(edges.begin(), edges.end(), s);
    if (it == edges.begin()) continue;
    counts[static_cast<std::size_t>(it - edges.begin()) - 1] += 1;
  }
  CHECK(in_order);
  return counts;
}

// A Poisson process's counts in disjoint windows are independent Poisson variables whose
// mean (and variance) is the integral of the rate over the window. Each count is checked
// within a two-sided normal interval mean ± z·sqrt(mean) (every window's mean is >= 100, so
// the normal approximation holds), with z at confidence 1 - 0.001/k for k windows
// (Bonferroni: all k checks together fail a correct process with probability <= 0.001);
// and the windows together by Pearson's chi-square with k degrees of freedom at 99.9%.
void check_poisson_counts(const std::vector<double>& counts, const std::vector<double>& means) {
  REQUIRE(counts.size() == means.size());
  const double k = static_cast<double>(counts.size());
  const double z = sim_test::z_two_sided(1.0 - (1.0 - sim_test::kConfidence) / k);
  double chi2 = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    INFO("window " << i << ": count " << counts[i] << ", expected " << means[i]);
    REQUIRE(means[i] >= 100);
    CHECK(std::abs(counts[i] - means[i]) <= z * std::sqrt(means[i]));
    chi2 += (counts[i] - means[i]) * (counts[i] - means[i]) / means[i];
  }
  CHECK(chi2 <= sim_test::chi_square_critical(k));
}

// The expected count in each window: differences of the integrated rate `big_lambda`.
template <class F>
std::vector<double> window_means(const std::vector<double>& edges, F big_lambda) {
  std::vector<double> means;
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) means.push_back(big_lambda(edges[i + 1]) - big_lambda(edges[i]));
  return means;
}

// ∫₀ᵗ rate of a ramp (spec.h): `from` until s, linear to `to` over L, then `to`.
double ramp_integral(double from, double to, double s, double l, double t) {
  if (t <= s) return from * t;
  if (t <= s + l) return from * t + (to - from) * (t - s) * (t - s) / (2 * l);
  return from * s + (from + to) / 2 * l + to * (t - s - l);
}

// ∫₀ᵗ rate of a flash crowd (spec.h): base, plus a spike rising linearly to peak - base over
// `rise` from `at`, then decaying as exp(-(t - at - rise) / decay). At infinity: finite.
double flash_integral(double base, double peak, double at, double rise, double decay, double t) {
  const double a = peak - base;
  double spike = 0;
  if (t > at + rise) {
    spike = a * rise / 2 + a * decay * (1 - std::exp(-(t - at - rise) / decay));
  } else if (t > at) {
    spike = a * (t - at) * (t - at) / (2 * rise);
  }
  return (std::isinf(t) ? 0.0 : base * t) + spike;
}

std::vector<sim::Time> first_arrivals(const model::ArrivalSpec& spec, std::uint64_t seed, int n) {
  ArrivalProcess p(spec);
  sim::RandomStream rng(seed, "arrivals");
  std::vector<sim::Time> out;
  for (int i = 0; i < n; ++i) {
    const auto t = p.next(rng);
    if (!t) break;
    out.push_back(*t);
  }
  return out;
}

}  // namespace

TEST_CASE("ramp arrivals: counts in every window match the integral of the linear rate", "[arrivals][statistical]") {
  const std::uint64_t seed = GENERATE(1u, 2u, 3u);
  SECTION("up: 100/s until 2 s, then to 5000/s over 30 s") {
    const double from = 100, to = 5000, s = 2, l = 30;
    std::vector<double> edges = {0};
    for (double e = 2; e <= 32; e += 2) edges.push_back(e);  // the ramp, 2 s at a time
    edges.push_back(36);
    edges.push_back(40);
    const model::RampArrivals spec{from, to, sim::Time::zero() + sim::seconds(2), sim::seconds(30)};
    const auto counts = window_counts(ArrivalProcess(spec), sim::RandomStream(seed, "ramp"), edges);
    check_poisson_counts(counts, window_means(edges, [&](double t) { return ramp_integral(from, to, s, l, t); }));
  }
  SECTION("down to zero: the process ends once the rate is zero") {
    const double from = 1000, to = 0, s = 0, l = 2;
    const std::vector<double> edges = {0, 0.5, 1, std::numeric_limits<double>::infinity()};
    const model::RampArrivals spec{from, to, sim::Time::zero(), sim::seconds(2)};
    const auto counts = window_counts(ArrivalProcess(spec), sim::RandomStream(seed, "ramp-down"), edges);
    check_poisson_counts(counts, window_means(edges, [&](double t) {
                           return std::isinf(t) ? ramp_integral(from, to, s, l, 2) : ramp_integral(from, to, s, l, t);
                         }));
  }
}

TEST_CASE("flash_crowd arrivals: base, rise and decay each match the integral of the rate", "[arrivals][statistical]") {
  const std::uint64_t seed = GENERATE(1u, 2u, 3u);
  SECTION("100/s, a spike to 5000/s at 10 s rising over 2 s, decaying with time constant 5 s") {
    const double base = 100, peak = 5000, at = 10, rise = 2, decay = 5;
    // Before, through the rise (four windows) and along the decay.
    const std::vector<double> edges = {0, 5, 10, 10.5, 11, 11.5, 12, 13, 14, 16, 18, 22, 26, 32, 40, 60};
    const model::FlashCrowdArrivals spec{base, peak, sim::Time::zero() + sim::seconds(10), sim::seconds(2),
                                         sim::seconds(5)};
    const auto counts = window_counts(ArrivalProcess(spec), sim::RandomStream(seed, "flash"), edges);
    check_poisson_counts(counts,
                         window_means(edges, [&](double t) { return flash_integral(base, peak, at, rise, decay, t); }));
  }
  SECTION("no base and no rise: nothing before the spike, and the process ends as it dies away") {
    const double base = 0, peak = 2000, at = 1, rise = 0, decay = 0.5;
    const std::vector<double> edges = {1, 1.2, 1.5, 2, std::numeric_limits<double>::infinity()};
    const model::FlashCrowdArrivals spec{base, peak, sim::Time::zero() + sim::seconds(1), sim::Duration::zero(),
                                         sim::milliseconds(500)};
    const auto before = window_counts(ArrivalProcess(spec), sim::RandomStream(seed, "flash0"), {0, 1});
    CHECK(before[0] == 0);
    const auto counts = window_counts(ArrivalProcess(spec), sim::RandomStream(seed, "flash0"), edges);
    check_poisson_counts(counts,
                         window_means(edges, [&](double t) { return flash_integral(base, peak, at, rise, decay, t); }));
  }
}

namespace {

// The count N(T) of a stationary two-state MMPP (rates l1 on, l0 off; leaving rates
// a = 1/mean_on, b = 1/mean_off; p = P(on) = b/(a+b), g = a+b) has mean m·T with
// m = p·l1 + (1-p)·l0, and variance
//   Var N(T) = m·T + 2·(l1-l0)²·p(1-p)·[T/g - (1 - e^(-gT))/g²]
// (the Poisson part plus the variance of the integrated rate, whose autocovariance is
// (l1-l0)²·p(1-p)·e^(-g|u|); e.g. Fischer & Meier-Hellstern, "The MMPP cookbook", 1993).
struct Mmpp {
  double l1, l0, mean_on, mean_off;
  double p() const { return mean_on / (mean_on + mean_off); }
  double g() const { return 1 / mean_on + 1 / mean_off; }
  double mean_rate() const { return p() * l1 + (1 - p()) * l0; }
  double count_variance(double t) const {
    const double d = l1 - l0;
    return mean_rate() * t + 2 * d * d * p() * (1 - p()) * (t / g() - (1 - std::exp(-g() * t)) / (g() * g()));
  }
};

}  // namespace

// Replications are independent streams, so the sample mean of n counts is within
// z·sqrt(Var/n) of m·T (the theoretical variance above, not the sample's). The sample
// variance is checked against the formula with its asymptotic standard error
// sqrt((m4 - s⁴)/n), m4 the sample's fourth central moment. Three checks: Bonferroni.
TEST_CASE("onoff arrivals: mean and variance of the count match the MMPP's, from the first instant",
          "[arrivals][statistical]") {
  const Mmpp theory{1000, 100, 0.2, 0.8};
  const model::OnOffArrivals spec{theory.l1, theory.l0, sim::milliseconds(200), sim::milliseconds(800)};
  const double m = theory.mean_rate();
  constexpr int kReplications = 1000;
  const double long_t = 20;    // many on-off cycles
  const double short_t = 0.1;  // shorter than a sojourn: tells whether the start is stationary
  std::vector<double> long_counts, short_counts;
  for (int r = 0; r < kReplications; ++r) {
    const auto c = window_counts(ArrivalProcess(spec), sim::RandomStream(static_cast<std::uint64_t>(r), "onoff"),
                                 {0, short_t, long_t});
    short_counts.push_back(c[0]);
    long_counts.push_back(c[0] + c[1]);
  }
  const double n = kReplications;
  const double z = sim_test::z_two_sided(1.0 - (1.0 - sim_test::kConfidence) / 3);
  const auto mean_of = [&](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / n;
  };
  const double short_mean = mean_of(short_counts);
  const double long_mean = mean_of(long_counts);
  INFO("short window: mean " << short_mean << " vs " << m * short_t << "; long: " << long_mean << " vs " << m * long_t);
  CHECK(std::abs(short_mean - m * short_t) <= z * std::sqrt(theory.count_variance(short_t) / n));
  CHECK(std::abs(long_mean - m * long_t) <= z * std::sqrt(theory.count_variance(long_t) / n));

  double s2 = 0, m4 = 0;
  for (double x : long_counts) {
    s2 += (x - long_mean) * (x - long_mean);
    m4 += std::pow(x - long_mean, 4);
  }
  s2 /= n - 1;
  m4 /= n;
  INFO("variance " << s2 << " vs " << theory.count_variance(long_t) << " (a Poisson process would give " << m * long_t
                   << ")");
  CHECK(std::abs(s2 - theory.count_variance(long_t)) <= z * std::sqrt((m4 - s2 * s2) / n));
}

// One long run: N(T) is a sum of many nearly independent on-off cycles, so it is close to
// normal, and within z·sqrt(Var N(T)) of m·T.
TEST_CASE("onoff with a silent off state: arrivals only while on, at the MMPP's mean rate", "[arrivals][statistical]") {
  const Mmpp theory{500, 0, 0.1, 1.0};
  const model::OnOffArrivals spec{theory.l1, theory.l0, sim::milliseconds(100), sim::seconds(1)};
  const double t = 2000;
  const auto counts = window_counts(ArrivalProcess(spec), sim::RandomStream(7, "silent"), {0, t});
  INFO("count " << counts[0] << " vs " << theory.mean_rate() * t);
  CHECK(std::abs(counts[0] - theory.mean_rate() * t) <= sim_test::z_two_sided() * std::sqrt(theory.count_variance(t)));
}

TEST_CASE("the new processes are deterministic: the same seed gives the same instants", "[arrivals]") {
  const model::ArrivalSpec spec =
      GENERATE(model::ArrivalSpec{model::OnOffArrivals{2000, 10, sim::seconds(2), sim::seconds(8)}},
               model::ArrivalSpec{model::RampArrivals{100, 5000, sim::Time::zero(), sim::seconds(30)}},
               model::ArrivalSpec{model::FlashCrowdArrivals{100, 5000, sim::Time::zero() + sim::seconds(1),
                                                            sim::seconds(2), sim::seconds(20)}});
  const auto a = first_arrivals(spec, 42, 2000);
  const auto b = first_arrivals(spec, 42, 2000);
  const auto c = first_arrivals(spec, 43, 2000);
  REQUIRE(a.size() == 2000);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(std::is_sorted(a.begin(), a.end()));
}

TEST_CASE("a trace yields exactly its stored instants, each once, and draws nothing", "[arrivals]") {
  const std::vector<sim::Time> stored = {sim::Time::zero(), sim::Time::from_ns(1), sim::Time::from_ns(1),
                                         sim::Time::zero() + sim::seconds(5), sim::Time::from_ns(9'000'000'001)};
  model::TraceArrivals spec{std::make_shared<const std::vector<sim::Time>>(stored), "t.csv"};
  ArrivalProcess p(spec);
  sim::RandomStream rng(1);
  const auto state = rng.state();
  std::vector<sim::Time> got;
  while (const auto t = p.next(rng)) got.push_back(*t);
  CHECK(got == stored);
  CHECK_FALSE(p.next(rng).has_value());
  CHECK(rng.state() == state);
}

TEST_CASE("a closed population has no arrival process of its own", "[arrivals]") {
  ArrivalProcess p(model::ClosedLoopArrivals{200, sim::ExponentialDist{sim::seconds(2)}});
  sim::RandomStream rng(1);
  CHECK_FALSE(p.next(rng).has_value());
}

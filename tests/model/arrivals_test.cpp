#include "model/arrivals.h"

#include <cmath>

#include <catch2/catch.hpp>

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

TEST_CASE("Poisson arrivals: the count in a window of length T has mean and variance rate*T", "[arrivals][statistical]") {
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

// The retry policies of model/retry.h against their definitions (model/spec.h, RetrySpec;
// full and decorrelated jitter as in Brooker, "Exponential Backoff And Jitter", AWS
// Architecture Blog, 2015). Statistical checks use a 99.9% normal interval on the mean of
// n independent draws, whose standard deviation is known from the uniform law.
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "../sim/theory.h"
#include "model/retry.h"

using namespace model;

namespace {

RetrySpec policy(RetryPolicy p, sim::Duration backoff, double factor = 2.0, double jitter = 0.0) {
  RetrySpec r;
  r.policy = p;
  r.max = 10;
  r.backoff = backoff;
  r.factor = factor;
  r.jitter = jitter;
  return r;
}

// Mean and extremes of n draws of retry k (previous delay `previous`), in seconds.
struct Draws {
  double mean = 0;
  double min = HUGE_VAL;
  double max = 0;
};
Draws draw(const RetrySpec& r, int k, sim::Duration previous, int n, std::uint64_t seed) {
  sim::RandomStream rng(seed);
  Draws d;
  for (int i = 0; i < n; ++i) {
    const double s = retry_delay(r, k, previous, rng).seconds();
    d.mean += s / n;
    d.min = std::min(d.min, s);
    d.max = std::max(d.max, s);
  }
  return d;
}

// Half-width of the 99.9% interval of the mean of n draws uniform on [lo, hi].
double uniform_mean_half_width(double lo, double hi, int n) {
  return sim_test::z_two_sided() * (hi - lo) / std::sqrt(12.0 * n);
}

}  // namespace

TEST_CASE("retry policy none never retries; the others stop at max", "[retry]") {
  RetrySpec r = policy(RetryPolicy::kNone, sim::seconds(1));
  CHECK_FALSE(may_retry(r, 0, sim::Time::zero(), sim::Time::zero()));
  r.policy = RetryPolicy::kExponential;
  r.max = 2;
  CHECK(may_retry(r, 0, sim::Time::zero(), sim::Time::zero()));
  CHECK(may_retry(r, 1, sim::Time::zero(), sim::Time::zero()));
  CHECK_FALSE(may_retry(r, 2, sim::Time::zero(), sim::Time::zero()));
}

TEST_CASE("give_up: no retry starts later than give_up after the chain's first attempt", "[retry]") {
  RetrySpec r = policy(RetryPolicy::kFixed, sim::seconds(1));
  r.give_up = sim::seconds(5);
  const sim::Time first = sim::Time::zero() + sim::seconds(10);
  CHECK(may_retry(r, 3, first, first + sim::seconds(5)));
  CHECK_FALSE(may_retry(r, 3, first, first + sim::seconds(5) + sim::nanoseconds(1)));
}

TEST_CASE("fixed and exponential without jitter: backoff and backoff * factor^k, capped", "[retry]") {
  sim::RandomStream rng(1);
  const RetrySpec fixed = policy(RetryPolicy::kFixed, sim::milliseconds(300));
  for (int k = 0; k < 5; ++k) CHECK(retry_delay(fixed, k, sim::Duration::zero(), rng) == sim::milliseconds(300));
  RetrySpec exp = policy(RetryPolicy::kExponential, sim::milliseconds(500), 3.0);
  CHECK(retry_delay(exp, 0, sim::Duration::zero(), rng) == sim::milliseconds(500));
  CHECK(retry_delay(exp, 1, sim::Duration::zero(), rng) == sim::milliseconds(1500));
  CHECK(retry_delay(exp, 3, sim::Duration::zero(), rng) == sim::milliseconds(13500));
  exp.cap = sim::seconds(4);
  CHECK(retry_delay(exp, 1, sim::Duration::zero(), rng) == sim::milliseconds(1500));
  CHECK(retry_delay(exp, 2, sim::Duration::zero(), rng) == sim::seconds(4));
  CHECK(retry_delay(exp, 9, sim::Duration::zero(), rng) == sim::seconds(4));
}

TEST_CASE("exponential with jitter j: uniform on b * [1 - j, 1 + j]", "[retry][statistical]") {
  const RetrySpec r = policy(RetryPolicy::kExponential, sim::milliseconds(100), 2.0, 0.5);
  constexpr int n = 20000;
  const Draws d = draw(r, 2, sim::Duration::zero(), n, 11);  // b = 400 ms: [200, 600] ms
  CHECK(d.min >= 0.2);
  CHECK(d.max <= 0.6);
  CHECK(std::abs(d.mean - 0.4) <= uniform_mean_half_width(0.2, 0.6, n));
}

TEST_CASE("full jitter: uniform on [0, min(cap, backoff * factor^k)]", "[retry][statistical]") {
  RetrySpec r = policy(RetryPolicy::kFullJitter, sim::milliseconds(100));
  r.cap = sim::seconds(1);
  constexpr int n = 20000;
  const Draws small = draw(r, 1, sim::Duration::zero(), n, 12);  // [0, 200 ms]
  CHECK(small.min >= 0.0);
  CHECK(small.max <= 0.2);
  CHECK(std::abs(small.mean - 0.1) <= uniform_mean_half_width(0, 0.2, n));
  const Draws capped = draw(r, 6, sim::Duration::zero(), n, 13);  // 6.4 s capped to [0, 1 s]
  CHECK(capped.max <= 1.0);
  CHECK(std::abs(capped.mean - 0.5) <= uniform_mean_half_width(0, 1, n));
}

TEST_CASE("decorrelated jitter: uniform on [backoff, 3 * previous], then capped", "[retry][statistical]") {
  RetrySpec r = policy(RetryPolicy::kDecorrelatedJitter, sim::milliseconds(100));
  r.cap = sim::seconds(2);
  constexpr int n = 20000;
  const Draws first = draw(r, 0, r.backoff, n, 14);  // [100, 300] ms
  CHECK(first.min >= 0.1);
  CHECK(first.max <= 0.3);
  CHECK(std::abs(first.mean - 0.2) <= uniform_mean_half_width(0.1, 0.3, n));
  const Draws later = draw(r, 3, sim::milliseconds(500), n, 15);  // [100, 1500] ms
  CHECK(std::abs(later.mean - 0.8) <= uniform_mean_half_width(0.1, 1.5, n));
  const Draws capped = draw(r, 5, sim::seconds(10), n, 16);  // [0.1, 30] s capped at 2 s
  CHECK(capped.max == 2.0);
  CHECK(capped.min >= 0.1);
}

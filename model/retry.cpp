#include "model/retry.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace model {

namespace {

// Seconds to a Duration; a delay too long to represent waits forever.
sim::Duration from_seconds(double s) { return sim::duration_from_seconds(s).value_or(sim::Duration::infinite()); }

double jitter_factor(const RetrySpec& r, sim::RandomStream& rng) {
  return r.jitter > 0 ? rng.uniform(1.0 - r.jitter, 1.0 + r.jitter) : 1.0;
}

}  // namespace

sim::Duration retry_delay(const RetrySpec& r, int k, sim::Duration previous, sim::RandomStream& rng) {
  const double base = r.backoff.seconds();
  const double cap = r.cap.is_infinite() ? HUGE_VAL : r.cap.seconds();
  const double grown = std::pow(r.factor, k);  // factor^k
  switch (r.policy) {
    case RetryPolicy::kNone: assert(false && "kNone never retries"); return sim::Duration::infinite();
    case RetryPolicy::kFixed: return from_seconds(base * jitter_factor(r, rng));
    case RetryPolicy::kExponential: {
      const double u = jitter_factor(r, rng);
      // Uncapped, written as base * (factor^k * u), the product the format has always used.
      return from_seconds(base * grown <= cap ? base * (grown * u) : cap * u);
    }
    case RetryPolicy::kFullJitter: return from_seconds(rng.uniform(0.0, std::min(cap, base * grown)));
    case RetryPolicy::kDecorrelatedJitter: {
      const double hi = std::max(base, 3.0 * previous.seconds());
      return from_seconds(std::min(cap, rng.uniform(base, hi)));
    }
  }
  return sim::Duration::infinite();
}

bool may_retry(const RetrySpec& r, int k, sim::Time first, sim::Time at) {
  if (r.policy == RetryPolicy::kNone || k >= r.max) return false;
  return r.give_up.is_infinite() || at - first <= r.give_up;
}

}  // namespace model

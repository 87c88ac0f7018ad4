// model/retry.h — how long a client waits before calling connect() again.
//
// The policies of RetrySpec (model/spec.h), as pure functions of the retry number, the
// previous delay and a random stream, so that their laws can be tested without a World.
// "Full jitter" and "decorrelated jitter" are the schemes of Brooker, "Exponential Backoff
// And Jitter" (AWS Architecture Blog, 2015).
#pragma once

#include <optional>

#include "model/spec.h"
#include "sim/random.h"
#include "sim/time.h"

namespace model {

// The delay before retry number k + 1 (k = 0 for the first retry). `previous` is the delay
// before retry k (decorrelated jitter only; pass r.backoff for k = 0). Draws from `rng`:
// nothing for kNone and for kFixed/kExponential without jitter, otherwise one uniform.
// Requires: r.policy != kNone, k >= 0.
sim::Duration retry_delay(const RetrySpec& r, int k, sim::Duration previous, sim::RandomStream& rng);

// Whether a chain whose first attempt was at `first` makes retry number k + 1 at `at`:
// k < r.max, the policy retries at all, and `at` is within give_up of `first`.
bool may_retry(const RetrySpec& r, int k, sim::Time first, sim::Time at);

}  // namespace model

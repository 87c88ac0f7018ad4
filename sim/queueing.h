// sim/queueing.h — exact results of queueing theory: the references a run's utilisation is
// compared with, and the oracle of the statistical tests.
//
// M/M/c/N with N = c + K: Poisson arrivals at rate lambda, c servers of rate mu, K places
// to wait; an arrival that finds N in the system is lost (Gross & Harris, Fundamentals of
// Queueing Theory, section 2.5). Erlang C: the same with K unbounded (M/M/c), the
// probability that an arrival waits. Both are computed without overflow for any c and K
// (the terms of the stationary distribution are summed in the log domain).
#pragma once

#include <cstdint>

namespace sim {

struct MMcK {
  double blocking = 0;  // P(N = c + K): an arrival is lost
  double waiting = 0;   // P(an admitted arrival waits): P(c <= N < c + K) / (1 - blocking)
  double lq = 0;        // mean number waiting
  double wq = 0;        // mean wait of an admitted arrival, seconds
};

// The largest c + K mmck() computes (its work is linear in it); above, every field is NaN.
inline constexpr std::int64_t kMaxQueueingStates = 10'000'000;

// Requires: lambda > 0, mu > 0, c >= 1, k >= 0.
MMcK mmck(double lambda, double mu, std::int64_t c, std::int64_t k);

// Erlang B: M/M/c/c blocking for an offered load of `a` erlangs (Erlang's recursion).
// Requires: a >= 0, c >= 0.
double erlang_b(double a, std::int64_t c);

// Erlang C: the probability that an arrival waits in M/M/c for `a` erlangs; 1 when
// a >= c (no steady state: the queue grows without bound). Requires: a >= 0, c >= 1.
double erlang_c(double a, std::int64_t c);

}  // namespace sim

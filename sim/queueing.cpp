#include "sim/queueing.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sim {

MMcK mmck(double lambda, double mu, std::int64_t c, std::int64_t k) {
  const std::int64_t n_max = c + k;
  if (n_max > kMaxQueueingStates) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {nan, nan, nan, nan};
  }
  // log p(n) up to a constant: p(n) = p(n-1)·a / min(n, c).
  const double log_a = std::log(lambda / mu);
  auto log_term = [&](std::int64_t n, double previous) {
    return previous + log_a - std::log(static_cast<double>(std::min(n, c)));
  };
  double log_max = 0;
  // First pass: the largest log term, to scale every term into [0, 1].
  double lp = 0;
  for (std::int64_t n = 1; n <= n_max; ++n) {
    lp = log_term(n, lp);
    log_max = std::max(log_max, lp);
  }
  double sum = 0, waiting = 0, lq = 0, last = 0;
  lp = 0;
  for (std::int64_t n = 0; n <= n_max; ++n) {
    if (n > 0) lp = log_term(n, lp);
    const double p = std::exp(lp - log_max);
    sum += p;
    if (n >= c && n < n_max) waiting += p;
    if (n > c) lq += static_cast<double>(n - c) * p;
    if (n == n_max) last = p;
  }
  MMcK r;
  r.blocking = last / sum;
  r.waiting = r.blocking < 1 ? waiting / sum / (1 - r.blocking) : 0.0;
  r.lq = lq / sum;
  r.wq = r.lq / (lambda * (1 - r.blocking));
  return r;
}

double erlang_b(double a, std::int64_t c) {
  double b = 1;
  for (std::int64_t k = 1; k <= c; ++k) b = a * b / (static_cast<double>(k) + a * b);
  return b;
}

double erlang_c(double a, std::int64_t c) {
  const auto servers = static_cast<double>(c);
  if (a >= servers) return 1.0;
  const double b = erlang_b(a, c);
  return servers * b / (servers - a * (1 - b));
}

}  // namespace sim

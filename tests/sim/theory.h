// tests/sim/theory.h — critical values for the statistical tests, and the exact results of
// queueing theory they compare the simulator with.
//
// Tolerances in these tests come from the sampling distribution of the estimate, at a
// stated confidence, never from numbers tuned until the tests pass. Quantiles are
// Boost.Math's, so no table is copied by hand.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

namespace sim_test {

// The confidence of every statistical check: a correct implementation fails one check
// with probability 0.001 (and, the seeds being fixed, fails it on every run or never).
inline constexpr double kConfidence = 0.999;

// z such that P(|Z| <= z) = confidence for a standard normal Z (3.2905 for 99.9%).
inline double z_two_sided(double confidence = kConfidence) {
  return boost::math::quantile(boost::math::normal(), (1.0 + confidence) / 2.0);
}

// The upper critical value of chi-square with `df` degrees of freedom at `confidence`.
inline double chi_square_critical(double df, double confidence = kConfidence) {
  return boost::math::quantile(boost::math::chi_squared(df), confidence);
}

// M/M/c/N with N = c + K: Poisson arrivals at `lambda`, c servers of rate `mu`, K places
// to wait (e.g. Gross & Harris, Fundamentals of Queueing Theory, section 2.5).
struct MMcK {
  double blocking = 0;  // P(N = c + K): an arrival is refused
  double lq = 0;        // mean number waiting (in the accept queue)
  double wq = 0;        // mean wait of an admitted arrival, seconds
  double all_busy = 0;  // P(N >= c): every server busy
};

inline MMcK mmck(double lambda, double mu, int c, int k) {
  const int n_max = c + k;
  const double a = lambda / mu;
  std::vector<double> p(static_cast<std::size_t>(n_max) + 1);
  p[0] = 1.0;
  for (int n = 1; n <= n_max; ++n) p[n] = p[n - 1] * a / std::min(n, c);
  double sum = 0;
  for (double v : p) sum += v;
  MMcK r;
  for (int n = c + 1; n <= n_max; ++n) r.lq += (n - c) * p[n] / sum;
  for (int n = c; n <= n_max; ++n) r.all_busy += p[n] / sum;
  r.blocking = p[n_max] / sum;
  r.wq = r.lq / (lambda * (1 - r.blocking));
  return r;
}

}  // namespace sim_test

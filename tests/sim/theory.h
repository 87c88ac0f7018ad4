// tests/sim/theory.h — critical values for the statistical tests, and the exact results of
// queueing theory they compare the simulator with (sim/queueing.h).
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

#include "sim/queueing.h"

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

// The exact M/M/c/K results are the product's (sim/queueing.h), so that a run's reference
// and these tests use one implementation; tests/sim/queueing_test.cpp checks it against
// hand-computed textbook values and a direct numerical solution of the birth-death chain.
using sim::MMcK;
using sim::mmck;

}  // namespace sim_test

// sim/distribution.h — our own samplers for random durations and numbers.
//
// Service times, think times and jitter are drawn here, by inverse transform or
// Box–Muller from a RandomStream, never with std::*_distribution (whose algorithms are
// implementation-defined). Each sampler consumes a fixed, documented number of stream
// outputs per sample, so the same stream gives the same samples in every build.
// Arithmetic is in double seconds (built with -ffp-contract=off); results are rounded
// to the nearest nanosecond, clamped at zero and saturated to Duration::infinite().
// The transcendental functions are the C library's (log, exp, pow, cos): results are
// identical wherever the same libm is used.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "sim/random.h"
#include "sim/time.h"

namespace sim {

// Exponential with the given mean, by inversion: -mean·ln(U), U in (0, 1]. One output.
// Requires: mean >= 0.
double sample_exponential(RandomStream& rng, double mean);

// Standard normal by Box–Muller: sqrt(-2 ln U1)·cos(2π U2). Stateless — the sine half
// of the pair is discarded rather than cached — so every call consumes exactly two
// outputs and a stream shared by several callers stays aligned whatever their order.
double sample_standard_normal(RandomStream& rng);

struct ConstantDist {
  Duration value;
};

struct ExponentialDist {
  Duration mean;
};

// Continuous uniform on [min, max). Requires: min <= max.
struct UniformDist {
  Duration min, max;
};

// exp(mu + sigma·Z) seconds: mu and sigma are those of ln(seconds). Requires: sigma >= 0.
struct LognormalDist {
  double mu = 0.0;
  double sigma = 0.0;
  // The lognormal with this mean and standard deviation.
  // Requires: mean > 0, stddev >= 0.
  static LognormalDist from_mean_stddev(Duration mean, Duration stddev);
};

// Pareto (type I): P(X > x) = (scale / x)^shape for x >= scale. One output, by
// inversion: scale·U^(-1/shape). Requires: scale >= 0, shape > 0.
// Mean is infinite for shape <= 1, variance for shape <= 2.
struct ParetoDist {
  Duration scale;
  double shape = 0.0;
  // The Pareto with this mean and shape. Requires: shape > 1, mean >= 0.
  static ParetoDist from_mean_shape(Duration mean, double shape);
};

// Each value equally likely (e.g. measured service times). One below() draw.
// Requires: non-empty.
struct EmpiricalDist {
  std::vector<Duration> values;
};

using DurationDist = std::variant<ConstantDist, ExponentialDist, UniformDist, LognormalDist, ParetoDist, EmpiricalDist>;

// One sample, rounded to the nearest ns, never negative, Duration::infinite() when it
// does not fit. Stream outputs consumed: constant 0, exponential 1, uniform 1,
// lognormal 2, pareto 1, empirical 1 (or more on below()'s rare rejection).
Duration sample(const DurationDist& dist, RandomStream& rng);

// Theoretical mean and variance of the continuous distribution, in seconds and
// seconds²; +infinity where they do not exist (Pareto with a small shape).
double mean_seconds(const DurationDist& dist);
double variance_seconds2(const DurationDist& dist);

// Deterministic one-line description, e.g. "exponential(mean 5ms)".
std::string describe(const DurationDist& dist);

}  // namespace sim

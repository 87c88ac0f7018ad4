#include "sim/distribution.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>

#include "sim/format.h"

namespace sim {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Seconds -> the nearest ns, clamped to [0, infinite]. NaN would mean invalid
// parameters (a Requires broken); in release it degrades to zero rather than UB.
Duration to_duration(double seconds) {
  assert(!std::isnan(seconds));
  if (!(seconds > 0.0)) return Duration::zero();
  const auto d = duration_from_seconds(seconds);
  return d ? *d : Duration::infinite();
}

Duration clamp_non_negative(Duration d) { return std::max(d, Duration::zero()); }

}  // namespace

double sample_exponential(RandomStream& rng, double mean) {
  assert(mean >= 0.0);
  // 0.0 - log(u) rather than -log(u): u == 1 then gives +0, not -0.
  return mean * (0.0 - std::log(rng.uniform_open01()));
}

double sample_standard_normal(RandomStream& rng) {
  const double radius = std::sqrt(-2.0 * std::log(rng.uniform_open01()));
  const double angle = 2.0 * std::numbers::pi * rng.uniform01();
  return radius * std::cos(angle);
}

LognormalDist LognormalDist::from_mean_stddev(Duration mean, Duration stddev) {
  assert(mean > Duration::zero() && stddev >= Duration::zero());
  const double m = mean.seconds();
  const double cv = stddev.seconds() / m;
  const double sigma2 = std::log1p(cv * cv);
  return LognormalDist{std::log(m) - sigma2 / 2.0, std::sqrt(sigma2)};
}

ParetoDist ParetoDist::from_mean_shape(Duration mean, double shape) {
  assert(shape > 1.0 && mean >= Duration::zero());
  return ParetoDist{to_duration(mean.seconds() * (shape - 1.0) / shape), shape};
}

Duration sample(const DurationDist& dist, RandomStream& rng) {
  return std::visit(
      Overloaded{
          [](const ConstantDist& d) { return clamp_non_negative(d.value); },
          [&](const ExponentialDist& d) { return to_duration(sample_exponential(rng, d.mean.seconds())); },
          [&](const UniformDist& d) { return to_duration(rng.uniform(d.min.seconds(), d.max.seconds())); },
          [&](const LognormalDist& d) { return to_duration(std::exp(d.mu + d.sigma * sample_standard_normal(rng))); },
          [&](const ParetoDist& d) {
            return to_duration(d.scale.seconds() * std::pow(rng.uniform_open01(), -1.0 / d.shape));
          },
          [&](const EmpiricalDist& d) {
            assert(!d.values.empty());
            return clamp_non_negative(d.values[rng.below(d.values.size())]);
          },
      },
      dist);
}

double mean_seconds(const DurationDist& dist) {
  return std::visit(Overloaded{
                        [](const ConstantDist& d) { return clamp_non_negative(d.value).seconds(); },
                        [](const ExponentialDist& d) { return d.mean.seconds(); },
                        [](const UniformDist& d) { return (d.min.seconds() + d.max.seconds()) / 2.0; },
                        [](const LognormalDist& d) { return std::exp(d.mu + d.sigma * d.sigma / 2.0); },
                        [](const ParetoDist& d) {
                          if (d.shape <= 1.0) return kInfinity;
                          return d.shape * d.scale.seconds() / (d.shape - 1.0);
                        },
                        [](const EmpiricalDist& d) {
                          double sum = 0.0;
                          for (const Duration v : d.values) sum += clamp_non_negative(v).seconds();
                          return sum / static_cast<double>(d.values.size());
                        },
                    },
                    dist);
}

double variance_seconds2(const DurationDist& dist) {
  return std::visit(Overloaded{
                        [](const ConstantDist&) { return 0.0; },
                        [](const ExponentialDist& d) { return d.mean.seconds() * d.mean.seconds(); },
                        [](const UniformDist& d) {
                          const double w = d.max.seconds() - d.min.seconds();
                          return w * w / 12.0;
                        },
                        [](const LognormalDist& d) {
                          const double s2 = d.sigma * d.sigma;
                          return std::expm1(s2) * std::exp(2.0 * d.mu + s2);
                        },
                        [](const ParetoDist& d) {
                          if (d.shape <= 2.0) return kInfinity;
                          const double xm = d.scale.seconds();
                          const double a = d.shape;
                          return xm * xm * a / ((a - 1.0) * (a - 1.0) * (a - 2.0));
                        },
                        [&](const EmpiricalDist& d) {
                          // Two passes: the population variance without the cancellation of E[X²]-E[X]².
                          const double m = mean_seconds(dist);
                          double sum_sq = 0.0;
                          for (const Duration v : d.values) {
                            const double dev = clamp_non_negative(v).seconds() - m;
                            sum_sq += dev * dev;
                          }
                          return sum_sq / static_cast<double>(d.values.size());
                        },
                    },
                    dist);
}

std::string describe(const DurationDist& dist) {
  return std::visit(Overloaded{
                        [](const ConstantDist& d) { return "constant(" + format_duration(d.value) + ")"; },
                        [](const ExponentialDist& d) { return "exponential(mean " + format_duration(d.mean) + ")"; },
                        [](const UniformDist& d) {
                          return "uniform(" + format_duration(d.min) + ".." + format_duration(d.max) + ")";
                        },
                        [&](const LognormalDist& d) {
                          return "lognormal(mu " + format_number(d.mu) + ", sigma " + format_number(d.sigma) +
                                 ", mean " + format_duration(to_duration(mean_seconds(dist))) + ")";
                        },
                        [](const ParetoDist& d) {
                          return "pareto(scale " + format_duration(d.scale) + ", shape " + format_number(d.shape) + ")";
                        },
                        [](const EmpiricalDist& d) {
                          if (d.values.empty()) return std::string("empirical(no values)");
                          const auto [lo, hi] = std::minmax_element(d.values.begin(), d.values.end());
                          return "empirical(" + std::to_string(d.values.size()) + " values, " + format_duration(*lo) +
                                 ".." + format_duration(*hi) + ")";
                        },
                    },
                    dist);
}

}  // namespace sim

// model/arrivals.h — when a client group calls connect(): the arrival processes.
//
// An ArrivalProcess yields the instants of successive first attempts (retries are the
// client's business, not the process's). It draws only from the stream it is given, so a
// group's arrivals do not depend on anything else in the scenario. Its instants never
// decrease; it may yield instants past the run's end (World stops there).
//
// Every process is exact, not an approximation: the Markov-modulated process (onoff) runs
// its two-state chain alongside the arrivals, and the non-homogeneous Poisson processes
// (ramp, flash_crowd) are drawn by thinning (Lewis & Shedler, 1979) against a bound that
// never falls below the rate, so they are Poisson with exactly the rate of model/spec.h.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/spec.h"
#include "sim/random.h"
#include "sim/time.h"

namespace model {

namespace detail {

// One piece of a piecewise rate, in seconds and arrivals per second. A piece covers
// [start_s, the next piece's start_s); the last one goes on for ever.
struct RatePiece {
  enum class Shape : std::uint8_t {
    kConstant,  // rate0
    kLinear,    // rate0 at start_s to rate1 at start_s + length_s
    kDecay,     // rate0 + rate1 * exp(-(t - start_s) / length_s)
  };
  double start_s = 0;
  Shape shape = Shape::kConstant;
  double rate0 = 0;
  double rate1 = 0;
  double length_s = 0;

  double rate_at(double t_s) const;
};

}  // namespace detail

class ArrivalProcess {
 public:
  explicit ArrivalProcess(const ArrivalSpec& spec);

  // The next arrival after the previous one (the first: after time zero), or nullopt when
  // the process has no more. A closed population (ClosedLoopArrivals) has no arrival
  // process of its own: World runs its users' think-connect cycles itself, and next()
  // returns nullopt for it.
  std::optional<sim::Time> next(sim::RandomStream& rng);

 private:
  std::optional<double> next_modulated(const OnOffArrivals& spec, sim::RandomStream& rng);
  std::optional<double> next_thinned(sim::RandomStream& rng);

  ArrivalSpec spec_;
  std::int64_t index_ = 0;  // arrivals produced so far
  sim::Time last_ = sim::Time::zero();

  // onoff, ramp and flash_crowd run on a continuous clock, in seconds since the start.
  double clock_s_ = 0;
  // onoff: the chain's state and when it next changes (set by the first draw).
  bool started_ = false;
  bool on_ = false;
  double switch_at_s_ = 0;
  // ramp and flash_crowd: the rate, piece by piece, in time order.
  std::vector<detail::RatePiece> pieces_;
};

}  // namespace model

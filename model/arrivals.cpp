#include "model/arrivals.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/distribution.h"

namespace model {

namespace {

constexpr double kForever = std::numeric_limits<double>::infinity();

// An increasing linear piece is thinned against its rate at the end of each of this many
// equal steps, so that at least rate(step start) / rate(step end) of the candidates are kept.
constexpr int kLinearSteps = 64;

// Instant k * (period / count) without accumulating rounding error: computed from k.
sim::Time evenly_spaced(sim::Time start, sim::Duration span, std::int64_t k, std::int64_t count) {
  // floor(span * k / count) without overflow: k < count <= 10^9, so (span % count) * k
  // stays below 10^18.
  const std::int64_t q = span.ns() / count;
  const std::int64_t r = span.ns() % count;
  return start + sim::Duration::from_ns(q * k + r * k / count);
}

using detail::RatePiece;

std::vector<RatePiece> pieces_of(const RampArrivals& r) {
  const double start = r.start.seconds();
  return {
      RatePiece{0.0, RatePiece::Shape::kConstant, r.from_per_s, 0.0, 0.0},
      RatePiece{start, RatePiece::Shape::kLinear, r.from_per_s, r.to_per_s, r.over.seconds()},
      RatePiece{(r.start + r.over).seconds(), RatePiece::Shape::kConstant, r.to_per_s, 0.0, 0.0},
  };
}

std::vector<RatePiece> pieces_of(const FlashCrowdArrivals& f) {
  std::vector<RatePiece> pieces = {RatePiece{0.0, RatePiece::Shape::kConstant, f.base_per_s, 0.0, 0.0}};
  if (f.rise > sim::Duration::zero()) {
    pieces.push_back(
        RatePiece{f.at.seconds(), RatePiece::Shape::kLinear, f.base_per_s, f.peak_per_s, f.rise.seconds()});
  }
  pieces.push_back(RatePiece{(f.at + f.rise).seconds(), RatePiece::Shape::kDecay, f.base_per_s,
                             f.peak_per_s - f.base_per_s, f.decay.seconds()});
  return pieces;
}

// A bound on the rate over [from, end), and whether it is the rate itself there (a
// constant piece: every candidate is an arrival, and no acceptance draw is made).
struct Bound {
  double rate = 0;
  double end_s = kForever;
  bool exact = false;
};

// Requires: `piece` covers t_s, and its successor (if any) starts at piece_end_s.
Bound bound_from(const RatePiece& piece, double t_s, double piece_end_s) {
  switch (piece.shape) {
    case RatePiece::Shape::kConstant: return {piece.rate0, piece_end_s, true};
    case RatePiece::Shape::kLinear: {
      if (piece.rate1 <= piece.rate0) return {piece.rate_at(t_s), piece_end_s, false};  // non-increasing
      // Increasing: the rate at the end of t's step. The step is the one whose end lies
      // strictly after t, so that the clock always moves on.
      const double step_s = piece.length_s / kLinearSteps;
      int k = std::clamp(static_cast<int>((t_s - piece.start_s) / step_s), 0, kLinearSteps - 1);
      double end_s = piece.start_s + step_s * (k + 1);
      while (end_s <= t_s && k + 1 < kLinearSteps) end_s = piece.start_s + step_s * (++k + 1);
      if (k + 1 == kLinearSteps || end_s > piece_end_s) end_s = piece_end_s;
      return {piece.rate_at(end_s), end_s, false};
    }
    case RatePiece::Shape::kDecay:
      // Non-increasing: the rate now bounds it from here on.
      return {piece.rate_at(t_s), piece_end_s, false};
  }
  return {};
}

// Whether `s` seconds since the start is past the last representable instant (or NaN).
bool beyond_time_range(double s) { return !(s * 1e9 < 9223372036854775807.0); }

}  // namespace

double detail::RatePiece::rate_at(double t_s) const {
  switch (shape) {
    case Shape::kConstant: return rate0;
    case Shape::kLinear: return rate0 + (rate1 - rate0) * std::min(1.0, (t_s - start_s) / length_s);
    case Shape::kDecay: return rate0 + rate1 * std::exp(-(t_s - start_s) / length_s);
  }
  return 0;
}

ArrivalProcess::ArrivalProcess(const ArrivalSpec& spec) : spec_(spec) {
  if (const auto* r = std::get_if<RampArrivals>(&spec_)) pieces_ = pieces_of(*r);
  if (const auto* f = std::get_if<FlashCrowdArrivals>(&spec_)) pieces_ = pieces_of(*f);
}

// A two-state Markov-modulated Poisson process. The chain's state at time zero is drawn
// from its stationary law; since sojourns are exponential, the time left in that first
// state is exponential with the state's mean too (memorylessness), so the process is
// stationary from the start. A candidate gap that would cross a state change is discarded
// and drawn again from the change: by memorylessness that is exact.
std::optional<double> ArrivalProcess::next_modulated(const OnOffArrivals& spec, sim::RandomStream& rng) {
  if (!(spec.on_rate_per_s > 0) && !(spec.off_rate_per_s > 0)) return std::nullopt;
  const double mean_on_s = spec.mean_on.seconds();
  const double mean_off_s = spec.mean_off.seconds();
  if (!started_) {
    started_ = true;
    on_ = rng.uniform01() < mean_on_s / (mean_on_s + mean_off_s);
    switch_at_s_ = sim::sample_exponential(rng, on_ ? mean_on_s : mean_off_s);
  }
  for (;;) {
    const double rate = on_ ? spec.on_rate_per_s : spec.off_rate_per_s;
    if (rate > 0) {
      const double candidate = clock_s_ + sim::sample_exponential(rng, 1.0 / rate);
      if (candidate < switch_at_s_) return clock_s_ = candidate;
    }
    clock_s_ = switch_at_s_;
    if (beyond_time_range(clock_s_)) return std::nullopt;
    on_ = !on_;
    switch_at_s_ = clock_s_ + sim::sample_exponential(rng, on_ ? mean_on_s : mean_off_s);
  }
}

// Lewis–Shedler thinning of a Poisson process at the bound: a candidate at time t is kept
// with probability rate(t) / bound. The bound holds from the clock to a step's end; a
// candidate past that end is discarded and drawn again from the end (the bound's process
// is memoryless there). When the rest of the run's rate is zero there are no more arrivals.
std::optional<double> ArrivalProcess::next_thinned(sim::RandomStream& rng) {
  for (;;) {
    std::size_t i = 0;
    while (i + 1 < pieces_.size() && pieces_[i + 1].start_s <= clock_s_) ++i;
    const double piece_end_s = i + 1 < pieces_.size() ? pieces_[i + 1].start_s : kForever;
    const Bound bound = bound_from(pieces_[i], clock_s_, piece_end_s);
    const bool to_end = bound.rate > 0;
    const double candidate = to_end ? clock_s_ + sim::sample_exponential(rng, 1.0 / bound.rate) : bound.end_s;
    if (!to_end || !(candidate < bound.end_s)) {
      // No arrival before the bound's end (NaN and infinity included).
      if (bound.end_s == kForever) return std::nullopt;
      clock_s_ = bound.end_s;
      continue;
    }
    clock_s_ = candidate;
    if (beyond_time_range(clock_s_)) return std::nullopt;
    if (bound.exact || rng.uniform01() * bound.rate < pieces_[i].rate_at(clock_s_)) return clock_s_;
  }
}

std::optional<sim::Time> ArrivalProcess::next(sim::RandomStream& rng) {
  struct Visitor {
    ArrivalProcess& self;
    sim::RandomStream& rng;

    static std::optional<sim::Time> at_seconds(std::optional<double> s) {
      if (!s) return std::nullopt;
      const auto d = sim::duration_from_seconds(*s);
      if (!d) return std::nullopt;
      return sim::Time::zero() + *d;
    }

    std::optional<sim::Time> operator()(const PoissonArrivals& p) const {
      const auto gap = sim::duration_from_seconds(sim::sample_exponential(rng, 1.0 / p.rate_per_s));
      if (!gap) return std::nullopt;
      return self.last_ + *gap;
    }
    std::optional<sim::Time> operator()(const ConstantArrivals& c) const {
      // Arrival k (from 1) at k / rate seconds, exactly to the nanosecond.
      const double at_s = static_cast<double>(self.index_ + 1) / c.rate_per_s;
      const auto at = sim::duration_from_seconds(at_s);
      if (!at) return std::nullopt;
      return sim::Time::zero() + *at;
    }
    std::optional<sim::Time> operator()(const BurstArrivals& b) const {
      if (self.index_ >= b.count) return std::nullopt;
      return evenly_spaced(b.at, b.over, self.index_, b.count);
    }
    std::optional<sim::Time> operator()(const OnOffArrivals& o) const {
      return at_seconds(self.next_modulated(o, rng));
    }
    std::optional<sim::Time> operator()(const RampArrivals&) const { return at_seconds(self.next_thinned(rng)); }
    std::optional<sim::Time> operator()(const FlashCrowdArrivals&) const { return at_seconds(self.next_thinned(rng)); }
    std::optional<sim::Time> operator()(const TraceArrivals& t) const {
      if (!t.times || self.index_ >= static_cast<std::int64_t>(t.times->size())) return std::nullopt;
      return (*t.times)[static_cast<std::size_t>(self.index_)];
    }
    // World runs a closed population's think-connect cycles itself (see ClosedLoopArrivals).
    std::optional<sim::Time> operator()(const ClosedLoopArrivals&) const { return std::nullopt; }
  };
  const auto t = std::visit(Visitor{*this, rng}, spec_);
  if (t) {
    ++index_;
    last_ = *t;
  }
  return t;
}

}  // namespace model

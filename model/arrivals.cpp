#include "model/arrivals.h"

#include <cmath>

#include "sim/distribution.h"

namespace model {

namespace {

// Instant k * (period / count) without accumulating rounding error: computed from k.
sim::Time evenly_spaced(sim::Time start, sim::Duration span, std::int64_t k, std::int64_t count) {
  // floor(span * k / count) without overflow: k < count <= 10^9, so (span % count) * k
  // stays below 10^18.
  const std::int64_t q = span.ns() / count;
  const std::int64_t r = span.ns() % count;
  return start + sim::Duration::from_ns(q * k + r * k / count);
}

}  // namespace

std::optional<sim::Time> ArrivalProcess::next(sim::RandomStream& rng) {
  struct Visitor {
    ArrivalProcess& self;
    sim::RandomStream& rng;

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
  };
  const auto t = std::visit(Visitor{*this, rng}, spec_);
  if (t) {
    ++index_;
    last_ = *t;
  }
  return t;
}

}  // namespace model

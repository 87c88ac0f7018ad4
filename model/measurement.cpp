#include "model/measurement.h"

#include <algorithm>

namespace model {

Measurement::Measurement(const ScenarioSpec& spec, sim::Engine& engine, Listeners& listeners)
    : spec_(spec), engine_(engine), listeners_(listeners) {}

void Measurement::start() {
  if (!spec_.measure) return;
  at_from_.assign(listeners_.size(), Mark{});
  if (spec_.measure->from > sim::Time::zero()) engine_.schedule_at(spec_.measure->from, *this, 0);
  if (spec_.measure->to < sim::Time::zero() + spec_.duration) engine_.schedule_at(spec_.measure->to, *this, 1);
}

Measurement::Mark Measurement::mark(const Listener& l, sim::Time t) const {
  return {l.accept_level.integral(t),  l.accept_level.full_seconds(t), l.syn_level.integral(t),
          l.syn_level.full_seconds(t), l.accept_level.max(),           l.syn_level.max()};
}

void Measurement::handle(sim::Engine&, std::uint64_t arg) {
  const sim::Time now = engine_.now();
  if (arg == 0) {
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
      Listener& l = listeners_[i];
      at_from_[i] = mark(l, now);
      l.accept_level.reset_max();
      l.syn_level.reset_max();
    }
    return;
  }
  at_to_.clear();
  for (std::size_t i = 0; i < listeners_.size(); ++i) at_to_.push_back(mark(listeners_[i], now));
  ended_ = true;
}

void Measurement::close(sim::Time now) {
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    Listener& l = listeners_[i];
    ListenerResults& out = l.out;
    if (!spec_.measure) {
      out.accept_queue = {l.accept_level.mean(now), l.accept_level.max(), l.accept_level.full_fraction(now)};
      out.syn_queue = {l.syn_level.mean(now), l.syn_level.max(), l.syn_level.full_fraction(now)};
      out.span_seconds = (now - sim::Time::zero()).seconds();
      continue;
    }
    // A run cut short may end inside the window: it covers [from, now) then.
    const sim::Time from = std::min(spec_.measure->from, now);
    const sim::Time to = ended_ ? spec_.measure->to : now;
    const Mark a = at_from_[i];
    const Mark b = ended_ ? at_to_[i] : mark(l, now);
    const double span = (to - from).seconds();
    auto per = [&](double x) { return span > 0 ? x / span : 0.0; };
    out.accept_queue = {per(b.accept_area - a.accept_area), b.accept_max, per(b.accept_full - a.accept_full)};
    out.syn_queue = {per(b.syn_area - a.syn_area), b.syn_max, per(b.syn_full - a.syn_full)};
    out.span_seconds = span;
  }
}

}  // namespace model

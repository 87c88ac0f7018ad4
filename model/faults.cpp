#include "model/faults.h"

#include <algorithm>

namespace model {

sim::Duration slowed_by(const FaultSpec& fault, sim::Time now, sim::Duration d) {
  double m = fault.factor;
  if (fault.kind == FaultKind::kSlowStart) {
    const double elapsed = (now - fault.at).seconds() / fault.length.seconds();
    m = fault.factor - (fault.factor - 1.0) * std::min(1.0, elapsed);
  }
  return sim::duration_from_seconds(d.seconds() * m).value_or(sim::Duration::infinite());
}

void Faults::start() {
  const sim::Time end = sim::Time::zero() + spec_.duration;
  for (std::size_t i = 0; i < spec_.faults.size(); ++i) {
    const FaultSpec& f = spec_.faults[i];
    engine_.schedule_at(f.at, *this, 2 * i);
    if (f.at + f.length < end) engine_.schedule_at(f.at + f.length, *this, 2 * i + 1);
  }
}

void Faults::handle(sim::Engine&, std::uint64_t arg) {
  const FaultSpec& f = spec_.faults[arg / 2];
  const bool begins = arg % 2 == 0;
  TraceEvent e;
  e.at = engine_.now();
  e.kind = TraceKind::kFault;
  e.fault = &f;
  e.fault_begins = begins;
  if (!on_listener(f.kind)) {
    if (f.kind == FaultKind::kHostDown) {
      wire_.cut_host(f.host, begins);
    } else {
      wire_.cut_link(f.link, begins);
    }
    if (tracer_.on()) tracer_.emit(e);
    return;
  }
  // A reuseport group's sockets have consecutive slots: the fault acts on its `socket:`,
  // or on every socket of the group.
  const Listener& first = listeners_.at_port(f.host, f.port);
  const std::uint32_t sockets = std::max<std::uint32_t>(first.group_size, 1);
  for (std::uint32_t k = 0; k < sockets; ++k) {
    if (f.socket != 0 && k + 1 != static_cast<std::uint32_t>(f.socket)) continue;
    Listener& l = listeners_[first.index + k];
    if (f.loop >= 0) {
      // One event loop of the socket (config/ allows stall, slow and slow_start only).
      if (f.kind == FaultKind::kStall) {
        loops_.stall(l, static_cast<std::uint32_t>(f.loop), begins);
      } else {
        loops_.slow(l, static_cast<std::uint32_t>(f.loop), begins ? &f : nullptr);
      }
    } else {
      switch (f.kind) {
        case FaultKind::kStall: listeners_.stall(l, begins); break;
        case FaultKind::kSlowStart:
        case FaultKind::kSlow: listeners_.slow(l, begins ? &f : nullptr); break;
        case FaultKind::kRestart: listeners_.restart(l, begins); break;
        case FaultKind::kHostDown:
        case FaultKind::kLinkDown: break;  // not a listener's: handled above
      }
    }
    if (tracer_.on()) {
      e.listener = l.index;
      e.accept_len = static_cast<std::int64_t>(l.accept_queue.size());
      e.syn_len = l.syn_queue_len;
      e.backlog = l.backlog;
      tracer_.emit(e);
    }
  }
}

}  // namespace model

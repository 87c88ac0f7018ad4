#include "model/faults.h"

namespace model {

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
  Listener& l = listeners_.at_port(f.host, f.port);
  switch (f.kind) {
    case FaultKind::kStall: listeners_.stall(l, begins); break;
    case FaultKind::kSlowStart: listeners_.slow_start(l, begins ? &f : nullptr); break;
    case FaultKind::kRestart: listeners_.restart(l, begins); break;
    case FaultKind::kHostDown:
    case FaultKind::kLinkDown: break;  // not a listener's: handled above
  }
  if (tracer_.on()) {
    e.listener = l.index;
    e.accept_len = static_cast<std::int64_t>(l.accept_queue.size());
    e.syn_len = l.syn_queue_len;
    e.backlog = l.backlog;
    tracer_.emit(e);
  }
}

}  // namespace model

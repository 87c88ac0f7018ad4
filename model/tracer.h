// model/tracer.h — what the parts of the handshake tell an observer, step by step.
//
// Each part reports its steps here; with no observer the cost is one branch per step. A
// connection's TraceEvent carries what the narration needs to tell the step without
// keeping a record of its own: the attempt, where it is going, the queue lengths of the
// listener it reached at that instant, and the client's next SYN retransmission.
#pragma once

#include <cstdint>

#include "model/connection_pool.h"
#include "model/trace.h"
#include "sim/engine.h"

namespace model {

class Listeners;

class Tracer {
 public:
  Tracer(const sim::Engine& engine, const ConnectionPool& pool) : engine_(engine), pool_(pool) {}

  // The listeners whose queues events report. Set once, before the run.
  void watch(const Listeners& listeners) { listeners_ = &listeners; }
  void set_observer(TraceObserver* observer) { observer_ = observer; }

  bool on() const { return observer_ != nullptr; }
  // Requires: on().
  void emit(const TraceEvent& e) const { observer_->on_event(e); }
  // The event `kind` of connection `slot`, now. Fill in the kind's own fields, then emit().
  TraceEvent about(TraceKind kind, std::uint32_t slot) const;
  // The event `kind` of listener `listener` itself (not of a connection), now, with its
  // queue lengths.
  TraceEvent about_listener(TraceKind kind, std::uint32_t listener) const;
  // Emits the plain event `kind` of connection `slot`, if anyone watches.
  void note(TraceKind kind, std::uint32_t slot) const {
    if (observer_) emit(about(kind, slot));
  }

 private:
  const sim::Engine& engine_;
  const ConnectionPool& pool_;
  const Listeners* listeners_ = nullptr;
  TraceObserver* observer_ = nullptr;
};

}  // namespace model

// model/faults.h — a scenario's faults, begun and ended at their times.
//
// A listener's faults act on its part: a stall holds its workers, a slow start or a slow
// stretches its service times, a restart closes its socket and listens again at the end.
// On an event-loop listener a stall, slow or slow start may name one loop (`loop:`): it
// acts on that loop alone, through EventLoops. host_down and link_down act on the wire:
// segments sent across the cut are lost while it lasts. Each start and end is reported
// to the tracer.
#pragma once

#include <cstdint>

#include "model/event_loop.h"
#include "model/listener.h"
#include "model/spec.h"
#include "model/tracer.h"
#include "model/wire.h"
#include "sim/engine.h"

namespace model {

// A duration under `fault`, a slow or slow_start in progress: multiplied by its factor,
// for a slow_start one that falls linearly from `factor` at its start to 1 at its end.
sim::Duration slowed_by(const FaultSpec& fault, sim::Time now, sim::Duration d);
// The same, or `d` itself when no fault is in progress (null): inline, since every accept
// of every listener asks.
inline sim::Duration slowed(const FaultSpec* fault, sim::Time now, sim::Duration d) {
  return fault ? slowed_by(*fault, now, d) : d;
}

class Faults final : public sim::EventHandler {
 public:
  Faults(const ScenarioSpec& spec, sim::Engine& engine, Listeners& listeners, EventLoops& loops, Wire& wire,
         const Tracer& tracer)
      : spec_(spec), engine_(engine), listeners_(listeners), loops_(loops), wire_(wire), tracer_(tracer) {}

  // Schedules every fault's start and (when it ends within the run) its end.
  void start();
  // Starts (arg 2i) or ends (arg 2i + 1) fault i of the scenario.
  void handle(sim::Engine& engine, std::uint64_t arg) override;

 private:
  const ScenarioSpec& spec_;
  sim::Engine& engine_;
  Listeners& listeners_;
  EventLoops& loops_;
  Wire& wire_;
  const Tracer& tracer_;
};

}  // namespace model

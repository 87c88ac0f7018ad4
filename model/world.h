// model/world.h — a scenario brought to life on an engine.
//
// World turns a ScenarioSpec into hosts, listeners, server applications and client
// groups, and plays the TCP handshake between them: connect(), SYN, SYN-ACK, final ACK,
// RST, retransmission timers, accept() and service. Every decision a kernel makes is
// asked of the host's Personality. World draws randomness only from per-entity streams
// derived from the scenario seed and the entity's name.
//
// Use: World w(spec, engine); w.start(); engine.run_until(end); RunResults r = w.finish();
// or simply run_scenario(spec). A World may be stepped (viewer) and inspected between
// events; it never touches the wall clock, files or globals.
#pragma once

#include <cstdint>
#include <memory>

#include "model/results.h"
#include "model/spec.h"
#include "model/trace.h"
#include "sim/engine.h"

namespace model {

class World {
 public:
  World(const ScenarioSpec& spec, sim::Engine& engine);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Schedules the first arrivals and the sampler. Call once, before running the engine.
  void start();

  // Closes the books at engine.now(): attempts still open become `pending`, statistics
  // end, the outcome invariant is checked. Call once, after the engine has run.
  RunResults finish();

  // Connections in flight right now (any state).
  std::size_t connections_in_flight() const;

  // Reports every step to `observer` (nullptr: to nobody). The observer must outlive the
  // run; it is called synchronously from the event loop.
  void set_observer(TraceObserver* observer);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs a scenario from t = 0 to its duration on a fresh engine.
RunResults run_scenario(const ScenarioSpec& spec);

}  // namespace model

// model/world.h — a scenario brought to life on an engine.
//
// World turns a ScenarioSpec into hosts, listeners, server applications and client
// groups, and plays the TCP handshake between them: connect(), SYN, SYN-ACK, final ACK,
// RST, retransmission timers, accept() and service. It assembles the parts of the
// handshake (connection pool, balancers, wire, clients, listeners, script runner, faults,
// sampler; docs/architecture.md has the map), routes arriving segments and timers to them,
// and closes the books. Every decision a kernel makes is asked of the host's Personality.
// World draws randomness only from per-entity streams derived from the scenario seed and
// the entity's name.
//
// Use: World w(spec, engine); w.start(); engine.run_until(end); RunResults r = w.finish();
// or simply run_scenario(spec). A World may be stepped (viewer) and inspected between
// events; it never touches the wall clock, files or globals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "model/results.h"
#include "model/spec.h"
#include "model/trace.h"
#include "sim/engine.h"

namespace model {

struct LoopSnapshot;   // model/stepper.h
struct ProxySnapshot;  // model/stepper.h

class World {
 public:
  World(const ScenarioSpec& spec, sim::Engine& engine);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Schedules the first arrivals and the sampler. Call once, before running the engine.
  void start();

  // Closes the books at engine.now(): attempts still open become `pending`, statistics
  // end, the outcome invariant is checked (a broken one is RunResults::internal_error).
  // Call once, after the engine has run.
  RunResults finish();

  // Connections in flight right now (any state), and attempts scheduled for later (an
  // application retry's timer, a closed-population user thinking).
  std::size_t connections_in_flight() const;

  // Stops the engine (sim::Engine::stop) as soon as more than `limit` connections are in
  // flight at once, counted as connections_in_flight() counts; inflight_limit_hit() then
  // says so.
  void set_inflight_limit(std::size_t limit);
  bool inflight_limit_hit() const;

  // Reports every step to `observer` (nullptr: to nobody). The observer must outlive the
  // run; it is called synchronously from the event loop.
  void set_observer(TraceObserver* observer);

  // The state between events, for model::Stepper (the viewer). Valid until the next event.
  // Listeners are indexed as TraceEvent::listener, client groups as ScenarioSpec::clients.
  struct ListenerState {
    const ListenerResults* counters = nullptr;  // so far; its queue statistics come with finish()
    const Personality* personality = nullptr;
    bool open = false;     // listening now
    bool stalled = false;  // a stall fault holds its workers
    std::int64_t backlog = 0;
    std::int64_t accept_len = 0;
    std::int64_t syn_len = 0;
    std::int64_t syn_acked = 0;  // of which marked acked (Linux)
    int workers = 0;
    int busy_workers = 0;
  };
  // Every event loop now, listener by listener (model::LoopSnapshot).
  std::vector<LoopSnapshot> loop_states() const;
  // Every proxy now, in host order (model::ProxySnapshot).
  std::vector<ProxySnapshot> proxy_states() const;
  std::size_t listener_count() const;
  ListenerState listener_state(std::size_t i) const;
  const ClientResults& client_results(std::size_t i) const;  // outcomes decided so far
  std::uint64_t segments_lost(std::size_t client) const;     // ClientResults::segments_lost so far
  const sim::TimeSeries& series() const;                     // the samples taken so far
  std::vector<BalancerResults> balancer_results() const;     // each backend's counts so far
  // Whether a host_down or link_down fault cuts host `h` (of ScenarioSpec::hosts) or link
  // `l` (of its network's links) off now.
  bool host_down(std::size_t h) const;
  bool link_down(std::size_t l) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Bounds on a run, and a way to stop it from outside. A run that meets one ends at that
// event boundary with RunResults::cut_short set; what it has done so far is reported as
// usual (attempts still open are pending).
struct RunControl {
  std::uint64_t max_events = UINT64_MAX;
  std::size_t max_inflight = SIZE_MAX;
  // Polled every kPollEvents events (nullptr: never); true stops the run (kInterrupted).
  bool (*interrupted)() = nullptr;
  // Sees every step of the run (World::set_observer); nullptr: nobody.
  TraceObserver* observer = nullptr;
  // A run whose clock has not moved for this many events is going nowhere (a closed
  // population with no think, service or network time loops at one instant for ever): it
  // stops, kStalled. Checked every kPollEvents events, so it may run up to kPollEvents
  // more. The default is far beyond what the in-flight limit lets an instant hold.
  std::uint64_t max_events_at_one_instant = kDefaultMaxEventsAtOneInstant;
  static constexpr std::uint64_t kDefaultMaxEventsAtOneInstant = 100'000'000;
  static constexpr std::uint64_t kPollEvents = 1 << 16;
};

// Runs a scenario from t = 0 to its duration on a fresh engine.
RunResults run_scenario(const ScenarioSpec& spec, const RunControl& control = {});

}  // namespace model

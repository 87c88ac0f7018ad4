// model/stepper.h — a run driven from outside, one piece at a time, and looked at in between.
//
// A Stepper owns an engine and a World built from a ScenarioSpec and started at t = 0. It
// runs events only when asked (step(), advance_to()) and never past the scenario's
// duration. However a run is cut into pieces it runs the same events in the same order as
// model::run_scenario, so snapshot() at a time is the same whatever the pieces were. Going
// back in time is a new Stepper advanced to that time: the run is deterministic.
//
// The viewer reads the simulation only through this unit. A Snapshot is plain values,
// copied out of the World: it stays valid while the run goes on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/personality.h"
#include "model/results.h"
#include "model/spec.h"
#include "model/trace.h"
#include "model/world.h"
#include "sim/engine.h"
#include "sim/stats.h"
#include "sim/time.h"

namespace model {

// One listening port now. Limits are the first length at which the listener's own
// Personality calls the queue full (Personality::accept_limit, syn_limit).
struct ListenerSnapshot {
  std::string host;
  int port = 0;
  Os os = Os::kLinux;
  bool open = false;     // listening now
  bool stalled = false;  // a stall fault holds its workers
  std::int64_t backlog = 0;
  std::int64_t accept_len = 0;
  std::int64_t accept_limit = 0;
  std::int64_t syn_len = 0;
  std::int64_t syn_limit = 0;
  std::int64_t syn_acked =
      0;  // requests in the SYN queue marked acked (Linux TCP_DEFER_ACCEPT, or a full accept queue)
  bool defers_accept = false;  // Linux TCP_DEFER_ACCEPT is set
  int workers = 0;
  int busy_workers = 0;  // serving a connection, or holding a proxy's pooled one (not free to accept)
  std::uint64_t syns_received = 0;
  std::uint64_t syns_dropped = 0;
  std::uint64_t syncookies_sent = 0;
  std::uint64_t resets_sent = 0;
  std::uint64_t acks_dropped = 0;
  std::uint64_t accepted = 0;
  // A socket of an SO_REUSEPORT group: which (from 1) of how many (0 of 0: a plain socket).
  std::uint32_t reuseport_socket = 0;
  std::uint32_t reuseport_sockets = 0;
};

// One event loop now (EventLoopSpec): its counts and statistics so far, and its state.
struct LoopSnapshot {
  LoopResults so_far;          // busy_fraction and open statistics over [0, now]
  std::uint32_t listener = 0;  // as Snapshot::listeners numbers them
  bool busy = false;           // spending CPU on accepts and requests now
  std::int64_t open = 0;       // connections open on it now
};

// One proxy now (ProxySpec): its queue and, per backend, its upstream connections.
struct ProxySnapshot {
  ProxyResults so_far;      // counts so far (requests.pending: undecided at this instant)
  std::uint32_t host = 0;   // index into ScenarioSpec::hosts
  std::int64_t queued = 0;  // requests waiting for a backend's max_connections
  struct Upstream {
    std::int64_t idle = 0;  // keep-alive connections in its pool
    std::int64_t busy = 0;  // connections carrying a request, or connecting
    bool down = false;      // marked down by passive health
  };
  std::vector<Upstream> backends;  // as ProxySpec::backends
};

// One client group now. `counts.pending` is the attempts still open at this instant, so the
// counts balance at every instant (and equal RunResults' at the end of the run).
struct ClientSnapshot {
  std::string name;
  OutcomeCounts counts;
  bool spoofed = false;
  std::uint64_t spoofed_syns = 0;
  std::uint64_t syn_retransmits = 0;
  std::uint64_t segments_lost = 0;  // as RunResults counts them: link loss, host_down, link_down
  sim::Histogram connect_latency;
};

struct Snapshot {
  sim::Time now;
  std::uint64_t events = 0;                 // processed so far
  std::vector<ListenerSnapshot> listeners;  // as World numbers them (TraceEvent::listener)
  std::vector<ClientSnapshot> clients;      // as ScenarioSpec::clients
  OutcomeCounts totals;
  sim::Histogram connect_latency;  // every group's, merged
  // Parallel to the spec's network links (empty without `network:`): the attempts open now
  // of the client groups whose route crosses the link. A group behind a balancer counts on
  // the routes to every backend, since a route's share is not known until a SYN is sent.
  std::vector<std::uint64_t> link_load;
  // Parallel to the spec's hosts and network links: cut off now by a host_down or
  // link_down fault.
  std::vector<bool> host_down;
  std::vector<bool> link_down;
  // Parallel to the spec's balancers: what each did with its backends so far (as RunResults
  // reports them at the end), with the connections each backend has now.
  std::vector<BalancerResults> balancers;
  sim::TimeSeries series{{}};          // the sample rows so far (World's columns)
  std::vector<LoopSnapshot> loops;     // every event loop, listener by listener
  std::vector<ProxySnapshot> proxies;  // every proxy, in host order (World::proxy_states)
};

class Stepper {
 public:
  // Builds the World and starts it at t = 0. `observer` (may be null) sees every step from
  // the start; it must outlive the Stepper.
  explicit Stepper(ScenarioSpec spec, TraceObserver* observer = nullptr);
  ~Stepper();
  Stepper(const Stepper&) = delete;
  Stepper& operator=(const Stepper&) = delete;

  const ScenarioSpec& spec() const { return spec_; }
  sim::Time now() const { return engine_.now(); }
  sim::Time end() const { return end_; }
  bool at_end() const { return engine_.now() >= end_; }
  std::uint64_t events() const { return engine_.events_processed(); }

  // Runs the next event. When no event is left before the end, the clock moves to the end.
  // Returns false (and does nothing) at the end.
  bool step();

  // Runs every event with time <= min(t, end()), then sets now() to that time.
  // Requires: t >= now().
  void advance_to(sim::Time t);

  Snapshot snapshot() const;

 private:
  ScenarioSpec spec_;
  sim::Time end_;
  sim::Engine engine_;
  std::unique_ptr<World> world_;
  // Per client group: the network links its routes cross, each once, ascending.
  std::vector<std::vector<std::uint32_t>> group_links_;
  std::size_t link_count_ = 0;
};

}  // namespace model

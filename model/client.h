// model/client.h — the clients' side of the handshake.
//
// A client group calls connect() as its arrival process says (or as its closed
// population's users come back from thinking), sends SYNs and retransmits them on its
// OS's schedule, answers SYN-ACKs with the final ACK, and gives up at its connect_timeout
// or when its retransmissions run out. Each attempt's fate is decided once, here, by
// settle(): counted, mixed into the run's digest, and followed by an application retry
// when the group's policy asks for one. Timers are set through the shared timer lanes with
// the dispatcher's handler, which hands them back to on_timer().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "model/arrivals.h"
#include "model/balancer.h"
#include "model/connection_pool.h"
#include "model/digest.h"
#include "model/personality.h"
#include "model/results.h"
#include "model/spec.h"
#include "model/tracer.h"
#include "model/wire.h"
#include "sim/engine.h"
#include "sim/random.h"
#include "sim/timer_lanes.h"

namespace model {

class FirstData;  // model/first_data.h

// Whoever owns the upstream groups (ClientSpec::upstream_of): a proxy's connect()s to its
// backends are made and retransmitted here like any client's, and their fates handed back.
class UpstreamOwner {
 public:
  // The upstream connection in `slot` is established (its SYN-ACK came), measured or not.
  virtual void upstream_established(const Connection& c) = 0;
  // Its fate is decided (accepted by the backend's application, which serves it for
  // `served`; refused; reset; timed out). The slot is freed after the call.
  virtual void upstream_settled(const Connection& c, Outcome outcome, sim::Duration served) = 0;
  // A worker of listener `listener` has served request `request` over the upstream
  // connection it accepted as descriptor `fd`. Returns whether the proxy keeps the
  // connection in its pool: the worker then stays with it (Listeners::close_held frees it).
  virtual bool upstream_served(std::uint32_t listener, std::int64_t fd, std::uint32_t request) = 0;

 protected:
  ~UpstreamOwner() = default;
};

class Clients {
 public:
  // `timers` is the handler every connection timer is set on (it calls on_timer()).
  Clients(const ScenarioSpec& spec, sim::Engine& engine, sim::TimerLanes& lanes, sim::EventHandler& timers,
          ConnectionPool& pool, Balancers& balancers, Addressing& addressing, Wire& wire, const Tracer& tracer,
          RunDigest& digest);
  Clients(const Clients&) = delete;
  Clients& operator=(const Clients&) = delete;

  // Schedules the first arrivals (or the users' first think times).
  void start();
  // Who sends each connection's first data once connect() succeeds. Set once, before the run.
  void set_first_data(FirstData* first_data) { first_data_ = first_data; }
  // Who owns the upstream groups and takes the requests of connections accepted by a proxy.
  // Set once, before the run, in a scenario with proxies.
  void set_upstream_owner(UpstreamOwner* owner) { upstream_ = owner; }

  // A backend's worker has served a proxy's request over an upstream connection
  // (UpstreamOwner::upstream_served): whether it keeps the connection.
  bool upstream_served(std::uint32_t listener, std::int64_t fd, std::uint32_t request) {
    return upstream_->upstream_served(listener, fd, request);
  }
  // A proxy's upstream connect() (group `group`, one of the upstream groups) to backend
  // `backend` of its ProxySpec at host:port, for its request `request` (kept in the
  // connection's `chain`).
  void connect_upstream(std::uint32_t group, std::uint16_t backend, std::uint32_t host, int port, std::uint32_t request,
                        bool measured);
  // The request of an accepted connection of chain `chain` of group `group` (which called
  // connect() at `started`) got `result`: counted once here; its user is free again, or
  // retries after a 5xx if its policy says so (RetrySpec::on).
  void request_result(std::uint32_t group, std::uint32_t chain, sim::Time started, bool measured, RequestResult result);

  void receive_synack(std::uint32_t slot);
  void receive_rst(std::uint32_t slot);
  // A client timer of a live connection came up: kSynRetransmit, kConnectTimeout or kRstRetry.
  void on_timer(std::uint32_t slot, TimerKind kind);

  // An attempt's fate is decided: count it once. An accepted connection keeps its client
  // (a user of a closed population) busy for `served`, the time the server serves it.
  void settle(std::uint32_t slot, Outcome outcome, sim::Duration served = sim::Duration::zero());

  // The scenario's client groups (the upstream groups come after them, and are not counted).
  std::size_t size() const { return user_groups_; }
  const ClientResults& results(std::size_t i) const { return groups_[i].out; }
  // Counts an attempt's outcome in its group (and its OS's, in a mix), if it started inside
  // the measurement window.
  void count(const Connection& c, Outcome outcome) {
    if (!c.measured) return;
    Group& g = groups_[c.client];
    g.out.counts.count(outcome);
    if (g.mixed) g.out.os_mix[c.os].counts.count(outcome);
  }
  ClientResults& results(std::size_t i) { return groups_[i].out; }
  OutcomeCounts totals() const;
  // Connect latencies recorded since the last call (only with `sample_detail`), then forgotten.
  sim::Histogram take_interval_latency(std::size_t i);

  // Whether an attempt started at `t` is inside the measurement window.
  bool measured(sim::Time t) const { return window_.from <= t && t < window_.to; }

 private:
  // One logical client: a first attempt and the application retries that follow it (an
  // open-loop arrival), or one user of a closed population, whose chain starts again
  // after each think time.
  struct Chain {
    sim::Time first;                                 // its current first attempt
    sim::Duration previous = sim::Duration::zero();  // the last retry delay (decorrelated jitter)
    std::uint16_t retries = 0;                       // retries made since `first`
    std::uint8_t os = 0;                             // its OS: an index into Group::mix
  };

  // How the clients of one OS behave: the group's own, or one of its mix.
  struct OsBehaviour {
    Personality personality{Os::kLinux, KernelKnobs{}};
    SynRetransmitSchedule syn_schedule;
  };

  struct Group final : sim::EventHandler {
    Clients* owner = nullptr;
    std::uint32_t index = 0;
    const ClientSpec* spec = nullptr;
    const ClosedLoopArrivals* population = nullptr;  // a closed population (else open-loop arrivals)
    OsBehaviour own;                                 // every client's, or the mix's first OS
    std::vector<OsBehaviour> mix;                    // a mix: one per OS (ClientSpec::os_mix); empty without one
    bool mixed = false;                              // !mix.empty(), as the hot path reads it
    bool upstream = false;                           // a proxy's upstream group (ClientSpec::upstream_of)
    std::uint8_t look_closer = 0;                    // settle(): see Clients' constructor
    bool unusual = false;                            // mixed || upstream, as the hot path reads it
    std::uint8_t retry_on = 0;                       // RetrySpec::on, as the hot path reads it
    std::vector<double> os_cumulative;               // a mix's cumulative shares; empty without one
    sim::RandomStream os_rng{0};                     // a mix: each chain's OS
    ArrivalProcess arrivals{PoissonArrivals{1}};
    sim::RandomStream arrival_rng{0};  // open-loop arrivals, or the users' think times
    sim::RandomStream retry_rng{0};
    std::vector<Chain> chains;  // a closed population: one per user, for good
    std::vector<std::uint32_t> free_chains;
    std::optional<sim::Time> next_arrival;
    std::uint32_t attempts_made = 0;  // every connect() (or forged SYN), measured or not: numbers them
    ClientResults out;
    sim::Histogram interval_latency;  // sample_detail: this interval's connect latencies

    // arg 0: the next arrivals; arg k > 0: the next attempt of chain k - 1 (a retry, or a
    // user back from thinking).
    void handle(sim::Engine& engine, std::uint64_t arg) override;
  };

  void schedule_next_arrival(Group& g);
  void arrive(Group& g);
  void connect(Group& g, std::uint32_t chain);
  // The part of a connect() after the connection is aimed: source port, timers, first SYN.
  [[gnu::always_inline]] inline void launch(Group& g, std::uint32_t slot);
  void spoofed_syn(Group& g);
  void send_syn(std::uint32_t slot);
  void gives_up(std::uint32_t slot);
  bool retry(Group& g, std::uint32_t chain);
  [[gnu::always_inline]] inline void chain_done(Group& g, std::uint32_t chain, sim::Duration busy);
  void user_thinks(Group& g, std::uint32_t u, sim::Duration busy);
  static std::uint8_t draw_os(Group& g);  // a chain's OS, in a mix
  // How the client of connection `c` behaves: its group's OS, or its own in a mix.
  static const OsBehaviour& behaviour(const Group& g, const Connection& c) { return g.mixed ? g.mix[c.os] : g.own; }

  sim::Engine& engine_;
  sim::Time end_;
  sim::TimerLanes& lanes_;
  sim::EventHandler& timers_;
  ConnectionPool& pool_;
  Addressing& addressing_;
  Balancers& balancers_;
  Wire& wire_;
  const Tracer& tracer_;
  RunDigest& digest_;
  std::vector<Group> groups_;
  MeasureWindow window_;
  bool detail_ = false;
  FirstData* first_data_ = nullptr;
  UpstreamOwner* upstream_ = nullptr;
  std::size_t user_groups_ = 0;
};

}  // namespace model

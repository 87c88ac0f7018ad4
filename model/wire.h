// model/wire.h — segments between the two ends: network delay, loss, and cuts.
//
// send() puts a connection's segment on its path. Both directions of a connection cross
// its client group's path (to the backend its balancer picked): the network's latency and
// jitter delay it, the path's links may lose it, and a host_down or link_down fault in
// progress cuts it off. Without a `network:` every segment arrives at once, still as an
// event, after what is already due at that instant.
//
// A segment that gets through arrives as an event of the `arrivals` handler, whose
// argument is the connection's pack() with the Segment as its kind; that handler (World's)
// routes it to the client or the listener, unless its connection is gone by then.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "model/balancer.h"
#include "model/connection_pool.h"
#include "model/network.h"
#include "model/spec.h"
#include "model/tracer.h"
#include "sim/engine.h"
#include "sim/random.h"
#include "sim/timer_lanes.h"

namespace model {

class Wire {
 public:
  Wire(const ScenarioSpec& spec, sim::Engine& engine, sim::TimerLanes& lanes, ConnectionPool& pool,
       Balancers& balancers, const Tracer& tracer, sim::EventHandler& arrivals);

  void send(std::uint32_t slot, Segment segment);
  // The round trip of a connection's path without jitter (twice its links' latencies).
  sim::Duration round_trip(const Connection& c) const;

  // A host_down or link_down fault begins or ends (they may overlap: counted).
  void cut_host(std::size_t host, bool begins);
  void cut_link(std::size_t link, bool begins);
  bool host_down(std::size_t host) const { return host < host_down_.size() && host_down_[host] > 0; }
  bool link_down(std::size_t link) const { return link < link_down_.size() && link_down_[link] > 0; }

  // Segments of client group `client`'s connections lost so far, whatever the cause.
  std::uint64_t segments_lost(std::size_t client) const { return lost_[client]; }

 private:
  std::optional<LossCause> cut_off(const Connection& c) const;
  void lose(std::uint32_t slot, Segment segment, LossCause cause);

  sim::Engine& engine_;
  sim::TimerLanes& lanes_;
  ConnectionPool& pool_;
  Balancers& balancers_;
  const Tracer& tracer_;
  sim::EventHandler& arrivals_;
  std::optional<Network> net_;             // none: every segment arrives at once
  std::vector<sim::RandomStream> rng_;     // per client group: jitter and loss on its path
  std::vector<std::uint64_t> lost_;        // per client group
  std::vector<std::int32_t> source_host_;  // per client group: a proxy's upstream group's host, or -1
  std::vector<std::uint32_t> host_down_;   // faults in progress, per host
  std::vector<std::uint32_t> link_down_;   // ... per link
  std::uint32_t cuts_ = 0;                 // ... in all (no check per segment without one)
};

}  // namespace model

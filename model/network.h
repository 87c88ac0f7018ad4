// model/network.h — the routes segments take between client groups and hosts.
//
// A Network is the graph of a scenario's `network:` section: its nodes are every host,
// every client group and every router (by name), its undirected edges the links, weighted
// by one-way latency. It is the only place routing is computed. Paths are fixed when the
// Network is built, one per client group (to the host it targets; the same path serves
// both directions), so a run never searches the graph again.
//
// Everything here depends only on the ScenarioSpec: ties between equally short paths are
// broken by a rule stated below, never by container or heap order, and cross() draws only
// from the stream it is given, in a documented order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/spec.h"
#include "sim/random.h"
#include "sim/time.h"

namespace model {

// The route of one client group to its target host.
struct Path {
  sim::Duration latency;             // the sum of the links' latencies (saturating)
  std::vector<std::uint32_t> links;  // indices into NetworkSpec::links, from the client to the host
};

struct NetworkBuild;

class Network {
 public:
  // Builds the graph and finds each client group's path with Boost.Graph's
  // dijkstra_shortest_paths. Nodes are numbered hosts, then clients, then routers, each in
  // file order; links keep their file order and index.
  //
  // The path chosen is the one of least summed latency; among those, the one with the fewest
  // links; among those, the one that, read from the host back to the client, takes at each
  // node the link of lowest index in NetworkSpec::links. (Distances are computed as the pair
  // (latency, links) compared lexicographically, so zero-latency cycles cannot make the
  // choice loop.)
  //
  // Without spec.network, every client group reaches its host over an empty path: zero
  // delay, never lost.
  // Requires: node names unique across hosts, clients and routers; every link names two
  // distinct nodes; latencies and jitters >= 0; every loss in [0, 1) (config/ checks all this).
  static NetworkBuild build(const ScenarioSpec& spec);

  // Requires: client_index < the number of client groups of the spec.
  const Path& path(std::size_t client_index) const;
  // Requires: i < the number of links.
  const LinkSpec& link(std::uint32_t i) const;

  // One crossing of a client group's path by a segment (either direction): the delay, or
  // nullopt when a link loses the segment. Link by link from the client's end: a link with
  // loss > 0 draws uniform01() and loses the segment when the draw is < loss (the crossing
  // then stops: later links draw nothing); a link with jitter > 0 then draws below(j + 1),
  // j its jitter in ns, an integer count of ns uniform on [0, j] (mean j/2, variance
  // j(j + 2)/12) added to the delay. Links with loss 0 or jitter 0 make no draw for it, so a
  // lossless, jitterless path consumes nothing from `rng` and always returns path().latency.
  std::optional<sim::Duration> cross(std::size_t client_index, sim::RandomStream& rng) const;

 private:
  Network() = default;

  std::vector<LinkSpec> links_;
  std::vector<Path> paths_;  // parallel to ScenarioSpec::clients
};

struct NetworkBuild {
  std::optional<Network> network;  // set iff every client group reaches its target host
  // The client groups that cannot, ascending, as "CLIENT -> HOST" and as indices into
  // ScenarioSpec::clients (parallel vectors).
  std::vector<std::string> unreachable;
  std::vector<std::size_t> unreachable_clients;
};

}  // namespace model

// model/network.h — the routes segments take between client groups, balancers and hosts.
//
// A Network is the graph of a scenario's `network:` section: its nodes are every host,
// every client group, every balancer and every router (by name), its undirected edges the
// links, weighted by one-way latency. It is the only place routing is computed. Paths are
// fixed when the Network is built, one per client group and server it can end at (the host
// it targets, or each backend of the balancer it targets; the same path serves both
// directions), so a run never searches the graph again.
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

// The route of one client group to one server: its target host, or one backend of the
// balancer it targets (then the route to the balancer followed by the balancer's route to
// that backend).
struct Path {
  sim::Duration latency;             // the sum of the links' latencies (saturating)
  std::vector<std::uint32_t> links;  // indices into NetworkSpec::links, from the client to the host
  bool jittered = false;             // a link of it has jitter: crossings take different times
};

struct NetworkBuild;

class Network {
 public:
  // Builds the graph and finds every path with Boost.Graph's dijkstra_shortest_paths.
  // Nodes are numbered hosts, then clients, then balancers, then routers, each in file
  // order; links keep their file order and index. (The numbering names nodes; no choice
  // below depends on it.)
  //
  // A route from a node to another (a client group to its host or balancer, a balancer to
  // one of its backends) is the one of least summed latency; among those, the one with the
  // fewest links; among those, the one that, read from the far end back to the start, takes
  // at each node the link of lowest index in NetworkSpec::links. (Distances are computed as
  // the pair (latency, links) compared lexicographically, so zero-latency cycles cannot make
  // the choice loop.) Any node may lie on a route, hosts, clients and balancers included.
  //
  // A path through a balancer is the client's route to the balancer followed by the
  // balancer's route to the backend, each chosen alone by that rule: the balancer forwards
  // every segment, so the path always passes through it (even when a direct route to the
  // backend would be shorter) and may cross a link twice. Its latency is the sum of both.
  //
  // A proxy's upstream group (ClientSpec::upstream_of, model/proxy.h) has one path per
  // backend of its proxy, each the proxy host's route to the backend's host by the same
  // rule; its own node is joined to nothing. A backend it cannot reach is reported among
  // the clients' pairs, as "PROXYHOST -> BACKENDHOST" (one entry per backend).
  //
  // Without spec.network, every path is empty: zero delay, never lost.
  // Requires: node names unique across hosts, clients, balancers and routers; every link
  // names two distinct nodes; latencies and jitters >= 0; every loss in [0, 1); every
  // client's target host or balancer and every backend's host exist (config/ checks all this).
  static NetworkBuild build(const ScenarioSpec& spec);

  // The path of a client group to `backend`, an index into its balancer's backends; 0 for
  // a group aimed at a host.
  // Requires: client_index < the number of client groups of the spec; backend < the number
  // of its balancer's backends (1 for a group aimed at a host).
  const Path& path(std::size_t client_index, std::size_t backend = 0) const;
  // Requires: i < the number of links.
  const LinkSpec& link(std::uint32_t i) const;

  // One crossing of path(client_index, backend) by a segment (either direction): the delay,
  // or nullopt when a link loses the segment. Link by link from the client's end: a link
  // with loss > 0 draws uniform01() and loses the segment when the draw is < loss (the
  // crossing then stops: later links draw nothing); a link with jitter > 0 then draws
  // below(j + 1), j its jitter in ns, an integer count of ns uniform on [0, j] (mean j/2,
  // variance j(j + 2)/12) added to the delay. Links with loss 0 or jitter 0 make no draw for
  // it, so a lossless, jitterless path consumes nothing from `rng` and always returns
  // path().latency. A link a path crosses twice draws twice.
  // Requires: as for path().
  std::optional<sim::Duration> cross(std::size_t client_index, std::size_t backend, sim::RandomStream& rng) const;

 private:
  Network() = default;

  std::vector<LinkSpec> links_;
  // Parallel to ScenarioSpec::clients: one path per server the group can reach (its host,
  // or each of its balancer's backends in order).
  std::vector<std::vector<Path>> paths_;
};

// A balancer and one of its backends.
struct BackendIndex {
  std::size_t balancer = 0;  // index into ScenarioSpec::balancers
  std::size_t backend = 0;   // index into that balancer's backends
  friend bool operator==(const BackendIndex&, const BackendIndex&) = default;
};

// A proxy's upstream group and one of the proxy's backends.
struct UpstreamIndex {
  std::size_t group = 0;    // into ScenarioSpec::clients (with_upstream_groups')
  std::size_t backend = 0;  // into that proxy's ProxySpec::backends
  friend bool operator==(const UpstreamIndex&, const UpstreamIndex&) = default;
};

struct NetworkBuild {
  std::optional<Network> network;  // set iff every pair below is reachable
  // Every pair that no path of links joins: first the client groups that cannot reach
  // their target, ascending, as "CLIENT -> HOST" or "CLIENT -> BALANCER"; then the backends
  // that their balancer cannot reach, ascending by balancer then backend, as
  // "BALANCER -> HOST". Every balancer counts, whether or not a client group targets it.
  std::vector<std::string> unreachable;
  // The same pairs as indices: unreachable[i] is unreachable_clients[i] for
  // i < unreachable_clients.size(), then unreachable_backends in order.
  // A proxy's upstream group is listed once per backend its host cannot reach, each
  // also in unreachable_upstreams (in the same order), which says which backend.
  std::vector<std::size_t> unreachable_clients;  // into ScenarioSpec::clients
  std::vector<BackendIndex> unreachable_backends;
  std::vector<UpstreamIndex> unreachable_upstreams;
};

}  // namespace model

// viewer/topology.h — the scenario drawn as a graph: who talks to whom, and how busy it is.
//
// With a `network:` section the nodes are its client groups, routers, balancers and hosts
// and the edges its links. Without one, each client group is joined to its target (a host
// or a balancer) and each balancer to its backends. Positions are in the unit square:
// client groups on the left, hosts on the right, balancers before the hosts, routers in
// between by their hop distance from the nearest client group; within a column, nodes keep
// the scenario's order from top to bottom. Everything depends on the spec alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/spec.h"
#include "model/stepper.h"

namespace viewer {

enum class NodeKind : std::uint8_t { kClient, kRouter, kBalancer, kHost };

struct TopologyNode {
  std::string name;
  NodeKind kind = NodeKind::kHost;
  std::size_t index = 0;  // into the spec's clients, network routers, balancers or hosts
  float x = 0, y = 0;     // in [0, 1]
};

struct TopologyEdge {
  std::size_t a = 0, b = 0;         // node indices
  std::optional<std::size_t> link;  // index into the network's links; none for an implicit edge
  std::string label;                // "15ms" for a link with latency
};

struct Topology {
  std::vector<TopologyNode> nodes;
  std::vector<TopologyEdge> edges;
};

Topology build_topology(const model::ScenarioSpec& spec);

// Per edge, the attempts open now on routes across it: a link's Snapshot::link_load, or for
// an implicit edge the open attempts of the groups it carries (all of a balancer's groups
// on each of its backend edges, as Snapshot::link_load counts them).
std::vector<std::uint64_t> edge_loads(const Topology& t, const model::ScenarioSpec& spec, const model::Snapshot& s);

}  // namespace viewer

// viewer/topology.h — the scenario drawn as a graph: who talks to whom, and how busy it is.
//
// With a `network:` section the nodes are its client groups, routers, balancers and hosts
// and the edges its links. Without one, each client group is joined to its target (a host
// or a balancer), each balancer to its backends and each proxy host to its backends' hosts
// (a backend on the proxy's own host gets no edge: the node says local_backend).
// Positions are in the unit square: client groups on the left, hosts on the right,
// balancers before the hosts, proxy hosts before the hosts they forward to (a proxy in front
// of a proxy one column further left), routers in between by their hop distance from the
// nearest client group; within a column, nodes keep
// the scenario's order from top to bottom. Each node also has a force-directed position
// (Boost.Graph's Fruchterman-Reingold layout, started from the columns and seeded, so it is
// the same on every run), used where a column holds more nodes than its panel has room for.
// Everything depends on the spec alone.
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
  bool proxy = false;  // a host with a `proxy:` role (ProxySpec): drawn apart, joined to its backends
  // A proxy with a backend on its own host (a sidecar's app): no edge to itself, a badge.
  bool local_backend = false;
  std::size_t index = 0;  // into the spec's clients, network routers, balancers or hosts
  float x = 0, y = 0;     // in [0, 1]
  float fx = 0, fy = 0;   // the force-directed position, in [0, 1]
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

// What crosses an edge now. A link's load is Snapshot::link_load (the open attempts of the
// groups routed across it); a client group's edge to its target carries the group's open
// attempts; a balancer's edge to a host carries what the balancer itself counts for its
// backends on that host (Snapshot::balancers: connections it has now, and has assigned so
// far, the numbers `synstorm run` reports at the end), never the group's share of a guess.
// A proxy's edge to a backend host carries the proxy's upstream connections to it now
// (Snapshot::proxies: busy ones, carrying a request or connecting, and idle ones in the
// keep-alive pool), and whether passive health has it marked down.
struct EdgeLoad {
  enum class Kind : std::uint8_t { kOpenAttempts, kBackend, kUpstream } kind = Kind::kOpenAttempts;
  std::uint64_t now = 0;       // open attempts, the backend's active connections, or busy upstream ones
  std::uint64_t assigned = 0;  // kBackend: connections the balancer sent it so far
  std::uint64_t idle = 0;      // kUpstream: idle keep-alive connections
  bool down = false;           // kUpstream: a backend on that host is marked down
};
std::vector<EdgeLoad> edge_loads(const Topology& t, const model::ScenarioSpec& spec, const model::Snapshot& s);

// The graph drawn in a panel of `width` x `height` pixels, with every label where it
// overlaps no other label and no node. A column whose nodes are too close for a name
// under each node gets its names beside the nodes (client groups' to their left, the
// others' to their right), with the margins widened to hold them. Where a column is too
// crowded even for that (its nodes would touch), the nodes take their force-directed
// positions instead, each moved to the nearest free cell of a grid of node-sized cells so
// that no two touch (nodes shrink, down to a third, when the grid has too few cells; past
// 400 nodes the columns stay); a
// name goes beside, under or over its node, the first that overlaps nothing, or is left
// out. An edge's text goes at the first of a few places along the edge where it fits;
// where none fits it is left out (the panel's tooltips still give what is left out). Text
// is measured by `text_width` and is `line_height` tall; nodes are drawn with radius
// 0.6 * line_height, or `radius` in the force layout.
struct Box {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};
struct GraphLayout {
  std::vector<float> x, y;                     // node centres, per node
  std::vector<std::optional<Box>> node_label;  // per node; none: left out (force layout only)
  std::vector<std::optional<Box>> edge_label;  // per edge; none: left out (or no text)
  float radius = 0;                            // of the nodes
  bool force = false;                          // the force-directed positions were used
};
// The box a node is drawn in (its shape is at most this wide).
inline Box node_box(const GraphLayout& g, std::size_t i) {
  return {g.x[i] - 1.2f * g.radius, g.y[i] - g.radius, g.x[i] + 1.2f * g.radius, g.y[i] + g.radius};
}
using TextWidth = float (*)(const std::string&, void* context);
GraphLayout lay_out(const Topology& t, const std::vector<std::string>& node_texts,
                    const std::vector<std::string>& edge_texts, float width, float height, float line_height,
                    TextWidth text_width, void* context);

// The text an edge carries: its link label, then "12 open", or for a balancer's backend
// "3 / 1,180" (active now / assigned so far; the panel's title says so), or for a proxy's
// backend "5 busy 3 idle" ("marked down" when passive health has it down).
std::string edge_text(const TopologyEdge& e, const EdgeLoad& load, bool down);

}  // namespace viewer

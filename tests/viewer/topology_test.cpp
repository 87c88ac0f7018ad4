// Tests of viewer::build_topology and edge_loads.
#include "viewer/topology.h"

#include <catch2/catch.hpp>

#include "config/loader.h"
#include "model/stepper.h"

namespace {

model::ScenarioSpec load(const std::string& file) {
  auto r = config::load_scenario_file(std::string(SYNSTORM_SOURCE_DIR) + "/scenarios/" + file);
  REQUIRE(r.ok());
  return std::move(*r.spec);
}

const viewer::TopologyNode& node(const viewer::Topology& t, const std::string& name) {
  for (const auto& n : t.nodes) {
    if (n.name == name) return n;
  }
  FAIL("no node " << name);
  return t.nodes.front();
}

}  // namespace

TEST_CASE("without a network, client groups join their targets and balancers their backends", "[viewer][topology]") {
  const model::ScenarioSpec spec = load("flash-crowd-balancer.yaml");
  REQUIRE_FALSE(spec.network);
  const viewer::Topology t = viewer::build_topology(spec);
  REQUIRE(t.nodes.size() == spec.clients.size() + spec.balancers.size() + spec.hosts.size());
  std::size_t backends = 0;
  for (const auto& b : spec.balancers) backends += b.backends.size();
  REQUIRE(t.edges.size() == spec.clients.size() + backends);
  for (const auto& e : t.edges) {
    REQUIRE_FALSE(e.link);
    // Left to right: clients, then balancers, then hosts.
    REQUIRE(t.nodes[e.a].x < t.nodes[e.b].x);
  }
  const auto& client = node(t, spec.clients[0].name);
  REQUIRE(client.kind == viewer::NodeKind::kClient);
  REQUIRE(client.x < node(t, spec.balancers[0].name).x);
  for (const auto& n : t.nodes) {
    REQUIRE(n.x >= 0);
    REQUIRE(n.x <= 1);
    REQUIRE(n.y > 0);
    REQUIRE(n.y < 1);
  }
}

TEST_CASE("with a network, routers sit between by their hop distance and edges are the links", "[viewer][topology]") {
  const model::ScenarioSpec spec = load("network-latency.yaml");
  REQUIRE(spec.network);
  const viewer::Topology t = viewer::build_topology(spec);
  REQUIRE(t.edges.size() == spec.network->links.size());
  for (std::size_t i = 0; i < t.edges.size(); ++i) REQUIRE(t.edges[i].link == i);
  const auto& router = node(t, spec.network->routers.at(0));
  REQUIRE(router.kind == viewer::NodeKind::kRouter);
  REQUIRE(node(t, spec.clients[0].name).x < router.x);
  REQUIRE(router.x < node(t, spec.hosts[0].name).x);
  REQUIRE(t.edges[0].label == "15ms");
}

TEST_CASE("edge loads are the open attempts routed across each edge", "[viewer][topology]") {
  const model::ScenarioSpec spec = load("network-latency.yaml");
  model::Stepper run(spec);
  run.advance_to(sim::Time::zero() + sim::seconds(2));
  const model::Snapshot s = run.snapshot();
  const viewer::Topology t = viewer::build_topology(spec);
  const auto loads = viewer::edge_loads(t, spec, s);
  REQUIRE(loads.size() == t.edges.size());
  for (std::size_t i = 0; i < loads.size(); ++i) REQUIRE(loads[i] == s.link_load[*t.edges[i].link]);
  std::uint64_t open = 0;
  for (const auto& c : s.clients) open += c.counts.pending;
  REQUIRE(open > 0);  // 300/s, 31 ms round trips: some are always in flight
  REQUIRE(loads[0] == open);
}

TEST_CASE("a balancer's edges to its backends carry its groups' open attempts", "[viewer][topology]") {
  const model::ScenarioSpec spec = load("flash-crowd-balancer.yaml");
  model::Stepper run(spec);
  run.advance_to(sim::Time::zero() + sim::seconds(12));
  const model::Snapshot s = run.snapshot();
  const viewer::Topology t = viewer::build_topology(spec);
  const auto loads = viewer::edge_loads(t, spec, s);
  for (std::size_t i = 0; i < t.edges.size(); ++i) {
    const auto& from = t.nodes[t.edges[i].a];
    std::uint64_t expected = 0;
    for (std::size_t c = 0; c < spec.clients.size(); ++c) {
      const bool carried =
          from.kind == viewer::NodeKind::kClient ? from.index == c : spec.clients[c].balancer == from.index;
      if (carried) expected += s.clients[c].counts.pending;
    }
    REQUIRE(loads[i] == expected);
  }
}

// Tests of viewer::build_topology and edge_loads.
#include "viewer/topology.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "config/loader.h"
#include "model/stepper.h"
#include "model/world.h"
#include "viewer/text.h"

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
  for (std::size_t i = 0; i < loads.size(); ++i) REQUIRE(loads[i].now == s.link_load[*t.edges[i].link]);
  std::uint64_t open = 0;
  for (const auto& c : s.clients) open += c.counts.pending;
  REQUIRE(open > 0);  // 300/s, 31 ms round trips: some are always in flight
  REQUIRE(loads[0].now == open);
  REQUIRE(viewer::edge_text(t.edges[0], loads[0], false) == "15ms " + std::to_string(open) + " open");
}

TEST_CASE("a balancer's edges carry each backend's own connections, as the balancer counted them",
          "[viewer][topology]") {
  // Round robin over two 16-worker backends and a 4-worker one: at the crowd's peak each
  // gets a third of the connections, and the small one, serving at a quarter of the rate,
  // holds many more of them at once than the big ones.
  const model::ScenarioSpec spec = load("flash-crowd-balancer.yaml");
  model::Stepper run(spec);
  run.advance_to(sim::Time::zero() + sim::seconds(15));
  const model::Snapshot s = run.snapshot();
  const viewer::Topology t = viewer::build_topology(spec);
  const auto loads = viewer::edge_loads(t, spec, s);
  std::map<std::string, viewer::EdgeLoad> by_host;
  for (std::size_t i = 0; i < t.edges.size(); ++i) {
    const auto& from = t.nodes[t.edges[i].a];
    const auto& to = t.nodes[t.edges[i].b];
    if (from.kind == viewer::NodeKind::kClient) {
      REQUIRE(loads[i].kind == viewer::EdgeLoad::Kind::kOpenAttempts);
      REQUIRE(loads[i].now == s.clients[from.index].counts.pending);
      continue;
    }
    REQUIRE(from.kind == viewer::NodeKind::kBalancer);
    REQUIRE(loads[i].kind == viewer::EdgeLoad::Kind::kBackend);
    // One backend per host here: the edge's numbers are that backend's.
    const auto& backends = spec.balancers[from.index].backends;
    std::size_t b = 0;
    while (backends[b].host != to.index) ++b;
    const model::BackendResults& counted = s.balancers[from.index].backends[b];
    REQUIRE(loads[i].now == static_cast<std::uint64_t>(counted.active));
    REQUIRE(loads[i].assigned == counted.assigned);
    by_host[to.name] = loads[i];
    REQUIRE(viewer::edge_text(t.edges[i], loads[i], false) ==
            viewer::with_commas(loads[i].now) + " / " + viewer::with_commas(counted.assigned));
  }
  const auto& big = by_host.at("rr-big-1");
  const auto& small = by_host.at("rr-small");
  // Round robin: assignments differ by at most one.
  REQUIRE(big.assigned + 1 >= small.assigned);
  REQUIRE(small.assigned + 1 >= big.assigned);
  REQUIRE(small.now > 2 * big.now);
  // Not the whole group's open attempts on every edge.
  REQUIRE(big.now < s.clients[0].counts.pending);
}

TEST_CASE("at the end, a balancer edge's assigned count is the one `synstorm run` reports", "[viewer][topology]") {
  const model::ScenarioSpec spec = load("flash-crowd-balancer.yaml");
  model::Stepper run(spec);
  run.advance_to(run.end());
  const model::Snapshot s = run.snapshot();
  const model::RunResults r = model::run_scenario(spec);
  REQUIRE(s.balancers.size() == r.balancers.size());
  for (std::size_t b = 0; b < r.balancers.size(); ++b) {
    REQUIRE(s.balancers[b].backends.size() == r.balancers[b].backends.size());
    for (std::size_t k = 0; k < r.balancers[b].backends.size(); ++k) {
      REQUIRE(s.balancers[b].backends[k].assigned == r.balancers[b].backends[k].assigned);
      REQUIRE(s.balancers[b].backends[k].max_active == r.balancers[b].backends[k].max_active);
    }
  }
}

namespace {

// ImGui's default font (ProggyClean, 13 pixels) is 7 pixels per character.
float proggy_width(const std::string& text, void*) { return 7.0f * static_cast<float>(text.size()); }

void require_apart(const viewer::Topology& t, const viewer::GraphLayout& g, float width, float height) {
  std::vector<viewer::Box> boxes;
  for (std::size_t i = 0; i < t.nodes.size(); ++i) {
    const float r = g.radius;
    boxes.push_back({g.x[i] - 1.2f * r, g.y[i] - r, g.x[i] + 1.2f * r, g.y[i] + r});
    if (g.node_label[i]) boxes.push_back(*g.node_label[i]);
  }
  for (const auto& b : g.edge_label) {
    if (b) boxes.push_back(*b);
  }
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    INFO("box " << i << ": " << boxes[i].x0 << "," << boxes[i].y0 << " .. " << boxes[i].x1 << "," << boxes[i].y1);
    REQUIRE(boxes[i].x0 >= 0);
    REQUIRE(boxes[i].y0 >= 0);
    REQUIRE(boxes[i].x1 <= width);
    REQUIRE(boxes[i].y1 <= height);
    // A node's own label touches nothing either.
    for (std::size_t j = i + 1; j < boxes.size(); ++j) {
      INFO("and box " << j << ": " << boxes[j].x0 << "," << boxes[j].y0 << " .. " << boxes[j].x1 << "," << boxes[j].y1);
      REQUIRE_FALSE(boxes[i].overlaps(boxes[j]));
    }
  }
}

}  // namespace

TEST_CASE("eight client groups in a small panel: no label overlaps another or a node", "[viewer][topology]") {
  // os-compare.yaml: 8 client groups, 4 hosts; at t = 6 s every group has attempts open.
  // The panel is the topology's at 1024x700 (about 290 x 160 pixels).
  const model::ScenarioSpec spec = load("os-compare.yaml");
  model::Stepper run(spec);
  run.advance_to(sim::Time::zero() + sim::seconds(6));
  const model::Snapshot s = run.snapshot();
  const viewer::Topology t = viewer::build_topology(spec);
  const auto loads = viewer::edge_loads(t, spec, s);
  std::vector<std::string> names, texts;
  for (const auto& n : t.nodes) names.push_back(n.name);
  for (std::size_t i = 0; i < t.edges.size(); ++i) texts.push_back(viewer::edge_text(t.edges[i], loads[i], false));
  std::size_t with_text = 0;
  for (const auto& text : texts) with_text += text.empty() ? 0 : 1;
  REQUIRE(with_text >= 4);
  for (const auto& [w, h] : {std::pair{290.0f, 160.0f}, std::pair{600.0f, 300.0f}, std::pair{1200.0f, 500.0f}}) {
    INFO(w << " x " << h);
    const viewer::GraphLayout g = viewer::lay_out(t, names, texts, w, h, 13, proggy_width, nullptr);
    require_apart(t, g, w, h);
    // Every node keeps its whole name.
    REQUIRE_FALSE(g.force);
    REQUIRE(g.radius == 0.6f * 13);
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
      REQUIRE(g.node_label[i]);
      REQUIRE(g.node_label[i]->x1 - g.node_label[i]->x0 == proggy_width(names[i], nullptr));
    }
    if (w >= 600) {
      // With room, every edge's count is shown.
      for (std::size_t i = 0; i < texts.size(); ++i) REQUIRE(g.edge_label[i].has_value() == !texts[i].empty());
    }
  }
}

TEST_CASE("a network's routers and a balancer's backends are laid out apart too", "[viewer][topology]") {
  for (const char* file : {"network-latency.yaml", "flash-crowd-balancer.yaml"}) {
    INFO(file);
    const model::ScenarioSpec spec = load(file);
    const viewer::Topology t = viewer::build_topology(spec);
    std::vector<std::string> names, texts;
    for (const auto& n : t.nodes) names.push_back(n.name);
    for (const auto& e : t.edges) texts.push_back(e.label.empty() ? "12 / 1,180" : e.label);
    const viewer::GraphLayout g = viewer::lay_out(t, names, texts, 400, 200, 13, proggy_width, nullptr);
    require_apart(t, g, 400, 200);
  }
}

namespace {

// A scenario written by one of bench/'s generators, e.g. "make-topology.sh 60 6".
model::ScenarioSpec generated(const std::string& script_and_args) {
  const std::string command = "bash " + std::string(SYNSTORM_SOURCE_DIR) + "/bench/" + script_and_args;
  FILE* out = popen(command.c_str(), "r");
  REQUIRE(out != nullptr);
  std::string yaml;
  char buf[4096];
  for (std::size_t got; (got = std::fread(buf, 1, sizeof buf, out)) > 0;) yaml.append(buf, got);
  REQUIRE(pclose(out) == 0);
  auto r = config::load_scenario_text(yaml, script_and_args);
  REQUIRE(r.ok());
  return std::move(*r.spec);
}

viewer::GraphLayout lay_out_names(const viewer::Topology& t, float w, float h, float line_height) {
  std::vector<std::string> names, texts;
  for (const auto& n : t.nodes) names.push_back(n.name);
  for (const auto& e : t.edges) texts.push_back(e.label);
  const auto width = [](const std::string& text, void* lh) {
    return *static_cast<float*>(lh) / 13 * proggy_width(text, nullptr);
  };
  return viewer::lay_out(t, names, texts, w, h, line_height, width, &line_height);
}

}  // namespace

TEST_CASE("where the columns crowd, the force-directed layout spreads the nodes apart", "[viewer][topology]") {
  // os-compare.yaml's 8 client groups at twice the text size in the topology panel of a
  // 1024x700 window (290 x 180 pixels, 26-pixel lines): 8 nodes and the gaps between
  // them need 8 x (2 x 15.6 + 7.8) = 312 pixels, the panel has 172.
  const model::ScenarioSpec spec = load("os-compare.yaml");
  const viewer::Topology t = viewer::build_topology(spec);
  const viewer::GraphLayout g = lay_out_names(t, 290, 180, 26);
  REQUIRE(g.force);
  require_apart(t, g, 290, 180);
  // A panel as short but wider: the grid's cells make room for a typical name beside each
  // node, and most names are shown (the others are in the nodes' tooltips).
  const viewer::GraphLayout wide = lay_out_names(t, 600, 110, 13);
  REQUIRE(wide.force);
  require_apart(t, wide, 600, 110);
  std::size_t named = 0;
  for (const auto& b : wide.node_label) named += b ? 1 : 0;
  CHECK(named > t.nodes.size() / 2);
  // The same positions from a second build: nothing random, nothing from the clock.
  const viewer::Topology again = viewer::build_topology(spec);
  for (std::size_t i = 0; i < t.nodes.size(); ++i) {
    REQUIRE(again.nodes[i].fx == t.nodes[i].fx);
    REQUIRE(again.nodes[i].fy == t.nodes[i].fy);
  }
  // At the normal size the columns fit, and stay.
  REQUIRE_FALSE(lay_out_names(t, 290, 180, 13).force);
}

TEST_CASE("a generated topology of racks: each host lies near its own rack's router", "[viewer][topology]") {
  // bench/make-topology.sh 60 6: 60 hosts under 6 rack routers under a core, 6 client
  // groups. The host column cannot hold 60 nodes in any panel of the viewer.
  const model::ScenarioSpec spec = generated("make-topology.sh 60 6");
  const viewer::Topology t = viewer::build_topology(spec);
  REQUIRE(t.nodes.size() == 60 + 7 + 6);
  for (const auto& [w, h] : {std::pair{290.0f, 180.0f}, std::pair{600.0f, 400.0f}}) {
    INFO(w << " x " << h);
    const viewer::GraphLayout g = lay_out_names(t, w, h, 13);
    REQUIRE(g.force);
    require_apart(t, g, w, h);
  }
  // The springs pull each host to its router: nearer to its own than to the others.
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < t.nodes.size(); ++i) index[t.nodes[i].name] = i;
  const auto distance = [&](std::size_t a, std::size_t b) {
    return std::hypot(t.nodes[a].fx - t.nodes[b].fx, t.nodes[a].fy - t.nodes[b].fy);
  };
  std::size_t nearest_own = 0;
  for (int host = 0; host < 60; ++host) {
    const std::size_t h = index.at("h" + std::to_string(host));
    const int rack = host / 10;
    bool nearest = true;
    for (int other = 0; other < 6; ++other) {
      if (other != rack &&
          distance(h, index.at("rack" + std::to_string(other))) <= distance(h, index.at("rack" + std::to_string(rack))))
        nearest = false;
    }
    nearest_own += nearest ? 1 : 0;
  }
  CHECK(nearest_own >= 57);
}

TEST_CASE("many client groups on one server: the star is laid out apart", "[viewer][topology]") {
  // bench/make-groups.sh 24: 24 client groups, one server.
  const model::ScenarioSpec spec = generated("make-groups.sh 24");
  const viewer::Topology t = viewer::build_topology(spec);
  REQUIRE(t.nodes.size() == 25);
  const viewer::GraphLayout g = lay_out_names(t, 290, 180, 13);
  REQUIRE(g.force);
  require_apart(t, g, 290, 180);
}

TEST_CASE("a chain of proxies: each proxy a column before what it forwards to, joined to its backends",
          "[viewer][topology][proxy]") {
  // users -> edge -> mesh1 | mesh2 -> app1 | app2
  const model::ScenarioSpec spec = load("retry-amplification.yaml");
  const viewer::Topology t = viewer::build_topology(spec);
  REQUIRE(t.nodes.size() == spec.clients.size() + spec.hosts.size());
  // users -> edge, edge -> 2 meshes, each mesh -> 2 apps.
  REQUIRE(t.edges.size() == 1 + 2 + 4);
  CHECK(node(t, "edge").proxy);
  CHECK(node(t, "mesh1").proxy);
  CHECK_FALSE(node(t, "app1").proxy);
  CHECK(node(t, "users").x < node(t, "edge").x);
  CHECK(node(t, "edge").x < node(t, "mesh1").x);
  CHECK(node(t, "mesh1").x == node(t, "mesh2").x);
  CHECK(node(t, "mesh1").x < node(t, "app1").x);
  for (const auto& e : t.edges) CHECK(t.nodes[e.a].x < t.nodes[e.b].x);
}

TEST_CASE("a proxy with a backend on its own host: no edge to itself, the node says so", "[viewer][topology][proxy]") {
  // A sidecar: the proxy on side:80 forwards to side:8080 and to app:8080.
  const config::LoadResult r = config::load_scenario_text(
      "duration: 1s\n"
      "hosts:\n"
      "  side:\n"
      "    listeners:\n"
      "      - {port: 80, backlog: 64, loops: 1}\n"
      "      - {port: 8080, backlog: 64, workers: 2, service: {dist: constant, value: 1ms}}\n"
      "    proxy: {port: 80, backends: [side:8080, app:8080]}\n"
      "  app:\n"
      "    listeners: [{port: 8080, backlog: 64, workers: 2, service: {dist: constant, value: 1ms}}]\n"
      "clients:\n"
      "  users: {target: side:80, arrivals: {process: poisson, rate: 10/s}}\n",
      "sidecar.yaml");
  INFO((r.errors.empty() ? "" : r.errors.front().message));
  REQUIRE(r.spec);
  const viewer::Topology t = viewer::build_topology(*r.spec);
  // users -> side, side -> app; none from side to side.
  REQUIRE(t.edges.size() == 2);
  for (const auto& e : t.edges) CHECK(e.a != e.b);
  CHECK(node(t, "side").proxy);
  CHECK(node(t, "side").local_backend);
  CHECK_FALSE(node(t, "app").local_backend);
  // The edge loads still line up with the edges.
  const model::Snapshot snap = model::Stepper(*r.spec).snapshot();
  CHECK(viewer::edge_loads(t, *r.spec, snap).size() == t.edges.size());
}

TEST_CASE("a proxy's edges carry its upstream connections to each backend now, busy and idle",
          "[viewer][topology][proxy]") {
  // During the crowd (t = 10.5 s) the edge holds its cap of 64 upstream connections to each
  // app (keepalive 0: none idle), and the snapshot's proxy state is what the edges show.
  const model::ScenarioSpec spec = load("proxy-tier.yaml");
  model::Stepper run(spec);
  run.advance_to(sim::Time::zero() + sim::milliseconds(10'500));
  const model::Snapshot s = run.snapshot();
  REQUIRE(s.proxies.size() == 1);
  const viewer::Topology t = viewer::build_topology(spec);
  const auto loads = viewer::edge_loads(t, spec, s);
  std::size_t upstream_edges = 0;
  for (std::size_t i = 0; i < t.edges.size(); ++i) {
    const auto& from = t.nodes[t.edges[i].a];
    if (!from.proxy) continue;
    ++upstream_edges;
    REQUIRE(loads[i].kind == viewer::EdgeLoad::Kind::kUpstream);
    const auto& to = t.nodes[t.edges[i].b];
    const auto& backends = spec.hosts[from.index].proxy->backends;
    std::size_t b = 0;
    while (backends[b].host != to.index) ++b;
    CHECK(loads[i].now == static_cast<std::uint64_t>(s.proxies[0].backends[b].busy));
    CHECK(loads[i].idle == 0);
    CHECK(loads[i].now == 64);  // max_connections
    CHECK(viewer::edge_text(t.edges[i], loads[i], false) == "64 busy 0 idle");
  }
  CHECK(upstream_edges == 3);
  CHECK(s.proxies[0].queued > 0);  // the crowd waits in the proxy's queue
}

#include "viewer/topology.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/fruchterman_reingold.hpp>
#include <boost/graph/topology.hpp>
#include <boost/property_map/property_map.hpp>
#include <boost/random/linear_congruential.hpp>

#include "sim/format.h"
#include "viewer/text.h"

namespace viewer {

namespace {

// Past this many nodes the columns stay, in the layout and in lay_out (both cost the square
// of the nodes, each frame for lay_out's grid).
constexpr std::size_t kMaxForceNodes = 400;

class Builder {
 public:
  explicit Builder(const model::ScenarioSpec& spec) : spec_(spec) {}

  Topology build() {
    for (std::size_t i = 0; i < spec_.clients.size(); ++i) add(spec_.clients[i].name, NodeKind::kClient, i);
    if (spec_.network) {
      for (std::size_t i = 0; i < spec_.network->routers.size(); ++i)
        add(spec_.network->routers[i], NodeKind::kRouter, i);
    }
    for (std::size_t i = 0; i < spec_.balancers.size(); ++i) add(spec_.balancers[i].name, NodeKind::kBalancer, i);
    for (std::size_t i = 0; i < spec_.hosts.size(); ++i) add(spec_.hosts[i].name, NodeKind::kHost, i);

    if (spec_.network) {
      for (std::size_t i = 0; i < spec_.network->links.size(); ++i) {
        const model::LinkSpec& l = spec_.network->links[i];
        const auto a = by_name_.find(l.a), b = by_name_.find(l.b);
        if (a == by_name_.end() || b == by_name_.end()) continue;  // config/ rejects these
        std::string label;
        if (l.latency > sim::Duration::zero()) label = sim::format_duration(l.latency);
        t_.edges.push_back({a->second, b->second, i, label});
      }
    } else {
      for (std::size_t i = 0; i < spec_.clients.size(); ++i) {
        const model::ClientSpec& c = spec_.clients[i];
        const std::string& target = c.balancer ? spec_.balancers[*c.balancer].name : spec_.hosts[c.target_host].name;
        connect(c.name, target);
      }
      for (const model::BalancerSpec& b : spec_.balancers) {
        for (const model::BackendRef& ref : b.backends) connect(b.name, spec_.hosts[ref.host].name);
      }
      for (std::size_t i = 0; i < spec_.hosts.size(); ++i) {
        const model::HostSpec& h = spec_.hosts[i];
        if (!h.proxy) continue;
        for (const model::BackendRef& ref : h.proxy->backends) {
          if (ref.host == i) {
            t_.nodes[by_name_.at(h.name)].local_backend = true;
            continue;
          }
          connect(h.name, spec_.hosts[ref.host].name);
        }
      }
    }
    place();
    place_by_force();
    return std::move(t_);
  }

 private:
  void add(const std::string& name, NodeKind kind, std::size_t index) {
    by_name_.emplace(name, t_.nodes.size());
    const bool proxy = kind == NodeKind::kHost && spec_.hosts[index].proxy.has_value();
    t_.nodes.push_back({name, kind, proxy, false, index, 0, 0});
  }

  // A host's distance from an application in proxies: 0 for a host that is no proxy, else
  // 1 + the largest of its backends' that are proxies served on their proxy port (config/
  // rejects cycles; `seen` guards anyway).
  std::size_t proxy_depth(std::size_t host, std::vector<int>& seen) const {
    const std::optional<model::ProxySpec>& p = spec_.hosts[host].proxy;
    if (!p || seen[host] != 0) return 0;
    seen[host] = 1;
    std::size_t deepest = 0;
    for (const model::BackendRef& b : p->backends) {
      const std::optional<model::ProxySpec>& next = spec_.hosts[b.host].proxy;
      if (next && next->port == b.port) deepest = std::max(deepest, proxy_depth(b.host, seen));
    }
    seen[host] = 0;
    return 1 + deepest;
  }

  void connect(const std::string& a, const std::string& b) {
    const std::size_t ia = by_name_.at(a), ib = by_name_.at(b);
    for (const TopologyEdge& e : t_.edges) {
      if (e.a == ia && e.b == ib) return;
    }
    t_.edges.push_back({ia, ib, std::nullopt, {}});
  }

  // Columns: clients, routers by hop distance from the nearest client, balancers, hosts.
  void place() {
    constexpr std::size_t kFar = std::numeric_limits<std::size_t>::max();
    std::vector<std::size_t> hops(t_.nodes.size(), kFar);
    std::deque<std::size_t> queue;
    for (std::size_t i = 0; i < t_.nodes.size(); ++i) {
      if (t_.nodes[i].kind == NodeKind::kClient) {
        hops[i] = 0;
        queue.push_back(i);
      }
    }
    while (!queue.empty()) {
      const std::size_t n = queue.front();
      queue.pop_front();
      for (const TopologyEdge& e : t_.edges) {
        const std::size_t other = e.a == n ? e.b : e.b == n ? e.a : kFar;
        if (other != kFar && hops[other] == kFar) {
          hops[other] = hops[n] + 1;
          queue.push_back(other);
        }
      }
    }
    // Router columns: their distinct hop counts in order (an unreachable router goes last).
    std::map<std::size_t, std::size_t> router_column;
    for (std::size_t i = 0; i < t_.nodes.size(); ++i) {
      if (t_.nodes[i].kind == NodeKind::kRouter) router_column.emplace(hops[i], 0);
    }
    std::size_t next = 1;  // column 0 is the clients'
    for (auto& [h, col] : router_column) col = next++;
    const bool any_balancer = !spec_.balancers.empty();
    const std::size_t balancer_col = next;
    // Proxy hosts: a column each depth, the deepest first (none without proxies).
    std::vector<std::size_t> depth(spec_.hosts.size(), 0);
    std::size_t deepest = 0;
    for (std::size_t h = 0; h < spec_.hosts.size(); ++h) {
      std::vector<int> seen(spec_.hosts.size(), 0);
      depth[h] = proxy_depth(h, seen);
      deepest = std::max(deepest, depth[h]);
    }
    const std::size_t proxy_col = next + (any_balancer ? 1 : 0);
    const std::size_t host_col = proxy_col + deepest;

    std::vector<std::size_t> column(t_.nodes.size());
    std::vector<std::vector<std::size_t>> members(host_col + 1);
    for (std::size_t i = 0; i < t_.nodes.size(); ++i) {
      switch (t_.nodes[i].kind) {
        case NodeKind::kClient: column[i] = 0; break;
        case NodeKind::kRouter: column[i] = router_column.at(hops[i]); break;
        case NodeKind::kBalancer: column[i] = balancer_col; break;
        case NodeKind::kHost: column[i] = host_col - depth[t_.nodes[i].index]; break;
      }
      members[column[i]].push_back(i);
    }
    const float margin = 0.08f;
    for (std::size_t col = 0; col < members.size(); ++col) {
      const float x =
          host_col == 0 ? 0.5f : margin + (1 - 2 * margin) * static_cast<float>(col) / static_cast<float>(host_col);
      const std::size_t n = members[col].size();
      for (std::size_t k = 0; k < n; ++k) {
        TopologyNode& node = t_.nodes[members[col][k]];
        node.x = x;
        node.y = (static_cast<float>(k) + 0.5f) / static_cast<float>(n);
      }
    }
  }

  // Fruchterman-Reingold from the column positions, with the jitter Boost applies to
  // coincident nodes drawn from a generator seeded here: the same positions every run.
  // Past kMaxForceNodes the columns stay (no panel shows that many apart anyway).
  void place_by_force() {
    for (TopologyNode& n : t_.nodes) n.fx = n.x, n.fy = n.y;
    const std::size_t n = t_.nodes.size();
    if (n < 2 || n > kMaxForceNodes) return;
    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
    Graph g(n);
    for (const TopologyEdge& e : t_.edges) boost::add_edge(e.a, e.b, g);
    boost::minstd_rand seeded(1);
    using Square = boost::square_topology<boost::minstd_rand>;
    // A square whose side is 20 sqrt(n): the springs' natural length (the side over
    // sqrt(n)) is then 20, a little less than the first steps' cap of kIterations / 10
    // (Boost's linear cooling), which falls to nothing by the end.
    constexpr std::size_t kIterations = 300;
    const double half_side = 10.0 * std::sqrt(static_cast<double>(n));
    const Square square(seeded, half_side);
    std::vector<Square::point_type> at(n);
    for (std::size_t i = 0; i < n; ++i) {
      at[i][0] = (2.0 * t_.nodes[i].x - 1.0) * half_side;
      at[i][1] = (2.0 * t_.nodes[i].y - 1.0) * half_side;
    }
    const auto position = boost::make_iterator_property_map(at.begin(), boost::get(boost::vertex_index, g));
    boost::fruchterman_reingold_force_directed_layout(g, position, square,
                                                      boost::cooling(boost::linear_cooling<double>(kIterations)));
    // Stretched to the unit square, each axis on its own.
    for (int axis = 0; axis < 2; ++axis) {
      double lo = at[0][axis], hi = at[0][axis];
      for (const auto& p : at) lo = std::min(lo, p[axis]), hi = std::max(hi, p[axis]);
      for (std::size_t i = 0; i < n; ++i) {
        const double u = hi > lo ? (at[i][axis] - lo) / (hi - lo) : 0.5;
        (axis == 0 ? t_.nodes[i].fx : t_.nodes[i].fy) = static_cast<float>(u);
      }
    }
  }

  const model::ScenarioSpec& spec_;
  Topology t_;
  std::map<std::string, std::size_t> by_name_;
};

}  // namespace

Topology build_topology(const model::ScenarioSpec& spec) { return Builder(spec).build(); }

std::vector<EdgeLoad> edge_loads(const Topology& t, const model::ScenarioSpec& spec, const model::Snapshot& s) {
  std::vector<EdgeLoad> loads(t.edges.size());
  for (std::size_t i = 0; i < t.edges.size(); ++i) {
    const TopologyEdge& e = t.edges[i];
    if (e.link) {
      if (*e.link < s.link_load.size()) loads[i].now = s.link_load[*e.link];
      continue;
    }
    const TopologyNode& from = t.nodes[e.a];
    const TopologyNode& to = t.nodes[e.b];
    if (from.kind == NodeKind::kClient) {
      if (from.index < s.clients.size()) loads[i].now = s.clients[from.index].counts.pending;
    } else if (from.proxy) {
      // The proxy's upstream connections to the backends on this host, now.
      loads[i].kind = EdgeLoad::Kind::kUpstream;
      const std::vector<model::BackendRef>& refs = spec.hosts[from.index].proxy->backends;
      for (const model::ProxySnapshot& p : s.proxies) {
        if (p.host != from.index) continue;
        for (std::size_t b = 0; b < refs.size() && b < p.backends.size(); ++b) {
          if (refs[b].host != to.index) continue;
          loads[i].now += static_cast<std::uint64_t>(std::max<std::int64_t>(0, p.backends[b].busy));
          loads[i].idle += static_cast<std::uint64_t>(std::max<std::int64_t>(0, p.backends[b].idle));
          loads[i].down = loads[i].down || p.backends[b].down;
        }
      }
    } else if (from.kind == NodeKind::kBalancer && from.index < s.balancers.size()) {
      // The backends on this host (one edge per host, whatever its ports).
      loads[i].kind = EdgeLoad::Kind::kBackend;
      const std::vector<model::BackendRef>& refs = spec.balancers[from.index].backends;
      const std::vector<model::BackendResults>& counted = s.balancers[from.index].backends;
      for (std::size_t b = 0; b < refs.size() && b < counted.size(); ++b) {
        if (refs[b].host != to.index) continue;
        loads[i].now += static_cast<std::uint64_t>(std::max<std::int64_t>(0, counted[b].active));
        loads[i].assigned += counted[b].assigned;
      }
    }
  }
  return loads;
}

namespace {

// The force-directed positions, each node in the nearest free cell of a grid of cells a
// node and a gap wide. Requires: g.radius set.
void place_in_grid(const Topology& t, GraphLayout& g, float width, float height, float pad, float label_room) {
  const std::size_t n = t.nodes.size();
  const float cw = 2.4f * g.radius + pad + label_room, ch = 2 * g.radius + pad;
  const auto cols = static_cast<std::size_t>(std::max(1.0f, std::floor(width / cw)));
  const auto rows = static_cast<std::size_t>(std::max(1.0f, std::floor(height / ch)));
  // The grid centred in the panel.
  const float x0 = (width - static_cast<float>(cols) * cw) / 2, y0 = (height - static_cast<float>(rows) * ch) / 2;
  std::vector<bool> used(cols * rows);
  for (std::size_t i = 0; i < n; ++i) {
    const float want_col = t.nodes[i].fx * static_cast<float>(cols - 1);
    const float want_row = t.nodes[i].fy * static_cast<float>(rows - 1);
    std::size_t best = 0;
    float best_d = std::numeric_limits<float>::max();
    for (std::size_t c = 0; c < used.size(); ++c) {
      if (used[c]) continue;
      const float dx = static_cast<float>(c % cols) - want_col, dy = static_cast<float>(c / cols) - want_row;
      const float d = dx * dx + dy * dy;
      if (d < best_d) best_d = d, best = c;  // ties: the first cell, row by row
    }
    used[best] = true;
    g.x[i] = x0 + (static_cast<float>(best % cols) + 0.5f) * cw;
    g.y[i] = y0 + (static_cast<float>(best / cols) + 0.5f) * ch;
  }
}

bool free_at(const Box& b, const std::vector<Box>& taken, float width, float height) {
  const bool inside = b.x0 >= 0 && b.y0 >= 0 && b.x1 <= width && b.y1 <= height;
  return inside && std::none_of(taken.begin(), taken.end(), [&](const Box& o) { return o.overlaps(b); });
}

}  // namespace

GraphLayout lay_out(const Topology& t, const std::vector<std::string>& node_texts,
                    const std::vector<std::string>& edge_texts, float width, float height, float line_height,
                    TextWidth text_width, void* context) {
  GraphLayout g;
  const std::size_t n = t.nodes.size();
  g.x.resize(n);
  g.y.resize(n);
  g.node_label.resize(n);
  g.edge_label.resize(t.edges.size());
  g.radius = 0.6f * line_height;
  const float r = g.radius;
  const float pad = 0.3f * line_height;
  std::vector<float> label_w(n);
  for (std::size_t i = 0; i < n && i < node_texts.size(); ++i) label_w[i] = text_width(node_texts[i], context);

  // Nodes per column (same x), to see whether names fit under them.
  std::map<float, std::size_t> per_column;
  for (const TopologyNode& node : t.nodes) ++per_column[node.x];
  std::size_t crowded = 0;
  for (const auto& [x, count] : per_column) crowded = std::max(crowded, count);
  const float usable = height - 2 * pad;
  // Under each node: the node and a line of text; beside it: one line, or the node.
  const bool beside = static_cast<float>(crowded) * (2 * r + line_height + 2 * pad) > usable;
  // Too many for even that: the nodes of the fullest column would touch.
  g.force = static_cast<float>(crowded) * 2 * r > usable && n <= kMaxForceNodes;
  std::vector<Box> taken;  // node shapes and the labels placed so far
  if (g.force) {
    const auto cells = [&](float radius, float label_room) {
      return std::floor(width / (2.4f * radius + pad + label_room)) * std::floor(height / (2 * radius + pad));
    };
    // Cells as wide as a node and a typical name where the panel has that many; else as
    // wide as a node, smaller nodes if need be.
    float typical = 0;
    for (const float w : label_w) typical += w / static_cast<float>(n);
    float label_room = typical + pad;
    if (cells(g.radius, label_room) < static_cast<float>(n)) label_room = 0;
    while (cells(g.radius, label_room) < static_cast<float>(n) && g.radius > 0.2f * line_height) g.radius *= 0.9f;
    place_in_grid(t, g, width, height, pad, label_room);
    for (std::size_t i = 0; i < n; ++i) taken.push_back(node_box(g, i));
    for (std::size_t i = 0; i < n; ++i) {
      const float w = label_w[i], gap = 1.2f * g.radius + pad / 2, x = g.x[i], y = g.y[i];
      const Box candidates[] = {
          {x + gap, y - line_height / 2, x + gap + w, y + line_height / 2},  // right
          {x - gap - w, y - line_height / 2, x - gap, y + line_height / 2},  // left
          {x - w / 2, y + g.radius, x + w / 2, y + g.radius + line_height},  // under
          {x - w / 2, y - g.radius - line_height, x + w / 2, y - g.radius},  // over
      };
      for (const Box& b : candidates) {
        if (!free_at(b, taken, width, height)) continue;
        g.node_label[i] = b;
        taken.push_back(b);
        break;
      }
    }
  } else {
    float left = 3.5f * line_height, right = 3.5f * line_height;
    if (beside) {
      left = right = r + 2 * pad;
      for (std::size_t i = 0; i < n; ++i) {
        float& side = t.nodes[i].kind == NodeKind::kClient ? left : right;
        side = std::max(side, label_w[i] + r + 3 * pad);
      }
    }
    const float top = pad + r, bottom = beside ? pad + r : pad + r + line_height;
    for (std::size_t i = 0; i < n; ++i) {
      g.x[i] = left + t.nodes[i].x * std::max(0.0f, width - left - right);
      // y in (0, 1): the first and last rows keep their distance from the edges.
      g.y[i] = top + t.nodes[i].y * std::max(0.0f, height - top - bottom);
    }
    for (std::size_t i = 0; i < n; ++i) taken.push_back(node_box(g, i));
    for (std::size_t i = 0; i < n; ++i) {
      const float w = label_w[i];
      Box b;
      if (!beside) {
        b = {g.x[i] - w / 2, g.y[i] + r + 0.1f * line_height, g.x[i] + w / 2, g.y[i] + r + 1.1f * line_height};
      } else if (t.nodes[i].kind == NodeKind::kClient) {
        b = {g.x[i] - 1.2f * r - pad - w, g.y[i] - line_height / 2, g.x[i] - 1.2f * r - pad, g.y[i] + line_height / 2};
      } else {
        b = {g.x[i] + 1.2f * r + pad, g.y[i] - line_height / 2, g.x[i] + 1.2f * r + pad + w, g.y[i] + line_height / 2};
      }
      g.node_label[i] = b;
      taken.push_back(b);
    }
  }
  // Edge texts: the middle of the edge first, then further along either way, on the
  // line or just above it.
  constexpr float kAlong[] = {0.5f, 0.62f, 0.38f, 0.74f, 0.26f, 0.84f, 0.16f};
  for (std::size_t e = 0; e < t.edges.size() && e < edge_texts.size(); ++e) {
    if (edge_texts[e].empty()) continue;
    const float w = text_width(edge_texts[e], context);
    const TopologyEdge& edge = t.edges[e];
    for (const float f : kAlong) {
      const float cx = g.x[edge.a] + (g.x[edge.b] - g.x[edge.a]) * f;
      const float cy = g.y[edge.a] + (g.y[edge.b] - g.y[edge.a]) * f;
      bool placed = false;
      for (const float dy : {-line_height, -line_height / 2}) {
        const Box b{cx - w / 2, cy + dy, cx + w / 2, cy + dy + line_height};
        if (!free_at(b, taken, width, height)) continue;
        g.edge_label[e] = b;
        taken.push_back(b);
        placed = true;
        break;
      }
      if (placed) break;
    }
  }
  return g;
}

std::string edge_text(const TopologyEdge& e, const EdgeLoad& load, bool down) {
  std::string text = e.label;
  const auto add = [&text](const std::string& part) { text += (text.empty() ? "" : " ") + part; };
  if (down) add("DOWN");
  if (load.kind == EdgeLoad::Kind::kBackend) {
    if (load.assigned > 0) add(with_commas(load.now) + " / " + with_commas(load.assigned));
  } else if (load.kind == EdgeLoad::Kind::kUpstream) {
    if (load.down) add("marked down");
    if (load.now > 0 || load.idle > 0) add(with_commas(load.now) + " busy " + with_commas(load.idle) + " idle");
  } else if (load.now > 0) {
    add(with_commas(load.now) + " open");
  }
  return text;
}

}  // namespace viewer

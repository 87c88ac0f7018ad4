#include "viewer/topology.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>

#include "sim/format.h"
#include "viewer/text.h"

namespace viewer {

namespace {

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
    }
    place();
    return std::move(t_);
  }

 private:
  void add(const std::string& name, NodeKind kind, std::size_t index) {
    by_name_.emplace(name, t_.nodes.size());
    t_.nodes.push_back({name, kind, index, 0, 0});
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
    const std::size_t host_col = next + (any_balancer ? 1 : 0);

    std::vector<std::size_t> column(t_.nodes.size());
    std::vector<std::vector<std::size_t>> members(host_col + 1);
    for (std::size_t i = 0; i < t_.nodes.size(); ++i) {
      switch (t_.nodes[i].kind) {
        case NodeKind::kClient: column[i] = 0; break;
        case NodeKind::kRouter: column[i] = router_column.at(hops[i]); break;
        case NodeKind::kBalancer: column[i] = balancer_col; break;
        case NodeKind::kHost: column[i] = host_col; break;
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

GraphLayout lay_out(const Topology& t, const std::vector<std::string>& node_texts,
                    const std::vector<std::string>& edge_texts, float width, float height, float line_height,
                    TextWidth text_width, void* context) {
  GraphLayout g;
  const std::size_t n = t.nodes.size();
  g.x.resize(n);
  g.y.resize(n);
  g.node_label.resize(n);
  g.edge_label.resize(t.edges.size());
  const float r = 0.6f * line_height;
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
  std::vector<Box> taken;  // node shapes and the labels placed so far
  for (std::size_t i = 0; i < n; ++i) {
    taken.push_back({g.x[i] - 1.2f * r, g.y[i] - r, g.x[i] + 1.2f * r, g.y[i] + r});
  }
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
        const bool inside = b.x0 >= 0 && b.y0 >= 0 && b.x1 <= width && b.y1 <= height;
        if (!inside || std::any_of(taken.begin(), taken.end(), [&](const Box& o) { return o.overlaps(b); })) continue;
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
  } else if (load.now > 0) {
    add(with_commas(load.now) + " open");
  }
  return text;
}

}  // namespace viewer

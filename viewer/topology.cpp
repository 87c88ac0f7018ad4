#include "viewer/topology.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>

#include "sim/format.h"

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

std::vector<std::uint64_t> edge_loads(const Topology& t, const model::ScenarioSpec& spec, const model::Snapshot& s) {
  std::vector<std::uint64_t> loads(t.edges.size(), 0);
  for (std::size_t i = 0; i < t.edges.size(); ++i) {
    const TopologyEdge& e = t.edges[i];
    if (e.link) {
      if (*e.link < s.link_load.size()) loads[i] = s.link_load[*e.link];
      continue;
    }
    const TopologyNode& from = t.nodes[e.a];
    if (from.kind == NodeKind::kClient) {
      if (from.index < s.clients.size()) loads[i] = s.clients[from.index].counts.pending;
    } else if (from.kind == NodeKind::kBalancer) {
      for (std::size_t c = 0; c < spec.clients.size() && c < s.clients.size(); ++c) {
        if (spec.clients[c].balancer == from.index) loads[i] += s.clients[c].counts.pending;
      }
    }
  }
  return loads;
}

}  // namespace viewer

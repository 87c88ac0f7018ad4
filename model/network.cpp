#include "model/network.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <limits>
#include <map>
#include <string_view>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/property_map/property_map.hpp>

namespace model {

namespace {

struct LinkEdge {
  std::int64_t latency_ns = 0;
  std::uint32_t link = 0;  // index into NetworkSpec::links
};

// vecS for both lists: vertices are numbered 0..n-1 in insertion order and each vertex's
// edges are kept in insertion (file) order, so the graph is a function of the spec alone.
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property, LinkEdge>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;

// A distance: summed latency, then number of links. Compared lexicographically, so that
// among equally fast paths the shortest in links wins and every link strictly lengthens a
// path (no zero-weight ties along a path, even over zero-latency links).
struct Distance {
  std::int64_t latency_ns = 0;
  std::uint32_t links = 0;
  friend auto operator<=>(const Distance&, const Distance&) = default;
};

constexpr Distance kUnreached{std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::uint32_t>::max()};

struct ExtendByLink {
  Distance operator()(const Distance& d, std::int64_t latency_ns) const {
    if (d == kUnreached) return kUnreached;
    return {(sim::Duration::from_ns(d.latency_ns) + sim::Duration::from_ns(latency_ns)).ns(), d.links + 1};
  }
};

// The distances of every node from `source`.
std::vector<Distance> distances_from(const Graph& g, Vertex source) {
  std::vector<Distance> dist(boost::num_vertices(g), kUnreached);
  const auto index = boost::get(boost::vertex_index, g);
  boost::dijkstra_shortest_paths(g, source,
                                 boost::weight_map(boost::get(&LinkEdge::latency_ns, g))
                                     .distance_map(boost::make_iterator_property_map(dist.begin(), index))
                                     .distance_compare(std::less<Distance>())
                                     .distance_combine(ExtendByLink())
                                     .distance_inf(kUnreached)
                                     .distance_zero(Distance{}));
  return dist;
}

// The chosen path from `source` to `target` (network.h states the rule), or nullopt when
// `target` is unreached. Walks back from the target: at each node, the lowest-indexed link
// whose far end is one link closer on some best path.
std::optional<Path> path_to(const Graph& g, const std::vector<Distance>& dist, Vertex source, Vertex target) {
  if (dist[target] == kUnreached) return std::nullopt;
  Path path;
  path.latency = sim::Duration::from_ns(dist[target].latency_ns);
  const ExtendByLink extend;
  for (Vertex v = target; v != source;) {
    std::optional<std::pair<std::uint32_t, Vertex>> best;
    for (const auto& e : boost::make_iterator_range(boost::out_edges(v, g))) {
      const Vertex u = boost::target(e, g);
      const LinkEdge& edge = g[e];
      if (dist[u] == kUnreached || extend(dist[u], edge.latency_ns) != dist[v]) continue;
      if (!best || edge.link < best->first) best = std::pair{edge.link, u};
    }
    assert(best && "a reached node other than the source has a link on a best path");
    path.links.push_back(best->first);
    v = best->second;
  }
  std::reverse(path.links.begin(), path.links.end());
  return path;
}

}  // namespace

NetworkBuild Network::build(const ScenarioSpec& spec) {
  NetworkBuild result;
  Network net;
  // The number of paths of each client group: one per server it can end at.
  const auto server_count = [&](const ClientSpec& c) {
    if (c.upstream_of) return spec.hosts[*c.upstream_of].proxy->backends.size();
    return c.balancer ? spec.balancers[*c.balancer].backends.size() : std::size_t{1};
  };
  if (!spec.network) {
    for (const ClientSpec& c : spec.clients) net.paths_.emplace_back(server_count(c), Path{sim::Duration::zero(), {}});
    result.network = std::move(net);
    return result;
  }
  const NetworkSpec& ns = *spec.network;
  net.links_ = ns.links;

  // Node numbers: hosts, then clients, then balancers, then routers, each in file order.
  std::map<std::string, Vertex, std::less<>> node;
  std::size_t n = 0;
  const auto add_node = [&](std::string name) {
    [[maybe_unused]] const bool fresh = node.emplace(std::move(name), n++).second;
    assert(fresh && "node names are unique");
  };
  for (const HostSpec& h : spec.hosts) add_node(h.name);
  // A proxy's upstream group (ClientSpec::upstream_of) starts at its host: its node is
  // named apart and joined to nothing.
  for (const ClientSpec& c : spec.clients) add_node(c.upstream_of ? "\x01upstream/" + c.name : c.name);
  for (const BalancerSpec& b : spec.balancers) add_node(b.name);
  for (const std::string& r : ns.routers) add_node(r);
  const std::size_t first_client = spec.hosts.size();
  const std::size_t first_balancer = first_client + spec.clients.size();

  Graph g(n);
  for (std::size_t i = 0; i < ns.links.size(); ++i) {
    const LinkSpec& l = ns.links[i];
    assert(node.contains(l.a) && node.contains(l.b) && l.a != l.b);
    assert(l.latency >= sim::Duration::zero() && l.jitter >= sim::Duration::zero());
    assert(l.loss >= 0.0 && l.loss < 1.0);
    boost::add_edge(node.at(l.a), node.at(l.b), LinkEdge{l.latency.ns(), static_cast<std::uint32_t>(i)}, g);
  }

  // Each balancer's routes to its backends: one search per balancer.
  std::vector<std::vector<std::optional<Path>>> to_backend(spec.balancers.size());
  for (std::size_t b = 0; b < spec.balancers.size(); ++b) {
    const Vertex source = first_balancer + b;
    const std::vector<Distance> dist = distances_from(g, source);
    const BalancerSpec& balancer = spec.balancers[b];
    for (std::size_t k = 0; k < balancer.backends.size(); ++k) {
      const std::size_t host = balancer.backends[k].host;
      assert(host < spec.hosts.size());
      to_backend[b].push_back(path_to(g, dist, source, host));
      if (!to_backend[b].back()) {
        result.unreachable_backends.push_back({b, k});
      }
    }
  }

  // One search per client group: groups are few, and each gets its own source.
  for (std::size_t c = 0; c < spec.clients.size(); ++c) {
    const ClientSpec& client = spec.clients[c];
    if (client.upstream_of) {
      // A proxy's upstream connections: from its host to each of its backends.
      const Vertex source = *client.upstream_of;
      const std::vector<Distance> dist = distances_from(g, source);
      std::vector<Path>& paths = net.paths_.emplace_back();
      const std::vector<BackendRef>& backends = spec.hosts[*client.upstream_of].proxy->backends;
      for (std::size_t k = 0; k < backends.size(); ++k) {
        const BackendRef& ref = backends[k];
        std::optional<Path> p = path_to(g, dist, source, ref.host);
        if (!p) {
          result.unreachable.push_back(client.name + " -> " + spec.hosts[ref.host].name);
          result.unreachable_clients.push_back(c);
          result.unreachable_upstreams.push_back({c, k});
        }
        paths.push_back(p.value_or(Path{}));
      }
      continue;
    }
    const Vertex source = first_client + c;
    const Vertex target = client.balancer ? first_balancer + *client.balancer : client.target_host;
    assert(client.balancer ? *client.balancer < spec.balancers.size() : client.target_host < spec.hosts.size());
    const std::optional<Path> leg = path_to(g, distances_from(g, source), source, target);
    if (!leg) {
      const std::string& target_name =
          client.balancer ? spec.balancers[*client.balancer].name : spec.hosts[client.target_host].name;
      result.unreachable.push_back(client.name + " -> " + target_name);
      result.unreachable_clients.push_back(c);
    }
    std::vector<Path>& paths = net.paths_.emplace_back();
    if (!client.balancer) {
      paths.push_back(leg.value_or(Path{}));
      continue;
    }
    for (const std::optional<Path>& onward : to_backend[*client.balancer]) {
      if (!leg || !onward) {
        paths.emplace_back();
        continue;
      }
      Path p{leg->latency + onward->latency, leg->links};
      p.links.insert(p.links.end(), onward->links.begin(), onward->links.end());
      paths.push_back(std::move(p));
    }
  }
  for (const BackendIndex& u : result.unreachable_backends) {
    const BalancerSpec& balancer = spec.balancers[u.balancer];
    result.unreachable.push_back(balancer.name + " -> " + spec.hosts[balancer.backends[u.backend].host].name);
  }
  for (std::vector<Path>& paths : net.paths_) {
    for (Path& p : paths) {
      p.jittered = std::any_of(p.links.begin(), p.links.end(),
                               [&](std::uint32_t i) { return net.links_[i].jitter > sim::Duration::zero(); });
    }
  }
  if (result.unreachable.empty()) result.network = std::move(net);
  return result;
}

const Path& Network::path(std::size_t client_index, std::size_t backend) const {
  assert(client_index < paths_.size());
  assert(backend < paths_[client_index].size());
  return paths_[client_index][backend];
}

const LinkSpec& Network::link(std::uint32_t i) const {
  assert(i < links_.size());
  return links_[i];
}

std::optional<sim::Duration> Network::cross(std::size_t client_index, std::size_t backend,
                                            sim::RandomStream& rng) const {
  const Path& p = path(client_index, backend);
  sim::Duration delay = p.latency;
  for (const std::uint32_t i : p.links) {
    const LinkSpec& l = links_[i];
    if (l.loss > 0.0 && rng.uniform01() < l.loss) return std::nullopt;
    if (l.jitter > sim::Duration::zero()) {
      const auto j = static_cast<std::uint64_t>(l.jitter.ns());
      delay += sim::Duration::from_ns(static_cast<std::int64_t>(rng.below(j + 1)));
    }
  }
  return delay;
}

}  // namespace model

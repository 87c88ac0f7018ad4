#include "config/detail/network_reader.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "config/loader.h"
#include "config/suggest.h"
#include "model/network.h"
#include "model/proxy.h"

namespace config::detail {

namespace {

constexpr std::string_view kNetworkKeys[] = {"routers", "links"};
constexpr std::string_view kLinkKeys[] = {"a", "b", "latency", "jitter", "loss"};

// Hosts, clients, balancers and routers: the nodes of the network graph.
std::uint64_t network_nodes(const model::ScenarioSpec& spec) {
  const std::size_t routers = spec.network ? spec.network->routers.size() : 0;
  return spec.hosts.size() + spec.clients.size() + spec.balancers.size() + routers;
}

// What model::Network::build's shortest-path searches cost: one per client group, per
// balancer and per proxy (its upstream connect()s), each over every node and link.
std::uint64_t routing_work(const model::ScenarioSpec& spec) {
  if (!spec.network) return 0;
  const auto proxies = static_cast<std::size_t>(std::count_if(
      spec.hosts.begin(), spec.hosts.end(), [](const model::HostSpec& h) { return h.proxy.has_value(); }));
  return (spec.clients.size() + spec.balancers.size() + proxies) * (network_nodes(spec) + spec.network->links.size());
}

class NetworkReader {
 public:
  explicit NetworkReader(ScenarioDraft& draft)
      : sink_(draft.sink), spec_(draft.spec), refs_(draft.refs), proxy_backends_(draft.proxy_backend_fields) {}

  void read(const Field& f);

 private:
  std::optional<std::string> read_router(const Field& f, const NameList& routers);
  std::optional<model::LinkSpec> read_link(const Field& f, const NameList& routers);
  bool check_routing_work(const Field& network);
  void check_reachable();
  void report_unreachable_backend(const model::UpstreamIndex& u);

  DiagnosticSink& sink_;
  model::ScenarioSpec& spec_;
  References& refs_;
  const std::vector<std::vector<Field>>& proxy_backends_;  // ScenarioDraft::proxy_backend_fields
};

void NetworkReader::read(const Field& f) {
  const std::size_t errors_before = sink_.count();
  MapReader m(sink_, f, kNetworkKeys);
  if (!m.is_map()) return;
  model::NetworkSpec network;
  NameList routers;  // every valid router name read
  if (const auto rf = m.get("routers"); rf && expect_sequence(sink_, *rf, "router names")) {
    for (std::size_t i = 0; i < rf->node.size(); ++i) {
      auto name = read_router(element(*rf, i), routers);
      if (!name) continue;
      routers.add(*name);
      network.routers.push_back(std::move(*name));
    }
  }
  if (const auto lf = m.require("links"); lf && expect_sequence(sink_, *lf, "links")) {
    for (std::size_t i = 0; i < lf->node.size(); ++i) {
      if (auto l = read_link(element(*lf, i), routers)) network.links.push_back(std::move(*l));
    }
  }
  spec_.network = std::move(network);
  refs_.set_network_complete(sink_.count() == errors_before);
  // Routing needs every node and link resolved; otherwise the errors above say enough.
  if (sink_.count() == errors_before && refs_.routing_judgeable() && check_routing_work(f)) check_reachable();
}

bool NetworkReader::check_routing_work(const Field& network) {
  if (routing_work(spec_) > kMaxRoutingWork) {
    sink_.error(network.mark, network.path,
                "routing " + std::to_string(spec_.clients.size() + spec_.balancers.size()) +
                    " client groups and balancers through a network of " +
                    std::to_string(network_nodes(spec_) + spec_.network->links.size()) +
                    " nodes and links takes too long: their product is limited to " + std::to_string(kMaxRoutingWork));
    return false;
  }
  return true;
}

// A name in `routers:`; nullopt (after reporting) when it is not a valid, fresh node name.
std::optional<std::string> NetworkReader::read_router(const Field& f, const NameList& routers) {
  auto name = read_string(sink_, f, "a router name");
  if (!name) return std::nullopt;
  if (!is_valid_name(*name)) {
    sink_.error(f.mark, f.path,
                "invalid router name " + quote(*name) + ": names use only letters, digits, '_' and '-'");
    return std::nullopt;
  }
  return refs_.check_router(f, *name, routers);
}

std::optional<model::LinkSpec> NetworkReader::read_link(const Field& f, const NameList& routers) {
  MapReader m(sink_, f, kLinkKeys);
  if (!m.is_map()) return std::nullopt;
  model::LinkSpec link;
  bool ok = true;
  const auto end = [&](std::string_view key, std::string& out) {
    const auto ef = m.require(key);
    const auto name = ef ? refs_.resolve_link_end(*ef, routers) : std::nullopt;
    if (name) out = *name;
    ok = ok && name.has_value();
  };
  end("a", link.a);
  end("b", link.b);
  if (ok && link.a == link.b) {
    const Field bf = *m.get("b");
    sink_.error(bf.mark, bf.path, "a link joins two different nodes; both ends are " + quote(link.a));
    ok = false;
  }
  const auto lf = m.require("latency");
  const auto latency = lf ? read_duration(sink_, *lf) : std::nullopt;
  if (latency) link.latency = *latency;
  ok = ok && latency.has_value();
  if (const auto jf = m.get("jitter")) {
    const auto jitter = read_duration(sink_, *jf);
    if (jitter) link.jitter = *jitter;
    ok = ok && jitter.has_value();
  }
  if (const auto pf = m.get("loss")) {
    // Loss 1 would make every connect time out for no reason the run could show.
    const auto loss = read_number(sink_, *pf, NumberRange{0, false, 1, true});
    if (loss) link.loss = *loss;
    ok = ok && loss.has_value();
  }
  if (!ok) return std::nullopt;
  return link;
}

void NetworkReader::check_reachable() {
  // The run's spec: a proxy's upstream connect()s are routed from its host to each backend.
  const model::NetworkBuild built = model::Network::build(model::with_upstream_groups(spec_));
  for (const std::size_t c : built.unreachable_clients) {
    // A proxy's upstream group: each backend it cannot reach is reported below.
    if (model::upstream_group_host(spec_, c)) continue;
    const model::ClientSpec& client = spec_.clients[c];
    const Field& target = refs_.target_field(c);
    const std::string to = client.balancer ? "balancer " + quote(spec_.balancers[*client.balancer].name)
                                           : "host " + quote(spec_.hosts[client.target_host].name);
    sink_.error(target.mark, target.path,
                "client " + quote(client.name) + " cannot reach " + to + ": no path of links joins them");
  }
  for (const model::UpstreamIndex& u : built.unreachable_upstreams) report_unreachable_backend(u);
  for (const model::BackendIndex& u : built.unreachable_backends) {
    const model::BalancerSpec& balancer = spec_.balancers[u.balancer];
    const Field& entry = refs_.backend_field(u.balancer, u.backend);
    sink_.error(entry.mark, entry.path,
                "balancer " + quote(balancer.name) + " cannot reach host " +
                    quote(spec_.hosts[balancer.backends[u.backend].host].name) + ": no path of links joins them");
  }
}

// Backend `u.backend` of the proxy whose upstream group is `u.group`, which the proxy's host
// cannot reach, at its `backends:` entry.
void NetworkReader::report_unreachable_backend(const model::UpstreamIndex& u) {
  const std::optional<std::size_t> host = model::upstream_group_host(spec_, u.group);
  if (!host || u.backend >= proxy_backends_[*host].size()) return;  // no entry to point at
  const model::HostSpec& proxy = spec_.hosts[*host];
  const std::string& to = spec_.hosts[proxy.proxy->backends[u.backend].host].name;
  const Field& entry = proxy_backends_[*host][u.backend];
  sink_.error(entry.mark, entry.path,
              "proxy " + quote(proxy.name) + " cannot reach its backend host " + quote(to) +
                  ": no path of links joins them (its upstream connect()s leave from its own host)");
}

}  // namespace

// model::Network keeps a path for each client group and server it can end at, found by a
// shortest-path search per client group and per balancer over the whole network: bounded
// here, so that a short file cannot make routing take minutes or gigabytes.
bool routes_within_limit(ScenarioDraft& draft, const Field& clients) {
  const model::ScenarioSpec& spec = draft.spec;
  std::uint64_t routes = 0;
  for (const model::ClientSpec& c : spec.clients) {
    routes += c.balancer ? spec.balancers[*c.balancer].backends.size() : 1;
  }
  if (routes > kMaxRoutes) {
    draft.sink.error(clients.mark, clients.path,
                     std::to_string(spec.clients.size()) + " client groups with " + std::to_string(routes) +
                         " routes (one to each host they target and to each backend of the balancer they target): the "
                         "limit is " +
                         std::to_string(kMaxRoutes));
    return false;
  }
  return true;
}

void read_network(ScenarioDraft& draft, const Field& f) { NetworkReader(draft).read(f); }

}  // namespace config::detail

#include "config/detail/references.h"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "config/detail/text.h"
#include "config/suggest.h"

namespace config::detail {

namespace {

// Every kind of network node, for messages about names.
constexpr std::string_view kOneNamespace =
    "hosts, clients, balancers and routers share one namespace (all are network nodes)";

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

bool is_valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), is_name_char);
}

void check_name(DiagnosticSink& sink, const MapReader::Entry& entry, std::string_view kind) {
  if (!is_valid_name(entry.key)) {
    sink.error(entry.key_mark, entry.value.path,
               "invalid " + std::string(kind) + " name " + quote(entry.key) +
                   ": names use only letters, digits, '_' and '-' (a '.' would make key paths such as "
                   "hosts.NAME.listeners ambiguous)");
  }
}

// ---- names defined ------------------------------------------------------------------

void References::look_ahead(const MapReader& top) {
  const std::optional<Field> script = top.get("script");
  if (script && script->node.IsSequence()) {
    for (const YAML::Node& step : script->node) {
      if (auto host = raw_scalar(step, "host")) scripted_hosts_.insert(std::move(*host));
    }
  }
  const auto names_of = [&](std::string_view key, std::vector<std::string>& names) {
    if (const auto map = top.get(key); map && map->node.IsMap()) {
      for (auto it = map->node.begin(); it != map->node.end(); ++it) {
        if (it->first.IsScalar()) names.push_back(it->first.Scalar());
      }
    }
  };
  names_of("clients", client_names_);
  names_of("balancers", balancer_names_);
}

std::size_t References::add_host(const std::string& name) {
  const std::size_t index = os_known_.size();
  host_index_.emplace(name, index);
  os_known_.push_back(false);
  ports_complete_.push_back(true);
  script_ports_.emplace_back();
  return index;
}

void References::add_script_port(std::size_t host, int port) {
  script_ports_[host].push_back(port);
  bound_ports_.emplace(host, port);
}

std::optional<std::size_t> References::find_host(std::string_view name) const {
  const auto it = host_index_.find(name);
  if (it == host_index_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::size_t> References::find_balancer(std::string_view name) const {
  const auto it = balancer_index_.find(name);
  if (it == balancer_index_.end()) return std::nullopt;
  return it->second;
}

void References::add_balancer(const MapReader::Entry& entry) {
  check_node_name(entry, "balancer");
  balancer_index_.emplace(entry.key, backend_fields_.size());
  backend_fields_.emplace_back();
}

void References::add_client(const MapReader::Entry& entry) {
  check_node_name(entry, "client");
  client_index_.emplace(entry.key, client_targets_.size());
  client_targets_.emplace_back();
}

void References::set_backend_fields(std::size_t balancer, std::vector<Field> fields) {
  backend_fields_[balancer] = std::move(fields);
}

// Hosts, balancers and clients are all nodes of the network graph, named in its links.
void References::check_node_name(const MapReader::Entry& entry, std::string_view kind) {
  check_name(sink_, entry, kind);
  if (find_host(entry.key)) {
    report_name_clash(entry.key_mark, entry.value.path, entry.key, "host");
  } else if (find_balancer(entry.key)) {
    report_name_clash(entry.key_mark, entry.value.path, entry.key, "balancer");
  }
}

void References::report_name_clash(const YAML::Mark& mark, const std::string& path, std::string_view name,
                                   std::string_view kind) {
  sink_.error(mark, path,
              "name " + quote(name) + " is already used by a " + std::string(kind) + ": " + std::string(kOneNamespace));
  node_names_clash_ = true;
}

// ---- names used -----------------------------------------------------------------------

// A `HOST:PORT` value: a client's target, a balancer's backend, a fault's listener.
struct References::Endpoint {
  std::string text;  // as written
  std::string name;
  int port = 0;
};

// Splits and checks a `HOST:PORT` value; nullopt after reporting. `what` names it ("target").
std::optional<References::Endpoint> References::read_endpoint(const Field& f, std::string_view what) {
  const std::string thing(what);
  auto text = read_string(sink_, f, "a " + thing + " HOST:PORT");
  if (!text) return std::nullopt;
  const std::size_t colon = text->rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text->size()) {
    sink_.error(f.mark, f.path, "expected a " + thing + " HOST:PORT such as web:80, got " + quote(*text));
    return std::nullopt;
  }
  const std::string_view port_text = std::string_view(*text).substr(colon + 1);
  int port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > kMaxPort) {
    sink_.error(
        f.mark, f.path,
        "the port in " + thing + " " + quote(*text) + " must be an integer in [1, " + std::to_string(kMaxPort) + "]");
    return std::nullopt;
  }
  std::string name = text->substr(0, colon);
  return Endpoint{std::move(*text), std::move(name), port};
}

// Whether a client can connect to `port` of `host`: a port of one of its listeners or one its
// script binds. Reports at `f` when it is not, unless the host's ports could not all be read
// (then it may well have that port: false without a word).
bool References::check_listening(const Field& f, std::size_t host, int port) {
  if (has_listener(host, port) || script_binds(host, port)) return true;
  if (!ports_complete_[host]) return false;
  sink_.error(f.mark, f.path,
              "host " + quote(spec_.hosts[host].name) + " has no listener on port " + std::to_string(port) +
                  " (it listens on: " + port_list(host, true) + ")");
  return false;
}

// The ports of `host`'s listeners, then (with_script) those its script binds, each once:
// "80, 443", or "nothing".
std::string References::port_list(std::size_t host, bool with_script) const {
  std::vector<int> ports;
  for (const model::ListenerSpec& l : spec_.hosts[host].listeners) ports.push_back(l.port);
  if (with_script) ports.insert(ports.end(), script_ports_[host].begin(), script_ports_[host].end());
  std::vector<std::string> texts;
  std::set<int> seen;
  for (const int p : ports) {
    if (seen.insert(p).second) texts.push_back(std::to_string(p));
  }
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  return views.empty() ? "nothing" : join_some(views);
}

// "unknown host NAME" + context, with a "did you mean" or the list of hosts; with
// `or_balancer` (and balancers in the file), "unknown host or balancer NAME" over both.
std::string References::unknown_host(std::string_view name, std::string_view context, bool or_balancer) const {
  std::vector<std::string_view> host_names;
  for (const model::HostSpec& h : spec_.hosts) host_names.push_back(h.name);
  std::vector<std::string_view> balancer_names;
  if (or_balancer) {
    for (const model::BalancerSpec& b : spec_.balancers) balancer_names.push_back(b.name);
  }
  std::vector<std::string_view> candidates = host_names;
  candidates.insert(candidates.end(), balancer_names.begin(), balancer_names.end());
  std::string message =
      (balancer_names.empty() ? "unknown host " : "unknown host or balancer ") + quote(name) + std::string(context);
  const std::string_view match = closest_match(name, candidates);
  if (!match.empty()) {
    message += "; did you mean " + quote(match) + "?";
  } else if (!candidates.empty()) {
    std::vector<std::string> lists;
    if (!host_names.empty()) lists.push_back("hosts: " + join_some(host_names));
    if (!balancer_names.empty()) lists.push_back("balancers: " + join_some(balancer_names));
    message += " (" + lists.front() + (lists.size() > 1 ? "; " + lists.back() : "") + ")";
  }
  return message;
}

void References::resolve_target(const Field& f, std::size_t client_index, model::ClientSpec& client) {
  const auto target = read_endpoint(f, "target");
  if (!target) return;
  const std::optional<std::size_t> host = find_host(target->name);
  // A balancer named like a host is an error already: the name then means the host.
  if (const auto b = host ? std::nullopt : find_balancer(target->name)) {
    const model::BalancerSpec& balancer = spec_.balancers[*b];
    if (balancer.port == 0) return;  // its own port could not be read: that error is enough
    if (target->port != balancer.port) {
      sink_.error(f.mark, f.path,
                  "balancer " + quote(target->name) + " has no port " + std::to_string(target->port) +
                      " (it listens on: " + std::to_string(balancer.port) + ")");
      return;
    }
    client.balancer = *b;
    client_targets_[client_index] = f;
    return;
  }
  if (!host) {
    sink_.error(f.mark, f.path, unknown_host(target->name, " in target " + quote(target->text), true));
    return;
  }
  if (!check_listening(f, *host, target->port)) return;
  client.target_host = *host;
  client.target_port = target->port;
  client_targets_[client_index] = f;
}

// A host's port, by the same rule as a client's target.
std::optional<model::BackendRef> References::resolve_backend(const Field& f) {
  const auto backend = read_endpoint(f, "backend");
  if (!backend) return std::nullopt;
  const std::optional<std::size_t> host = find_host(backend->name);
  if (!host) {
    const bool is_balancer = contains(balancer_names_, backend->name);
    sink_.error(f.mark, f.path,
                is_balancer ? "backend " + quote(backend->text) + " names balancer " + quote(backend->name) +
                                  ": backends are hosts (balancers do not chain)"
                            : unknown_host(backend->name, " in backend " + quote(backend->text)));
    return std::nullopt;
  }
  if (!check_listening(f, *host, backend->port)) return std::nullopt;
  return model::BackendRef{*host, backend->port};
}

// False after reporting, unless the host's ports could not all be read.
bool References::resolve_fault_listener(const Field& f, model::FaultSpec& fault) {
  const auto listener = read_endpoint(f, "listener");
  if (!listener) return false;
  const std::optional<std::size_t> host = find_host(listener->name);
  if (!host) {
    sink_.error(f.mark, f.path,
                find_balancer(listener->name) ? "listener " + quote(listener->text) + " names balancer " +
                                                    quote(listener->name) + ": faults act on a host's listener"
                                              : unknown_host(listener->name, " in listener " + quote(listener->text)));
    return false;
  }
  const std::vector<model::ListenerSpec>& listeners = spec_.hosts[*host].listeners;
  if (has_listener(*host, listener->port)) {
    fault.host = *host;
    fault.port = listener->port;
    return true;
  }
  if (!ports_complete_[*host]) return false;
  const std::string where = "host " + quote(listener->name);
  const std::string ports =
      listeners.empty() ? "it has no listeners: entries" : "its listeners: " + port_list(*host, false);
  if (script_binds(*host, listener->port)) {
    sink_.error(f.mark, f.path,
                "port " + std::to_string(listener->port) + " of " + where +
                    " is bound by a script step, not one of its listeners: faults apply to `listeners:` entries, "
                    "a script stalls or restarts its own socket with its steps (" +
                    ports + ")");
  } else {
    sink_.error(f.mark, f.path,
                where + " has no listener on port " + std::to_string(listener->port) + " (" + ports + ")");
  }
  return false;
}

std::optional<std::size_t> References::resolve_host(const Field& f, HostUse use) {
  const auto name = read_string(sink_, f, "a host name");
  if (!name) return std::nullopt;
  const std::optional<std::size_t> host = find_host(*name);
  if (host) return host;
  std::string message = unknown_host(*name);
  if (use == HostUse::kScriptStep) {
    if (contains(client_names_, *name)) message += " (script steps run on hosts; " + quote(*name) + " is a client)";
    if (contains(balancer_names_, *name)) message += " (script steps run on hosts; " + quote(*name) + " is a balancer)";
  }
  sink_.error(f.mark, f.path, message);
  return std::nullopt;
}

void References::add_link_fault(std::size_t fault, const Field& link) { link_faults_.emplace_back(fault, link); }

// ---- the network ----------------------------------------------------------------------

std::optional<std::string> References::check_router(const Field& f, const std::string& name, const NameList& routers) {
  const std::string_view kind = node_kind(name, routers);
  if (kind == "router") {
    sink_.error(f.mark, f.path, "router " + quote(name) + " is listed twice");
    node_names_clash_ = true;
    return std::nullopt;
  }
  if (!kind.empty()) {
    report_name_clash(f.mark, f.path, name, kind);
    return std::nullopt;
  }
  return name;
}

// "host", "client", "balancer" or "router" when `name` is already a node of that kind, else "".
std::string_view References::node_kind(std::string_view name, const NameList& routers) const {
  if (find_host(name)) return "host";
  if (client_index_.contains(name)) return "client";
  if (find_balancer(name)) return "balancer";
  if (routers.contains(name)) return "router";
  return {};
}

std::optional<std::string> References::resolve_link_end(const Field& f, const NameList& routers) {
  auto name = read_string(sink_, f, "a node name (a host, client, balancer or router)");
  if (!name || !node_kind(*name, routers).empty()) return name;
  // In the network's node order (model/network.h).
  std::vector<std::string_view> nodes;
  for (const model::HostSpec& h : spec_.hosts) nodes.push_back(h.name);
  for (const model::ClientSpec& c : spec_.clients) nodes.push_back(c.name);
  for (const model::BalancerSpec& b : spec_.balancers) nodes.push_back(b.name);
  nodes.insert(nodes.end(), routers.in_order().begin(), routers.in_order().end());
  std::string message = "unknown node " + quote(*name);
  const std::string_view match = closest_match(*name, nodes);
  if (!match.empty()) {
    message += "; did you mean " + quote(match) + "?";
  } else {
    message +=
        " (links join hosts, clients, balancers and the routers listed in network.routers: " + join_some(nodes) + ")";
  }
  sink_.error(f.mark, f.path, message);
  return std::nullopt;
}

bool References::routing_judgeable() const {
  const bool targets_known = std::all_of(client_targets_.begin(), client_targets_.end(),
                                         [](const std::optional<Field>& t) { return t.has_value(); });
  return !node_names_clash_ && targets_known && balancers_complete_ && routes_bounded_;
}

void References::resolve_link_faults(std::vector<model::FaultSpec>& faults) {
  for (const auto& [index, f] : link_faults_) {
    if (!spec_.network) {
      sink_.error(f.mark, f.path, "a link_down fault needs a network: section (without one there are no links)");
      continue;
    }
    if (!network_complete_) continue;  // its errors say enough
    const std::string a = f.node[0].Scalar();
    const std::string b = f.node[1].Scalar();
    std::vector<std::uint32_t> found;
    const std::vector<model::LinkSpec>& links = spec_.network->links;
    for (std::uint32_t i = 0; i < links.size(); ++i) {
      if ((links[i].a == a && links[i].b == b) || (links[i].a == b && links[i].b == a)) found.push_back(i);
    }
    if (found.size() == 1) {
      faults[index].link = found[0];
      continue;
    }
    std::string message = found.empty() ? "no link of network.links joins " + quote(a) + " and " + quote(b)
                                        : "network.links has " + std::to_string(found.size()) + " links joining " +
                                              quote(a) + " and " + quote(b) + ": a link_down names one link";
    if (found.empty()) {
      std::vector<std::string_view> pairs_text;
      std::vector<std::string> pairs;
      for (const model::LinkSpec& l : links) pairs.push_back("[" + l.a + ", " + l.b + "]");
      for (const std::string& p : pairs) pairs_text.push_back(p);
      message += " (links: " + join_some(pairs_text) + ")";
    }
    sink_.error(f.mark, f.path, message);
  }
}

}  // namespace config::detail

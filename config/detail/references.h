// config/detail/references.h — names one section of a scenario defines and another uses.
//
// A client's target (a host's port or a balancer), a balancer's backends, a fault's
// listener, host or link, a script step's host, the two ends of a network link: every
// name that crosses sections is resolved here, against what the sections read so far,
// and nowhere else. The section readers register what they define (hosts, their listening
// ports, balancers, clients, the ports the script binds) and ask here for what they use;
// a name that does not resolve is reported here, with a "did you mean" or the list of
// what there is. Where a section could not be read completely, a reference into it is
// not blamed for the gap (that section's own errors say enough).
//
// Names are found through sorted indexes, however many a file has; only the messages
// about a name that does not resolve go through the lists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/detail/node_reader.h"
#include "model/spec.h"

namespace config::detail {

// Hosts, clients, balancers, routers and descriptors: letters, digits, '_' and '-'.
bool is_valid_name(std::string_view name);
// Reports a map key that is not a valid name for a `kind` ("host").
void check_name(DiagnosticSink& sink, const MapReader::Entry& entry, std::string_view kind);

// Names read so far (a host's descriptor names, the routers): in file order for messages,
// sorted for lookups.
class NameList {
 public:
  bool contains(std::string_view name) const { return sorted_.contains(name); }
  void add(const std::string& name) {
    if (sorted_.insert(name).second) in_order_.push_back(name);
  }
  const std::vector<std::string>& in_order() const { return in_order_; }

 private:
  std::vector<std::string> in_order_;
  std::set<std::string, std::less<>> sorted_;
};

class References {
 public:
  // Both must outlive this; `spec` is the one the sections fill.
  References(DiagnosticSink& sink, const model::ScenarioSpec& spec) : sink_(sink), spec_(spec) {}

  // ---- before any section: names used before the section that defines them ----
  // The hosts the script's steps name (such a host may go without listeners), and the
  // keys of `clients:` and `balancers:` (for the script's messages), from the raw tree.
  void look_ahead(const MapReader& top);
  bool scripted(std::string_view host) const { return scripted_hosts_.contains(host); }

  // ---- hosts: what they define ----
  // A new host, index spec.hosts.size() (before it is pushed). Its os counts as unknown
  // and its ports as complete until said otherwise.
  std::size_t add_host(const std::string& name);
  void set_os_known(std::size_t host) { os_known_[host] = true; }
  // Whether the host's `os` was read (else its `expect:` names and Windows-only steps are
  // not judged against a guess).
  bool os_known(std::size_t host) const { return os_known_[host]; }
  void add_listener_port(std::size_t host, int port) { listener_ports_.emplace(host, port); }
  void add_script_port(std::size_t host, int port);
  // A listener or script step of the host could not be read: a port it may have had is
  // not missing.
  void ports_incomplete(std::size_t host) { ports_complete_[host] = false; }
  bool ports_complete(std::size_t host) const { return ports_complete_[host]; }
  // The ports of `host`'s listeners, then (with_script) those its script binds, each once:
  // "80, 443", or "nothing" (for messages).
  std::string port_list(std::size_t host, bool with_script) const;
  std::optional<std::size_t> find_host(std::string_view name) const;

  // ---- balancers and clients: what they define ----
  // Before reading a balancer or client group: reports a name that is invalid or that a
  // host or balancer already has (they are all network nodes), then registers it.
  void add_balancer(const MapReader::Entry& entry);
  void add_client(const MapReader::Entry& entry);
  // The entries of a balancer's `backends:`, parallel to its backends (for routing's errors).
  void set_backend_fields(std::size_t balancer, std::vector<Field> fields);
  // After `balancers:`: whether it was read without an error.
  void set_balancers_complete(bool complete) { balancers_complete_ = complete; }

  // ---- what sections use ----
  // A client group's `target: HOST:PORT`: a host's listening port, or a balancer's port.
  // Sets the client's target_host and target_port, or its balancer.
  void resolve_target(const Field& f, std::size_t client_index, model::ClientSpec& client);
  // One entry of a balancer's `backends:`: a host's listening port.
  std::optional<model::BackendRef> resolve_backend(const Field& f);
  // A fault's `listener: HOST:PORT`: one of the host's `listeners:` entries. Sets
  // fault.host and fault.port.
  bool resolve_fault_listener(const Field& f, model::FaultSpec& fault);
  // A host's name (a fault's `host:`, a script step's); kScriptStep also says when the
  // name is a client's or a balancer's.
  enum class HostUse { kFault, kScriptStep };
  std::optional<std::size_t> resolve_host(const Field& f, HostUse use);
  // A link_down fault's `link: [A, B]` (two scalars), matched with a link of the network
  // by resolve_link_faults.
  void add_link_fault(std::size_t fault, const Field& link);

  // ---- the network ----
  // A name in `routers:`: nullopt (after reporting) when it is not a valid, fresh node name.
  std::optional<std::string> check_router(const Field& f, const std::string& name, const NameList& routers);
  // `a` or `b` of a link: the name of a host, client, balancer or router.
  std::optional<std::string> resolve_link_end(const Field& f, const NameList& routers);
  void set_network_complete(bool complete) { network_complete_ = complete; }
  // Whether routing can be judged: every node name distinct, every client's target and
  // every balancer resolved, and the routes bounded (set_routes_bounded).
  bool routing_judgeable() const;
  void set_routes_bounded(bool bounded) { routes_bounded_ = bounded; }
  // Where a client group's target and a balancer's backend are written, once resolved.
  const Field& target_field(std::size_t client) const { return *client_targets_[client]; }
  const Field& backend_field(std::size_t balancer, std::size_t backend) const {
    return backend_fields_[balancer][backend];
  }

  // ---- after every section ----
  // Each link_down fault's link is the one link of network.links joining its two ends.
  void resolve_link_faults(std::vector<model::FaultSpec>& faults);

 private:
  struct Endpoint;
  std::optional<Endpoint> read_endpoint(const Field& f, std::string_view what);
  bool has_listener(std::size_t host, int port) const { return listener_ports_.contains({host, port}); }
  bool script_binds(std::size_t host, int port) const { return bound_ports_.contains({host, port}); }
  bool check_listening(const Field& f, std::size_t host, int port);
  std::optional<std::size_t> find_balancer(std::string_view name) const;
  std::string unknown_host(std::string_view name, std::string_view context = {}, bool or_balancer = false) const;
  void check_node_name(const MapReader::Entry& entry, std::string_view kind);
  void report_name_clash(const YAML::Mark& mark, const std::string& path, std::string_view name, std::string_view kind);
  std::string_view node_kind(std::string_view name, const NameList& routers) const;

  DiagnosticSink& sink_;
  const model::ScenarioSpec& spec_;
  // Looked up before the sections that define them are read.
  std::set<std::string, std::less<>> scripted_hosts_;
  std::vector<std::string> client_names_;
  std::vector<std::string> balancer_names_;
  // Names to indexes into spec.hosts, spec.balancers and spec.clients.
  std::map<std::string, std::size_t, std::less<>> host_index_;
  std::map<std::string, std::size_t, std::less<>> balancer_index_;
  std::map<std::string, std::size_t, std::less<>> client_index_;
  // Parallel to spec.hosts.
  std::vector<bool> os_known_;
  // False when a listener (or a script step on the host) could not be read, so that a
  // client aiming at a port the host does not seem to have is not blamed for the host's error.
  std::vector<bool> ports_complete_;
  std::vector<std::vector<int>> script_ports_;  // the ports the script's bind steps name, in file order
  // The same, and the ports of the hosts' listeners, as (host, port) for lookups.
  std::set<std::pair<std::size_t, int>> bound_ports_;
  std::set<std::pair<std::size_t, int>> listener_ports_;
  // Parallel to spec.clients: the `target` value, when it named a host and port that exist
  // (the network's reachability errors point there).
  std::vector<std::optional<Field>> client_targets_;
  // Parallel to spec.balancers, each parallel to its backends: the entries of `backends:`.
  std::vector<std::vector<Field>> backend_fields_;
  // link_down faults, by index into spec.faults, with their `link:`.
  std::vector<std::pair<std::size_t, Field>> link_faults_;
  bool node_names_clash_ = false;  // two network nodes were given the same name
  bool balancers_complete_ = true;
  bool routes_bounded_ = true;     // the client groups' routes are within kMaxRoutes
  bool network_complete_ = false;  // network: was read without an error
};

}  // namespace config::detail

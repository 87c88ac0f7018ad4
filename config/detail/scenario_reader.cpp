#include "config/detail/scenario_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "config/detail/text.h"
#include "config/loader.h"
#include "config/suggest.h"
#include "config/trace_reader.h"
#include "config/units.h"
#include "model/network.h"
#include "sim/format.h"

namespace config::detail {

namespace {

using model::Os;

// The keys allowed at each place of the format (docs/scenario-format.md).
constexpr std::string_view kTopKeys[] = {"name",    "seed",      "duration", "sample_interval", "hosts",
                                         "balancers", "clients", "script",   "faults",          "network"};
constexpr std::string_view kHostKeys[] = {"os", "kernel", "max_sockets", "socket_buffers", "listeners"};
constexpr std::string_view kListenerKeys[] = {"port", "backlog", "workers", "service"};
constexpr std::string_view kBacklogHintKeys[] = {"somaxconn_hint"};
constexpr std::string_view kClientKeys[] = {"os",          "target",          "spoofed", "arrivals",
                                            "syn_retries", "connect_timeout", "retry"};
constexpr std::string_view kRetryKeys[] = {"policy", "max", "backoff", "factor", "jitter", "cap", "give_up"};
constexpr std::string_view kNetworkKeys[] = {"routers", "links"};
constexpr std::string_view kLinkKeys[] = {"a", "b", "latency", "jitter", "loss"};
constexpr std::string_view kBalancerKeys[] = {"port", "backends", "policy", "mark_down"};
constexpr std::string_view kFaultKeys[] = {"fault", "listener", "host", "link", "at", "for", "factor"};

constexpr std::string_view kBalancePolicies[] = {"round_robin", "random", "least_connections", "two_choices"};
constexpr model::BalancePolicy kBalancePolicyValues[] = {
    model::BalancePolicy::kRoundRobin, model::BalancePolicy::kRandom, model::BalancePolicy::kLeastConnections,
    model::BalancePolicy::kTwoChoices};
static_assert(std::size(kBalancePolicies) == std::size(kBalancePolicyValues));

constexpr std::string_view kFaultKinds[] = {"stall", "restart", "slow_start", "host_down", "link_down"};
constexpr model::FaultKind kFaultKindValues[] = {model::FaultKind::kStall, model::FaultKind::kRestart,
                                                 model::FaultKind::kSlowStart, model::FaultKind::kHostDown,
                                                 model::FaultKind::kLinkDown};
static_assert(std::size(kFaultKinds) == std::size(kFaultKindValues));

// Retry policies, indexed by model::RetryPolicy's value.
constexpr std::string_view kRetryPolicies[] = {"none", "fixed", "exponential", "full_jitter", "decorrelated_jitter"};
static_assert(std::size(kRetryPolicies) == static_cast<std::size_t>(model::RetryPolicy::kDecorrelatedJitter) + 1);

// The keys of `retry:` that not every policy takes, and why a policy ignores one.
struct RetryKeyRule {
  std::string_view key;
  std::string_view why_not[std::size(kRetryPolicies)];  // empty: the policy takes the key
};
constexpr std::string_view kNeverRetries = "it never retries";
constexpr RetryKeyRule kRetryKeyRules[] = {
    {"backoff", {kNeverRetries, "", "", "", ""}},
    {"factor",
     {kNeverRetries, "its delay is always backoff", "", "",
      "each delay is drawn from [backoff, 3 x the previous delay]: the 3 is part of its definition"}},
    {"jitter",
     {kNeverRetries, "", "", "its delay is already uniform on [0, backoff x factor^k]",
      "its delay is already uniform on [backoff, 3 x the previous delay]"}},
    {"cap", {kNeverRetries, "its delay is always backoff, so there is nothing to cap", "", "", ""}},
    {"give_up", {kNeverRetries, "", "", "", ""}},
};

// What a spoofed client group may not have, and why.
struct SpoofedExclusion {
  std::string_view key;
  std::string_view why;
};
constexpr SpoofedExclusion kNotForSpoofed[] = {
    {"syn_retries", "its forged SYNs are sent once from addresses that never answer: nothing retransmits them"},
    {"connect_timeout", "it makes no connect() calls, so none can time out"},
    {"retry", "it makes no connect() calls, so none can be retried"},
};

// Every kind of network node, for messages about names.
constexpr std::string_view kOneNamespace =
    "hosts, clients, balancers and routers share one namespace (all are network nodes)";

constexpr std::string_view kConstantDistKeys[] = {"dist", "value"};
constexpr std::string_view kMeanDistKeys[] = {"dist", "mean"};
constexpr std::string_view kUniformDistKeys[] = {"dist", "min", "max"};
constexpr std::string_view kLognormalDistKeys[] = {"dist", "mean", "stddev"};
constexpr std::string_view kParetoDistKeys[] = {"dist", "mean", "shape"};
constexpr std::string_view kEmpiricalDistKeys[] = {"dist", "values"};
enum DistKind : std::size_t { kConstant, kExponential, kUniform, kLognormal, kPareto, kEmpirical };
constexpr TaggedKind kDistKinds[] = {
    {"constant", kConstantDistKeys}, {"exponential", kMeanDistKeys},  {"uniform", kUniformDistKeys},
    {"lognormal", kLognormalDistKeys}, {"pareto", kParetoDistKeys}, {"empirical", kEmpiricalDistKeys},
};

constexpr std::string_view kRateProcessKeys[] = {"process", "rate"};
constexpr std::string_view kBurstProcessKeys[] = {"process", "count", "at", "over"};
constexpr std::string_view kOnOffProcessKeys[] = {"process", "rate", "off_rate", "on", "off"};
constexpr std::string_view kRampProcessKeys[] = {"process", "from", "to", "over", "start"};
constexpr std::string_view kFlashCrowdProcessKeys[] = {"process", "base", "peak", "at", "rise", "decay"};
constexpr std::string_view kTraceProcessKeys[] = {"process", "csv", "id", "pcap", "port", "time_scale"};
constexpr std::string_view kClosedProcessKeys[] = {"process", "users", "think"};
enum ProcessKind : std::size_t { kPoisson, kConstantRate, kBurst, kOnOff, kRamp, kFlashCrowd, kTrace, kClosed };
constexpr TaggedKind kProcessKinds[] = {
    {"poisson", kRateProcessKeys},   {"constant", kRateProcessKeys},
    {"burst", kBurstProcessKeys},    {"onoff", kOnOffProcessKeys},
    {"ramp", kRampProcessKeys},      {"flash_crowd", kFlashCrowdProcessKeys},
    {"trace", kTraceProcessKeys},    {"closed", kClosedProcessKeys}};
// A closed population is simulated user by user: a bound keeps its memory reasonable.
constexpr std::int64_t kMaxClosedUsers = 1'000'000;

// Script steps: `do` picks the call; each kind lists every key it takes (the tag included).
constexpr std::string_view kPlainStepKeys[] = {"at", "host", "do", "expect"};
constexpr std::string_view kSocketStepKeys[] = {"at", "host", "do", "expect", "type", "as"};
constexpr std::string_view kBindStepKeys[] = {"at", "host", "do", "expect", "socket", "fd", "port", "address"};
constexpr std::string_view kListenStepKeys[] = {"at",     "host", "do",      "expect", "socket",
                                                "fd",     "backlog", "workers", "service"};
constexpr std::string_view kAcceptStepKeys[] = {"at", "host", "do", "expect", "socket", "fd", "as", "blocking"};
constexpr std::string_view kDescriptorStepKeys[] = {"at", "host", "do", "expect", "socket", "fd"};
constexpr TaggedKind kStepKinds[] = {
    {"wsastartup", kPlainStepKeys},    {"wsacleanup", kPlainStepKeys},     {"socket", kSocketStepKeys},
    {"bind", kBindStepKeys},           {"listen", kListenStepKeys},        {"accept", kAcceptStepKeys},
    {"connect", kDescriptorStepKeys},  {"close", kDescriptorStepKeys},     {"net_down", kPlainStepKeys},
    {"net_up", kPlainStepKeys},
};
// Parallel to kStepKinds.
constexpr model::ScriptCall kStepCalls[] = {
    model::ScriptCall::kWsaStartup, model::ScriptCall::kWsaCleanup, model::ScriptCall::kSocket,
    model::ScriptCall::kBind,       model::ScriptCall::kListen,     model::ScriptCall::kAccept,
    model::ScriptCall::kConnect,    model::ScriptCall::kClose,      model::ScriptCall::kNetDown,
    model::ScriptCall::kNetUp,
};
static_assert(std::size(kStepKinds) == std::size(kStepCalls));
constexpr std::string_view kStepExample = "{at: 1s, host: web, do: listen, socket: s, backlog: 5}";
constexpr std::string_view kSocketTypes[] = {"stream", "dgram"};
constexpr model::SocketType kSocketTypeValues[] = {model::SocketType::kStream, model::SocketType::kDgram};

constexpr std::int64_t kMaxPort = 65535;
constexpr std::int64_t kMaxWorkers = 1'000'000;
constexpr std::int64_t kMaxBurstCount = 1'000'000'000;
constexpr std::int64_t kMaxSynRetries = 127;
constexpr std::int64_t kMaxRetries = 1000;
constexpr std::int64_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::string_view kSomaxconnWord = "SOMAXCONN";

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool is_valid_name(std::string_view name) { return !name.empty() && std::all_of(name.begin(), name.end(), is_name_char); }

std::vector<std::string_view> os_names() {
  std::vector<std::string_view> names;
  for (Os os : model::all_oses()) names.push_back(model::os_name(os));
  return names;
}

std::vector<std::string_view> knob_names() {
  std::vector<std::string_view> names;
  for (const model::KnobInfo& k : model::knob_table()) names.push_back(k.name);
  return names;
}

const model::KnobInfo* find_knob(std::string_view name) {
  for (const model::KnobInfo& k : model::knob_table()) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string oses_of(const model::KnobInfo& knob) {
  std::string out;
  for (Os os : model::all_oses()) {
    if (!knob.applies_to(os)) continue;
    if (!out.empty()) out += ", ";
    out += model::os_name(os);
  }
  return out;
}

bool is_windows_only(model::ScriptCall call) {
  return call == model::ScriptCall::kWsaStartup || call == model::ScriptCall::kWsaCleanup;
}

// The names `expect:` takes on a host of `os`: "OK" and error_name() of every SocketError,
// each once. error_name() gives the Winsock name of an error that only Windows has
// (WSANOTINITIALISED, WSAEINPROGRESS) whatever the OS; a POSIX kernel never reports a WSA*
// name, so those are left out for the other OSes.
std::vector<std::string_view> compute_expect_names(Os os) {
  std::vector<std::string_view> names;
  // Every value of the enum's underlying type, so that an error added to SocketError is
  // picked up here; error_name() answers "?" for values that are not errors.
  for (unsigned v = 0; v <= std::numeric_limits<std::uint8_t>::max(); ++v) {
    const auto e = static_cast<model::SocketError>(v);
    const std::string_view name = model::error_name(e, os);
    if (name == "?") continue;
    if (os != Os::kWindows && name.starts_with("WSA")) continue;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

// compute_expect_names, once per OS (a script may have many steps).
const std::vector<std::string_view>& expect_names(Os os) {
  static const std::vector<std::vector<std::string_view>> by_os = [] {
    std::vector<std::vector<std::string_view>> v;
    for (Os o : model::all_oses()) v.push_back(compute_expect_names(o));
    return v;
  }();
  const std::span<const Os> oses = model::all_oses();
  return by_os[static_cast<std::size_t>(std::find(oses.begin(), oses.end(), os) - oses.begin())];
}

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

// What to suggest for an `expect:` name that is not valid on a host of `os`: the same
// error's name on that OS when `typed` is another OS's name for it (EINVAL on Windows ->
// WSAEINVAL, EAGAIN -> WSAEWOULDBLOCK), else the closest spelling.
std::string expect_suggestion(std::string_view typed, Os os, std::span<const std::string_view> valid) {
  for (unsigned v = 0; v <= std::numeric_limits<std::uint8_t>::max(); ++v) {
    const auto e = static_cast<model::SocketError>(v);
    for (Os other : model::all_oses()) {
      if (other == os || model::error_name(e, other) != typed) continue;
      const std::vector<std::string_view>& others = expect_names(other);
      if (std::find(others.begin(), others.end(), typed) == others.end()) continue;
      const std::string_view mine = model::error_name(e, os);
      if (std::find(valid.begin(), valid.end(), mine) != valid.end()) {
        return " (that is the " + std::string(model::os_name(other)) + " name); did you mean " + quote(mine) + "?";
      }
      return " (a " + std::string(model::os_name(other)) + " error that " + std::string(model::os_name(os)) +
             " hosts never report; expected one of: " + join(valid) + ")";
    }
  }
  return suggestion_suffix(typed, valid);
}

// A dotted-quad IPv4 address ("10.0.0.1") as a host-order number. Like inet_pton, exactly
// four decimal parts of 0 ... 255 without leading zeros (which some parsers read as octal).
std::optional<model::Address> parse_ipv4(std::string_view text) {
  model::Address address = 0;
  std::size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
    const std::size_t start = i;
    unsigned value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) {
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
    }
    const std::size_t digits = i - start;
    if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) return std::nullopt;
    address = (address << 8) | value;
  }
  if (i != text.size()) return std::nullopt;
  return address;
}

// The scalar value of `key` in a map node, without any diagnostics (for looking ahead).
std::optional<std::string> raw_scalar(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      if (it->second.IsScalar()) return it->second.Scalar();
      return std::nullopt;
    }
  }
  return std::nullopt;
}

bool before(const YAML::Mark& a, const YAML::Mark& b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

// Whether a scalar starts like a number: such a backlog is read (and judged) as an
// integer, anything else as the SOMAXCONN word.
bool looks_numeric(const YAML::Node& node) {
  if (!node.IsScalar() || node.Scalar().empty()) return false;
  const char c = node.Scalar().front();
  return (c >= '0' && c <= '9') || c == '-' || c == '+';
}

// The format's default, also for a client without `retry:` so the spec reads the same
// either way: no retries, and exponential backoff should `max` be raised (by a sweep).
model::RetrySpec default_retry() {
  model::RetrySpec retry;
  retry.factor = 2.0;
  return retry;
}

// Where the key `key` of a map is written (for errors about the key rather than its value).
YAML::Mark key_mark(const MapReader& m, std::string_view key) {
  for (const MapReader::Entry& e : m.entries()) {
    if (e.key == key) return e.key_mark;
  }
  return m.field().mark;
}

// A `HOST:PORT` value: a client's target, a balancer's backend, a fault's listener.
struct Endpoint {
  std::string text;  // as written
  std::string name;
  int port = 0;
};

// Splits and checks a `HOST:PORT` value; nullopt after reporting. `what` names it ("target").
std::optional<Endpoint> read_endpoint(DiagnosticSink& sink, const Field& f, std::string_view what) {
  const std::string thing(what);
  auto text = read_string(sink, f, "a " + thing + " HOST:PORT");
  if (!text) return std::nullopt;
  const std::size_t colon = text->rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text->size()) {
    sink.error(f.mark, f.path, "expected a " + thing + " HOST:PORT such as web:80, got " + quote(*text));
    return std::nullopt;
  }
  const std::string_view port_text = std::string_view(*text).substr(colon + 1);
  int port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > kMaxPort) {
    sink.error(f.mark, f.path,
               "the port in " + thing + " " + quote(*text) + " must be an integer in [1, " + std::to_string(kMaxPort) +
                   "]");
    return std::nullopt;
  }
  std::string name = text->substr(0, colon);
  return Endpoint{std::move(*text), std::move(name), port};
}

// Hosts, clients, balancers and routers: the nodes of the network graph.
std::uint64_t network_nodes(const model::ScenarioSpec& spec) {
  const std::size_t routers = spec.network ? spec.network->routers.size() : 0;
  return spec.hosts.size() + spec.clients.size() + spec.balancers.size() + routers;
}

// What model::Network::build's shortest-path searches cost: one per client group and per
// balancer, each over every node and link.
std::uint64_t routing_work(const model::ScenarioSpec& spec) {
  if (!spec.network) return 0;
  return (spec.clients.size() + spec.balancers.size()) * (network_nodes(spec) + spec.network->links.size());
}

class ScenarioReader {
 public:
  ScenarioReader(DiagnosticSink& sink, std::filesystem::path base_dir) : sink_(sink), base_dir_(std::move(base_dir)) {}

  std::optional<model::ScenarioSpec> read(const YAML::Node& root, std::string_view default_name);

 private:
  void read_top(MapReader& top, std::string_view default_name);
  void read_hosts(const Field& f);
  model::HostSpec read_host(const MapReader::Entry& entry, bool& listeners_complete);
  std::optional<Os> read_os(const Field& f);
  void read_kernel(const Field& f, std::optional<Os> os, model::KernelKnobs& knobs);
  void read_listeners(const Field& f, model::HostSpec& host, bool& listeners_complete, bool may_be_empty);
  void read_workers_and_service(MapReader& m, bool workers_required, int& workers, sim::DurationDist& service);
  std::optional<model::BacklogRequest> read_backlog(const Field& f);
  std::optional<sim::DurationDist> read_distribution(const Field& f);
  std::optional<double> read_pareto_shape(const Field& f);
  void read_clients(const Field& f);
  model::ClientSpec read_client(const MapReader::Entry& entry);
  void resolve_target(const Field& f, model::ClientSpec& client);
  void reject_for_spoofed(const MapReader& m);
  bool check_listening(const Field& f, std::size_t host, int port);
  std::string port_list(std::size_t host, bool with_script) const;
  std::optional<model::ArrivalSpec> read_arrivals(const Field& f);
  std::optional<model::ArrivalSpec> read_onoff(MapReader& m);
  std::optional<model::ArrivalSpec> read_ramp(MapReader& m);
  std::optional<model::ArrivalSpec> read_flash_crowd(MapReader& m);
  std::optional<model::ArrivalSpec> read_trace(MapReader& m);
  std::optional<model::ArrivalSpec> read_closed(MapReader& m);
  model::RetrySpec read_retry(const Field& f);
  void read_balancers(const Field& f);
  model::BalancerSpec read_balancer(const MapReader::Entry& entry);
  std::optional<model::BackendRef> read_backend(const Field& f);
  std::optional<std::size_t> find_balancer(std::string_view name) const;
  void read_faults(const Field& f);
  std::optional<model::FaultSpec> read_fault(const Field& e);
  bool read_fault_listener(const Field& f, model::FaultSpec& fault);
  bool read_fault_target(MapReader& m, std::optional<std::size_t> kind, model::FaultSpec& fault);
  void resolve_link_faults();
  void report_name_clash(const YAML::Mark& mark, const std::string& path, std::string_view name,
                         std::string_view kind);
  void read_network(const Field& f);
  std::optional<std::string> read_router(const Field& f, const NameList& routers);
  std::optional<std::string> read_link_end(const Field& f, const NameList& routers);
  std::optional<model::LinkSpec> read_link(const Field& f, const NameList& routers);
  std::string_view node_kind(std::string_view name, const NameList& routers) const;
  void check_reachable();
  bool check_routes(const Field& clients);
  bool check_routing_work(const Field& network);
  void check_name(const MapReader::Entry& entry, std::string_view kind);
  std::optional<std::size_t> find_host(std::string_view name) const;
  std::string unknown_host(std::string_view name, std::string_view context = {}, bool or_balancer = false) const;
  void read_script(const Field& f);
  void read_step(const Field& e, std::vector<NameList>& names);
  void read_descriptor(MapReader& m, model::ScriptStep& step, const NameList* defined);
  bool has_listener(std::size_t host, int port) const { return listener_ports_.contains({host, port}); }
  bool script_binds(std::size_t host, int port) const { return bound_ports_.contains({host, port}); }
  std::optional<std::string> read_descriptor_name(const Field& f);
  void read_expect(const Field& f, model::ScriptStep& step, bool os_known);

  DiagnosticSink& sink_;
  std::filesystem::path base_dir_;  // files the scenario names (traces) are relative to it
  model::ScenarioSpec spec_;
  std::optional<sim::Duration> duration_;  // when valid: later checks compare with it
  // Parallel to spec_.hosts: false when a listener (or a script step on the host) could not
  // be read, so that a client aiming at a port the host does not seem to have is not
  // blamed for the host's error.
  std::vector<bool> ports_complete_;
  // Parallel to spec_.hosts: whether the host's `os` was read (else `expect:` names and
  // Windows-only steps are not judged against a guess).
  std::vector<bool> os_known_;
  // Parallel to spec_.hosts: the ports the script's bind steps name, in file order.
  std::vector<std::vector<int>> script_ports_;
  // The same, and the ports of the hosts' listeners, as (host, port) for lookups.
  std::set<std::pair<std::size_t, int>> bound_ports_;
  std::set<std::pair<std::size_t, int>> listener_ports_;
  // Names to indexes into spec_.hosts, spec_.balancers and spec_.clients, filled as they
  // are read: lookups stay fast however many there are.
  std::map<std::string, std::size_t, std::less<>> host_index_;
  std::map<std::string, std::size_t, std::less<>> balancer_index_;
  std::map<std::string, std::size_t, std::less<>> client_index_;
  // Accepted faults by listener (host, port), by start time: indexes into spec_.faults.
  std::map<std::pair<std::size_t, int>, std::map<sim::Time, std::size_t>> faults_by_listener_;
  // link_down faults, by index into spec_.faults, with their `link:` (two node names), to
  // be matched with a link once the network is read.
  std::vector<std::pair<std::size_t, Field>> link_faults_;
  std::optional<Field> fault_link_;  // the `link:` of the link_down fault read last
  bool network_complete_ = false;    // network: was read without an error
  // The hosts the script's steps name, looked up before the hosts are read: such a host
  // may go without listeners.
  std::set<std::string, std::less<>> scripted_hosts_;
  // The keys of `clients:`, looked up before the script is read (for its messages).
  std::vector<std::string> client_names_;
  // Parallel to spec_.clients: the `target` value, when it named a host and port that exist
  // (the network's reachability errors point there).
  std::vector<std::optional<Field>> client_targets_;
  // Whether two network nodes (hosts, clients, balancers, routers) were given the same name.
  bool node_names_clash_ = false;
  // The keys of `balancers:`, looked up before the script is read (for its messages).
  std::vector<std::string> balancer_names_;
  // Parallel to spec_.balancers, each parallel to its backends: the entries of `backends:`
  // (the network's reachability errors point there).
  std::vector<std::vector<Field>> backend_fields_;
  // Whether `balancers:` was read without an error (else routing is not judged).
  bool balancers_complete_ = true;
  // Whether the client groups' routes are within kMaxRoutes (else routing is not tried).
  bool routes_bounded_ = true;
};

std::optional<model::ScenarioSpec> ScenarioReader::read(const YAML::Node& root, std::string_view default_name) {
  const std::size_t errors_before = sink_.count();
  const Field top_field = root_field(root);
  if (root.IsNull()) {
    sink_.error(top_field.mark, "",
                "the file is empty: a scenario is a map with at least `duration` and `hosts` "
                "(see docs/scenario-format.md)");
    return std::nullopt;
  }
  if (!root.IsMap()) {
    sink_.error(top_field.mark, "",
                "expected a scenario, a map with keys " + join(kTopKeys) + "; got " + describe(root));
    return std::nullopt;
  }
  MapReader top(sink_, top_field, kTopKeys);
  read_top(top, default_name);
  if (sink_.count() != errors_before) return std::nullopt;
  return std::move(spec_);
}

void ScenarioReader::read_top(MapReader& top, std::string_view default_name) {
  spec_.name = default_name.empty() ? "scenario" : std::string(default_name);
  if (const auto f = top.get("name")) {
    if (const auto name = read_string(sink_, *f, "a scenario name")) {
      if (name->empty()) sink_.error(f->mark, f->path, "the scenario name must not be empty");
      spec_.name = *name;
    }
  }
  if (const auto f = top.get("seed")) {
    if (const auto seed = read_unsigned64(sink_, *f)) spec_.seed = *seed;
  }
  if (const auto f = top.require("duration")) {
    duration_ = read_duration(sink_, *f, DurationRange::positive());
    if (duration_) spec_.duration = *duration_;
  }
  // The default never exceeds a short run's duration: only a value the user wrote can be wrong.
  spec_.sample_interval = std::min(sim::milliseconds(100), spec_.duration);
  if (const auto f = top.get("sample_interval")) {
    if (const auto interval = read_duration(sink_, *f, DurationRange::positive())) {
      spec_.sample_interval = *interval;
      if (duration_ && *interval > *duration_) {
        sink_.error(f->mark, f->path,
                    "sample_interval (" + sim::format_duration(*interval) + ") must not exceed duration (" +
                        sim::format_duration(*duration_) + ")");
      }
    }
  }
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
  if (const auto f = top.require("hosts")) read_hosts(*f);
  // Before the balancers and clients: a backend or a target may be a port that only the
  // script binds.
  if (script) read_script(*script);
  // Before the clients: a client may target a balancer.
  if (const auto f = top.get("balancers")) read_balancers(*f);
  if (const auto f = top.get("clients")) read_clients(*f);
  if (const auto f = top.get("faults")) read_faults(*f);
  // After hosts, balancers and clients: links name them.
  // Before the network's reachability check builds the routes.
  if (const auto f = top.get("clients"); f && sink_.count() == 0) routes_bounded_ = check_routes(*f);
  if (const auto f = top.get("network")) read_network(*f);
  resolve_link_faults();
}

void ScenarioReader::check_name(const MapReader::Entry& entry, std::string_view kind) {
  if (!is_valid_name(entry.key)) {
    sink_.error(entry.key_mark, entry.value.path,
                "invalid " + std::string(kind) + " name " + quote(entry.key) +
                    ": names use only letters, digits, '_' and '-' (a '.' would make key paths such as hosts.NAME.listeners ambiguous)");
  }
}

void ScenarioReader::read_hosts(const Field& f) {
  const MapReader hosts = MapReader::of_names(sink_, f);
  if (!hosts.is_map()) return;
  if (hosts.entries().empty()) sink_.error(f.mark, f.path, "a scenario needs at least one host");
  for (const MapReader::Entry& entry : hosts.entries()) {
    check_name(entry, "host");
    bool listeners_complete = true;
    host_index_.emplace(entry.key, spec_.hosts.size());
    spec_.hosts.push_back(read_host(entry, listeners_complete));
    ports_complete_.push_back(listeners_complete);
    script_ports_.emplace_back();
  }
}

model::HostSpec ScenarioReader::read_host(const MapReader::Entry& entry, bool& listeners_complete) {
  model::HostSpec host;
  host.name = entry.key;
  MapReader m(sink_, entry.value, kHostKeys);
  if (!m.is_map()) {
    listeners_complete = false;
    os_known_.push_back(false);
    return host;
  }
  std::optional<Os> os = Os::kLinux;
  if (const auto f = m.get("os")) os = read_os(*f);
  host.os = os.value_or(Os::kLinux);
  os_known_.push_back(os.has_value());
  host.kernel = model::default_knobs(host.os);
  if (const auto f = m.get("kernel")) read_kernel(*f, os, host.kernel);
  if (const auto f = m.get("max_sockets")) {
    if (const auto v = read_integer(sink_, *f, 1)) host.max_sockets = *v;
  }
  if (const auto f = m.get("socket_buffers")) {
    if (const auto v = read_integer(sink_, *f, 1)) host.socket_buffers = *v;
  }
  // A host does something only through its listeners or the script's steps on it.
  const bool scripted = scripted_hosts_.contains(host.name);
  if (scripted) {
    if (const auto f = m.get("listeners")) read_listeners(*f, host, listeners_complete, true);
  } else if (const auto f = m.require("listeners", "unless a script step acts on the host")) {
    read_listeners(*f, host, listeners_complete, false);
  } else {
    listeners_complete = false;
  }
  return host;
}

std::optional<Os> ScenarioReader::read_os(const Field& f) {
  const std::vector<std::string_view> names = os_names();
  const auto index = read_choice(sink_, f, "os", names);
  if (!index) return std::nullopt;
  return model::all_oses()[*index];
}

// `os` is nullopt when the host's os was invalid: values are still checked, applicability not.
void ScenarioReader::read_kernel(const Field& f, std::optional<Os> os, model::KernelKnobs& knobs) {
  const MapReader kernel = MapReader::of_names(sink_, f);
  const std::vector<std::string_view> names = knob_names();
  for (const MapReader::Entry& entry : kernel.entries()) {
    const model::KnobInfo* knob = find_knob(entry.key);
    if (knob == nullptr) {
      // Users often write the sysctl's full name: suggest from its last component.
      const std::string_view key = entry.key;
      const std::string_view last = key.substr(key.rfind('.') + 1);
      sink_.error(entry.key_mark, entry.value.path,
                  "unknown kernel knob " + quote(key) + suggestion_suffix(last, names));
      continue;
    }
    if (os && !knob->applies_to(*os)) {
      sink_.error(entry.key_mark, entry.value.path,
                  "knob " + quote(knob->name) + " does not apply to " + std::string(model::os_name(*os)) +
                      " hosts (it applies to: " + oses_of(*knob) + ")");
      continue;
    }
    switch (knob->kind) {
      case model::KnobInfo::Kind::kInteger:
        if (const auto v = read_integer(sink_, entry.value, knob->min, knob->max)) knobs.*(knob->integer) = *v;
        break;
      case model::KnobInfo::Kind::kDuration: {
        const DurationRange range{sim::Duration::from_ns(knob->min), sim::Duration::from_ns(knob->max)};
        if (const auto v = read_duration(sink_, entry.value, range)) knobs.*(knob->duration) = *v;
        break;
      }
    }
  }
}

void ScenarioReader::read_listeners(const Field& f, model::HostSpec& host, bool& listeners_complete,
                                    bool may_be_empty) {
  if (!expect_sequence(sink_, f, "listeners")) {
    listeners_complete = false;
    return;
  }
  if (f.node.size() == 0 && !may_be_empty) {
    sink_.error(f.mark, f.path, "a host needs at least one listener (or a script step that acts on it)");
  }
  std::map<int, std::string> path_of_port;  // the listener that took each port, for duplicate messages
  for (std::size_t i = 0; i < f.node.size(); ++i) {
    const Field e = element(f, i);
    MapReader m(sink_, e, kListenerKeys);
    if (!m.is_map()) {
      listeners_complete = false;
      continue;
    }
    model::ListenerSpec listener;
    std::optional<std::int64_t> port;
    if (const auto pf = m.require("port")) {
      port = read_integer(sink_, *pf, 1, kMaxPort);
      if (port) {
        if (const auto dup = path_of_port.find(static_cast<int>(*port)); dup != path_of_port.end()) {
          sink_.error(pf->mark, pf->path,
                      "port " + std::to_string(*port) + " is already used by " + dup->second +
                          " (ports are unique within a host)");
        }
      }
    }
    if (const auto bf = m.require("backlog")) {
      if (const auto backlog = read_backlog(*bf)) listener.backlog = *backlog;
    }
    read_workers_and_service(m, true, listener.workers, listener.service);
    if (!port) {
      listeners_complete = false;
      continue;
    }
    listener.port = static_cast<int>(*port);
    host.listeners.push_back(std::move(listener));
    path_of_port.emplace(listener.port, e.path);
    listener_ports_.emplace(spec_.hosts.size(), listener.port);  // this host is pushed next
  }
}

void ScenarioReader::read_workers_and_service(MapReader& m, bool workers_required, int& workers_out,
                                              sim::DurationDist& service_out) {
  std::optional<std::int64_t> workers;
  const auto wf = workers_required ? m.require("workers") : m.get("workers");
  if (wf) {
    workers = read_integer(sink_, *wf, 0, kMaxWorkers);
    if (workers) workers_out = static_cast<int>(*workers);
  }
  std::optional<Field> service = m.get("service");
  // A listener nobody accepts on serves nothing, so only workers > 0 needs a service time.
  if (!service && workers && *workers > 0) service = m.require("service", "when workers > 0");
  if (service) {
    if (const auto dist = read_distribution(*service)) service_out = *dist;
  }
}

std::optional<model::BacklogRequest> ScenarioReader::read_backlog(const Field& f) {
  using Kind = model::BacklogRequest::Kind;
  if (f.node.IsMap()) {
    MapReader m(sink_, f, kBacklogHintKeys);
    const auto hint = m.require("somaxconn_hint");
    if (!hint) return std::nullopt;
    const auto n = read_integer(sink_, *hint, 0, kInt32Max);
    if (!n) return std::nullopt;
    return model::BacklogRequest{Kind::kHint, *n};
  }
  if (looks_numeric(f.node)) {
    // Any int32 is a legal listen() argument; clamping it is the personality's job.
    const auto n = read_integer(sink_, f, kInt32Min, kInt32Max);
    if (!n) return std::nullopt;
    return model::BacklogRequest{Kind::kValue, *n};
  }
  if (f.node.IsScalar() && f.node.Scalar() == kSomaxconnWord) return model::BacklogRequest{Kind::kSomaxconn, 0};
  std::string message = "expected an integer, SOMAXCONN or {somaxconn_hint: N}, got " + describe(f.node);
  if (f.node.IsScalar()) {
    const std::string_view words[] = {kSomaxconnWord};
    if (!closest_match(f.node.Scalar(), words).empty()) message += "; did you mean \"SOMAXCONN\"?";
  }
  sink_.error(f.mark, f.path, message);
  return std::nullopt;
}

std::optional<sim::DurationDist> ScenarioReader::read_distribution(const Field& f) {
  auto tagged = read_tagged(sink_, f, "dist", kDistKinds, "{dist: exponential, mean: 5ms}");
  if (!tagged) return std::nullopt;
  MapReader& m = tagged->reader;
  const auto positive = DurationRange::positive();
  const auto duration_of = [&](std::string_view key, DurationRange range) -> std::optional<sim::Duration> {
    const auto field = m.require(key);
    return field ? read_duration(sink_, *field, range) : std::nullopt;
  };
  switch (static_cast<DistKind>(tagged->kind)) {
    case kConstant: {
      const auto value = duration_of("value", {});
      if (value) return sim::ConstantDist{*value};
      return std::nullopt;
    }
    case kExponential: {
      const auto mean = duration_of("mean", positive);
      if (mean) return sim::ExponentialDist{*mean};
      return std::nullopt;
    }
    case kUniform: {
      const auto min = duration_of("min", {});
      const auto max = duration_of("max", {});
      if (!min || !max) return std::nullopt;
      if (*min > *max) {
        const Field max_field = *m.get("max");
        sink_.error(max_field.mark, max_field.path,
                    "max (" + sim::format_duration(*max) + ") must be >= min (" + sim::format_duration(*min) + ")");
        return std::nullopt;
      }
      return sim::UniformDist{*min, *max};
    }
    case kLognormal: {
      const auto mean = duration_of("mean", positive);
      const auto stddev = duration_of("stddev", {});
      if (mean && stddev) return sim::LognormalDist::from_mean_stddev(*mean, *stddev);
      return std::nullopt;
    }
    case kPareto: {
      const auto mean = duration_of("mean", positive);
      const auto sf = m.require("shape");
      const auto shape = sf ? read_pareto_shape(*sf) : std::nullopt;
      if (mean && shape) return sim::ParetoDist::from_mean_shape(*mean, *shape);
      return std::nullopt;
    }
    case kEmpirical: {
      const auto vf = m.require("values");
      if (!vf || !expect_sequence(sink_, *vf, "durations")) return std::nullopt;
      if (vf->node.size() == 0) {
        sink_.error(vf->mark, vf->path, "an empirical distribution needs at least one value");
        return std::nullopt;
      }
      sim::EmpiricalDist dist;
      bool all_read = true;
      for (std::size_t i = 0; i < vf->node.size(); ++i) {
        const auto v = read_duration(sink_, element(*vf, i));
        if (v) dist.values.push_back(*v);
        all_read = all_read && v.has_value();
      }
      if (!all_read) return std::nullopt;
      return dist;
    }
  }
  return std::nullopt;
}

std::optional<double> ScenarioReader::read_pareto_shape(const Field& f) {
  const auto shape = read_number(sink_, f, NumberRange{});
  if (!shape || *shape > 1) return shape;
  // Checked here rather than by the range so the message can say why.
  sink_.error(f.mark, f.path,
              "expected a number > 1, got " + shown(f.node.Scalar()) + ": a Pareto with shape <= 1 has no finite mean");
  return std::nullopt;
}

void ScenarioReader::read_clients(const Field& f) {
  const MapReader clients = MapReader::of_names(sink_, f);
  for (const MapReader::Entry& entry : clients.entries()) {
    check_name(entry, "client");
    // Hosts, balancers and clients are all nodes of the network graph, named in its links.
    if (find_host(entry.key)) {
      report_name_clash(entry.key_mark, entry.value.path, entry.key, "host");
    } else if (find_balancer(entry.key)) {
      report_name_clash(entry.key_mark, entry.value.path, entry.key, "balancer");
    }
    client_targets_.emplace_back();
    client_index_.emplace(entry.key, spec_.clients.size());
    spec_.clients.push_back(read_client(entry));
  }
}

model::ClientSpec ScenarioReader::read_client(const MapReader::Entry& entry) {
  model::ClientSpec client;
  client.name = entry.key;
  client.retry = default_retry();
  MapReader m(sink_, entry.value, kClientKeys);
  if (!m.is_map()) return client;
  if (const auto f = m.get("spoofed")) client.spoofed = read_bool(sink_, *f).value_or(false);
  if (const auto f = m.get("os")) client.os = read_os(*f).value_or(Os::kLinux);
  if (const auto f = m.require("target")) resolve_target(*f, client);
  if (const auto f = m.require("arrivals")) {
    if (const auto arrivals = read_arrivals(*f)) {
      client.arrivals = *arrivals;
      if (client.spoofed && std::holds_alternative<model::ClosedLoopArrivals>(*arrivals)) {
        // At the `process` value. (Not by assigning Fields: YAML::Node's operator= writes
        // into the node it refers to.)
        std::optional<Field> process;
        for (auto it = f->node.begin(); it != f->node.end() && !process; ++it) {
          if (it->first.IsScalar() && it->first.Scalar() == "process") {
            process.emplace(Field{it->second, it->second.Mark(), child_path(f->path, "process")});
          }
        }
        if (!process) process.emplace(*f);
        sink_.error(process->mark, process->path,
                    "a spoofed client cannot be a closed population: spoofed sources are not users, and no "
                    "connection of theirs ever completes to end a think-connect cycle (use an open process such as "
                    "poisson)");
      }
    }
  }
  if (client.spoofed) {
    reject_for_spoofed(m);
    return client;
  }
  if (const auto f = m.get("syn_retries")) {
    if (const auto v = read_integer(sink_, *f, 0, kMaxSynRetries)) client.syn_retries = static_cast<int>(*v);
  }
  if (const auto f = m.get("connect_timeout")) {
    if (const auto v = read_duration(sink_, *f, DurationRange::positive())) client.connect_timeout = *v;
  }
  if (const auto f = m.get("retry")) client.retry = read_retry(*f);
  return client;
}

void ScenarioReader::resolve_target(const Field& f, model::ClientSpec& client) {
  const auto target = read_endpoint(sink_, f, "target");
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
    client_targets_.back() = f;
    return;
  }
  if (!host) {
    sink_.error(f.mark, f.path, unknown_host(target->name, " in target " + quote(target->text), true));
    return;
  }
  if (!check_listening(f, *host, target->port)) return;
  client.target_host = *host;
  client.target_port = target->port;
  client_targets_.back() = f;
}

// A spoofed group makes no connect() calls: the keys that shape them are errors.
void ScenarioReader::reject_for_spoofed(const MapReader& m) {
  for (const SpoofedExclusion& x : kNotForSpoofed) {
    if (const auto f = m.get(x.key)) {
      sink_.error(key_mark(m, x.key), f->path,
                  "a spoofed client takes no " + std::string(x.key) + ": " + std::string(x.why));
    }
  }
}

// Whether a client can connect to `port` of `host`: a port of one of its listeners or one its
// script binds. Reports at `f` when it is not, unless the host's ports could not all be read
// (then it may well have that port: false without a word).
bool ScenarioReader::check_listening(const Field& f, std::size_t host, int port) {
  if (has_listener(host, port) || script_binds(host, port)) return true;
  if (!ports_complete_[host]) return false;
  sink_.error(f.mark, f.path,
              "host " + quote(spec_.hosts[host].name) + " has no listener on port " + std::to_string(port) +
                  " (it listens on: " + port_list(host, true) + ")");
  return false;
}

// The ports of `host`'s listeners, then (with_script) those its script binds, each once:
// "80, 443", or "nothing".
std::string ScenarioReader::port_list(std::size_t host, bool with_script) const {
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

std::optional<std::size_t> ScenarioReader::find_host(std::string_view name) const {
  const auto it = host_index_.find(name);
  if (it == host_index_.end()) return std::nullopt;
  return it->second;
}

// "unknown host NAME" + context, with a "did you mean" or the list of hosts; with
// `or_balancer` (and balancers in the file), "unknown host or balancer NAME" over both.
std::string ScenarioReader::unknown_host(std::string_view name, std::string_view context, bool or_balancer) const {
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

void ScenarioReader::read_script(const Field& f) {
  if (!expect_sequence(sink_, f, "script steps")) return;
  // Per host: the descriptor names the steps so far (in file order) have defined with `as`.
  std::vector<NameList> names(spec_.hosts.size());
  for (std::size_t i = 0; i < f.node.size(); ++i) read_step(element(f, i), names);
}

void ScenarioReader::read_step(const Field& e, std::vector<NameList>& names) {
  auto tagged = read_tagged(sink_, e, "do", kStepKinds, kStepExample);
  if (!tagged) {
    // The step may have been the bind a client's target relies on.
    if (const auto name = raw_scalar(e.node, "host")) {
      if (const auto h = find_host(*name)) ports_complete_[*h] = false;
    }
    return;
  }
  MapReader& m = tagged->reader;
  model::ScriptStep step;
  step.call = kStepCalls[tagged->kind];
  step.line = e.mark.line + 1;

  if (const auto af = m.require("at")) {
    if (const auto at = read_duration(sink_, *af)) {
      step.at = sim::Time::zero() + *at;
      if (duration_ && *at >= *duration_) {
        sink_.error(af->mark, af->path,
                    "the step at " + sim::format_duration(*at) + " would run after the run ends (duration " +
                        sim::format_duration(*duration_) + ")");
      }
    }
  }
  std::optional<std::size_t> host;
  if (const auto hf = m.require("host")) {
    if (const auto name = read_string(sink_, *hf, "a host name")) {
      host = find_host(*name);
      if (!host) {
        std::string message = unknown_host(*name);
        if (std::find(client_names_.begin(), client_names_.end(), *name) != client_names_.end()) message += " (script steps run on hosts; " + quote(*name) + " is a client)";
        if (std::find(balancer_names_.begin(), balancer_names_.end(), *name) != balancer_names_.end()) {
          message += " (script steps run on hosts; " + quote(*name) + " is a balancer)";
        }
        sink_.error(hf->mark, hf->path, message);
      }
    }
  }
  if (host) step.host = *host;
  const bool os_known = host && os_known_[*host];

  if (is_windows_only(step.call) && os_known && spec_.hosts[*host].os != Os::kWindows) {
    const Field df = *m.get("do");
    sink_.error(df.mark, df.path,
                std::string(kStepKinds[tagged->kind].name) + " applies to windows hosts; host " +
                    quote(spec_.hosts[*host].name) + " is " + std::string(model::os_name(spec_.hosts[*host].os)));
  }

  const NameList* defined = host ? &names[*host] : nullptr;
  std::optional<std::string> as;
  switch (step.call) {
    case model::ScriptCall::kSocket: {
      if (const auto tf = m.get("type")) {
        if (const auto t = read_choice(sink_, *tf, "socket type", kSocketTypes)) step.type = kSocketTypeValues[*t];
      }
      if (const auto af = m.require("as")) as = read_descriptor_name(*af);
      break;
    }
    case model::ScriptCall::kBind: {
      read_descriptor(m, step, defined);
      const auto pf = m.require("port");
      const auto port = pf ? read_integer(sink_, *pf, 1, kMaxPort) : std::nullopt;
      if (port) {
        step.port = static_cast<int>(*port);
        if (host) {
          script_ports_[*host].push_back(step.port);
          bound_ports_.emplace(*host, step.port);
        }
      } else if (host) {
        ports_complete_[*host] = false;
      }
      if (const auto af = m.get("address")) {
        if (const auto text = read_string(sink_, *af, "an IPv4 address such as 10.0.0.1")) {
          if (const auto address = parse_ipv4(*text)) {
            step.address = *address;
          } else {
            sink_.error(af->mark, af->path,
                        "expected an IPv4 address such as 10.0.0.1 or 0.0.0.0 (any), got " + quote(*text));
          }
        }
      }
      break;
    }
    case model::ScriptCall::kListen: {
      read_descriptor(m, step, defined);
      if (const auto bf = m.require("backlog")) {
        if (const auto backlog = read_backlog(*bf)) step.backlog = *backlog;
      }
      read_workers_and_service(m, false, step.workers, step.service);
      break;
    }
    case model::ScriptCall::kAccept: {
      read_descriptor(m, step, defined);
      if (const auto af = m.get("as")) as = read_descriptor_name(*af);
      if (const auto bf = m.get("blocking")) step.blocking = read_bool(sink_, *bf).value_or(false);
      break;
    }
    case model::ScriptCall::kConnect:
    case model::ScriptCall::kClose:
      read_descriptor(m, step, defined);
      break;
    case model::ScriptCall::kWsaStartup:
    case model::ScriptCall::kWsaCleanup:
    case model::ScriptCall::kNetDown:
    case model::ScriptCall::kNetUp:
      break;
  }
  if (as) {
    step.as = *as;
    // Defined from here on (in file order); naming it again rebinds it.
    if (host) names[*host].add(*as);
  }
  if (const auto xf = m.get("expect")) read_expect(*xf, step, os_known);
  spec_.script.push_back(std::move(step));
}

// `socket: NAME` or `fd: N`, exactly one. `defined` lists the names the host's earlier
// steps defined; nullptr when the step's host is unknown (a name is then not judged).
void ScenarioReader::read_descriptor(MapReader& m, model::ScriptStep& step, const NameList* defined) {
  const auto sf = m.get("socket");
  const auto ff = m.get("fd");
  if (sf && ff) {
    const Field& second = before(sf->mark, ff->mark) ? *ff : *sf;
    sink_.error(second.mark, second.path,
                "give either socket (a name from an earlier step's as:) or fd (a descriptor number), not both");
  } else if (!sf && !ff) {
    m.require("socket", "unless fd is given");
  }
  if (sf) {
    if (const auto name = read_string(sink_, *sf, "a descriptor name")) {
      step.socket = *name;
      if (defined && !defined->contains(*name)) {
        const std::string& host_name = spec_.hosts[step.host].name;
        std::string message = "unknown socket " + quote(*name) + " on host " + quote(host_name);
        const std::vector<std::string_view> candidates(defined->in_order().begin(), defined->in_order().end());
        const std::string_view match = closest_match(*name, candidates);
        if (!match.empty()) {
          message += "; did you mean " + quote(match) + "?";
        } else if (candidates.empty()) {
          message += " (no earlier step on this host names a descriptor with as:)";
        } else {
          message += " (names defined by earlier steps on this host: " + join_some(candidates) + ")";
        }
        sink_.error(sf->mark, sf->path, message);
      }
    }
  }
  if (ff) {
    if (const auto fd = read_integer(sink_, *ff)) step.fd = *fd;
  }
}

std::optional<std::string> ScenarioReader::read_descriptor_name(const Field& f) {
  auto name = read_string(sink_, f, "a descriptor name");
  if (name && !is_valid_name(*name)) {
    sink_.error(f.mark, f.path,
                "invalid descriptor name " + quote(*name) + ": names use only letters, digits, '_' and '-'");
  }
  return name;
}

void ScenarioReader::read_expect(const Field& f, model::ScriptStep& step, bool os_known) {
  const auto text = read_string(sink_, f, "OK or an error name such as EINVAL");
  if (!text) return;
  step.expect = *text;
  if (!os_known) return;
  const Os os = spec_.hosts[step.host].os;
  const std::vector<std::string_view>& valid = expect_names(os);
  if (std::find(valid.begin(), valid.end(), *text) != valid.end()) return;
  sink_.error(f.mark, f.path,
              "unknown result " + quote(*text) + " for " + std::string(model::os_name(os)) + " host " +
                  quote(spec_.hosts[step.host].name) + expect_suggestion(*text, os, valid));
}

// ---- arrival processes --------------------------------------------------------------

// Whether the count of a rate (before its '/') is written as zero: "0", "0.0", ".0".
bool is_zero_count(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return !text.empty() && text.find_first_not_of("0.") == std::string_view::npos &&
         text.find('0') != std::string_view::npos && text.find('.') == text.rfind('.');
}

// A rate that may be zero ("0/s"). read_rate refuses zero, which would make a whole process
// silent; one phase of a process (onoff's off state, a ramp's end) may well be.
std::optional<double> read_rate_or_zero(DiagnosticSink& sink, const Field& f) {
  if (f.node.IsScalar()) {
    const std::string& text = f.node.Scalar();
    const std::size_t slash = text.find('/');
    if (slash != std::string::npos && is_zero_count(std::string_view(text).substr(0, slash)) &&
        parse_rate("1/" + text.substr(slash + 1)).ok()) {
      return 0.0;
    }
  }
  return read_rate(sink, f);
}

enum class ZeroRate : bool { kRefused, kAllowed };

// The rate under `key`: when the key is absent, `fallback`, or a "missing key" error if none.
std::optional<double> rate_key(DiagnosticSink& sink, MapReader& m, std::string_view key, ZeroRate zero,
                               std::optional<double> fallback = std::nullopt) {
  const auto f = fallback ? m.get(key) : m.require(key);
  if (!f) return fallback;
  return zero == ZeroRate::kAllowed ? read_rate_or_zero(sink, *f) : read_rate(sink, *f);
}

// The duration under `key`, in `range`: when absent, `fallback`, or a "missing key" error if none.
std::optional<sim::Duration> duration_key(DiagnosticSink& sink, MapReader& m, std::string_view key,
                                          DurationRange range, std::optional<sim::Duration> fallback = std::nullopt) {
  const auto f = fallback ? m.get(key) : m.require(key);
  if (!f) return fallback;
  return read_duration(sink, *f, range);
}

std::string rate_text(double per_s) { return sim::format_number(per_s) + "/s"; }

// A file name in a message: quoted and escaped like any text, but not shortened.
std::string quote_path(const std::string& path) { return quote(path, 1024); }

// `what` (at `f`) starts at `at`: an error when that is not before the run's end.
void check_starts_before_end(DiagnosticSink& sink, const Field& f, sim::Duration at, std::optional<sim::Duration> run,
                             std::string_view what) {
  if (!run || at < *run) return;
  sink.error(f.mark, f.path,
             std::string(what) + " at " + sim::format_duration(at) + " would start after the run ends (duration " +
                 sim::format_duration(*run) + ")");
}

std::optional<model::ArrivalSpec> ScenarioReader::read_arrivals(const Field& f) {
  auto tagged = read_tagged(sink_, f, "process", kProcessKinds, "{process: poisson, rate: 1500/s}");
  if (!tagged) return std::nullopt;
  MapReader& m = tagged->reader;
  switch (static_cast<ProcessKind>(tagged->kind)) {
    case kPoisson:
    case kConstantRate: {
      const auto rf = m.require("rate");
      const auto rate = rf ? read_rate(sink_, *rf) : std::nullopt;
      if (!rate) return std::nullopt;
      if (tagged->kind == kPoisson) return model::PoissonArrivals{*rate};
      return model::ConstantArrivals{*rate};
    }
    case kBurst: {
      model::BurstArrivals burst;
      const auto cf = m.require("count");
      const auto count = cf ? read_integer(sink_, *cf, 1, kMaxBurstCount) : std::nullopt;
      bool ok = count.has_value();
      if (count) burst.count = *count;
      if (const auto af = m.get("at")) {
        const auto at = read_duration(sink_, *af);
        ok = ok && at.has_value();
        if (at) burst.at = sim::Time::zero() + *at;
        if (at) check_starts_before_end(sink_, *af, *at, duration_, "the burst");
      }
      if (const auto of = m.get("over")) {
        const auto over = read_duration(sink_, *of);
        ok = ok && over.has_value();
        if (over) burst.over = *over;
      }
      if (!ok) return std::nullopt;
      return burst;
    }
    case kOnOff:
      return read_onoff(m);
    case kRamp:
      return read_ramp(m);
    case kFlashCrowd:
      return read_flash_crowd(m);
    case kTrace:
      return read_trace(m);
    case kClosed:
      return read_closed(m);
  }
  return std::nullopt;
}

std::optional<model::ArrivalSpec> ScenarioReader::read_onoff(MapReader& m) {
  const auto on_rate = rate_key(sink_, m, "rate", ZeroRate::kRefused);
  const auto off_rate = rate_key(sink_, m, "off_rate", ZeroRate::kAllowed, 0.0);
  const auto on = duration_key(sink_, m, "on", DurationRange::positive());
  const auto off = duration_key(sink_, m, "off", DurationRange::positive());
  if (!on_rate || !off_rate || !on || !off) return std::nullopt;
  return model::OnOffArrivals{*on_rate, *off_rate, *on, *off};
}

std::optional<model::ArrivalSpec> ScenarioReader::read_ramp(MapReader& m) {
  const auto from = rate_key(sink_, m, "from", ZeroRate::kAllowed);
  const auto to = rate_key(sink_, m, "to", ZeroRate::kAllowed);
  const auto over = duration_key(sink_, m, "over", DurationRange::positive());
  const auto start = duration_key(sink_, m, "start", {}, sim::Duration::zero());
  if (!from || !to || !over || !start) return std::nullopt;
  if (*from == 0 && *to == 0) {
    const Field tf = *m.get("to");
    sink_.error(tf.mark, tf.path, "a ramp from 0/s to 0/s never makes a connection: one of from and to must be > 0");
    return std::nullopt;
  }
  return model::RampArrivals{*from, *to, sim::Time::zero() + *start, *over};
}

std::optional<model::ArrivalSpec> ScenarioReader::read_flash_crowd(MapReader& m) {
  const auto base = rate_key(sink_, m, "base", ZeroRate::kAllowed);
  const auto peak = rate_key(sink_, m, "peak", ZeroRate::kRefused);
  const auto af = m.require("at");
  const auto at = af ? read_duration(sink_, *af) : std::nullopt;
  if (at) check_starts_before_end(sink_, *af, *at, duration_, "the flash crowd");
  const auto rise = duration_key(sink_, m, "rise", {}, sim::Duration::zero());
  const auto decay = duration_key(sink_, m, "decay", DurationRange::positive());
  if (base && peak && *peak < *base) {
    const Field pf = *m.get("peak");
    sink_.error(pf.mark, pf.path, "peak (" + rate_text(*peak) + ") must be >= base (" + rate_text(*base) + ")");
    return std::nullopt;
  }
  if (!base || !peak || !at || !rise || !decay) return std::nullopt;
  return model::FlashCrowdArrivals{*base, *peak, sim::Time::zero() + *at, *rise, *decay};
}

// A trace replays a CSV log (`csv`, optionally only the lines of one `id`) or the SYNs of a
// capture to a `port` (`pcap`), read relative to the scenario's directory. Problems inside
// the file are reported at the file's own lines; an unreadable file, an empty trace or one
// that ends before the run starts, at the scenario's keys.
std::optional<model::ArrivalSpec> ScenarioReader::read_trace(MapReader& m) {
  const auto csv = m.get("csv");
  const auto pcap = m.get("pcap");
  if (csv && pcap) {
    const Field& second = before(csv->mark, pcap->mark) ? *pcap : *csv;
    sink_.error(second.mark, second.path, "give either csv (a log of connects) or pcap (a capture), not both");
    return std::nullopt;
  }
  if (!csv && !pcap) {
    m.require("csv", "unless pcap is given");
    return std::nullopt;
  }
  const Field& file_field = csv ? *csv : *pcap;
  bool ok = true;
  std::optional<std::string> id;
  if (const auto idf = m.get("id")) {
    if (pcap) {
      sink_.error(idf->mark, idf->path, "id selects lines of a csv trace; a pcap trace selects SYNs by port");
      ok = false;
    } else {
      id = read_string(sink_, *idf, "the id of the lines to replay");
      if (id && id->empty()) sink_.error(idf->mark, idf->path, "expected the id of the lines to replay, got \"\"");
      ok = ok && id && !id->empty();
    }
  }
  std::optional<std::int64_t> port;
  if (pcap) {
    const auto pf = m.require("port", "with pcap");
    port = pf ? read_integer(sink_, *pf, 1, kMaxPort) : std::nullopt;
    ok = ok && port.has_value();
  } else if (const auto pf = m.get("port")) {
    sink_.error(pf->mark, pf->path,
                "port selects the SYNs of a pcap trace; a csv trace has no ports (id selects its lines)");
    ok = false;
  }
  double time_scale = 1.0;
  if (const auto sf = m.get("time_scale")) {
    const auto v = read_number(sink_, *sf, NumberRange::above(0));
    if (v) time_scale = *v;
    ok = ok && v.has_value();
  }
  const auto written = read_string(sink_, file_field, csv ? "a CSV file name" : "a capture file name");
  if (!written) return std::nullopt;
  if (pcap && !port) return std::nullopt;  // the port picks the SYNs: nothing to read without it

  const std::filesystem::path name(*written);
  const std::string path = (name.is_absolute() || base_dir_.empty() ? name : base_dir_ / name).string();
  TraceRead trace = csv ? read_csv_trace(path, CsvTraceOptions{id, time_scale})
                        : read_pcap_trace(path, PcapTraceOptions{static_cast<int>(port.value_or(0)), time_scale});
  if (trace.unreadable) {
    sink_.error(file_field.mark, file_field.path,
                "cannot read the trace " + quote_path(path) + ": " + *trace.unreadable);
    return std::nullopt;
  }
  for (TraceProblem& p : trace.problems) {
    sink_.error_in_other_file(file_field.mark,
                              Diagnostic{path, p.line, p.column, file_field.path, std::move(p.message)});
  }
  if (!trace.problems.empty() || !ok) return std::nullopt;
  if (trace.times.empty()) {
    if (pcap) {
      sink_.error(file_field.mark, file_field.path,
                  "the capture " + quote_path(path) + " has no TCP SYN to port " + std::to_string(*port) + " (" +
                      std::to_string(trace.packets) + " packets read)");
    } else if (id) {
      const Field idf = *m.get("id");
      const std::vector<std::string_view> ids(trace.ids.begin(), trace.ids.end());
      std::string message = "no line of " + quote_path(path) + " has id " + quote(*id);
      const std::string_view match = closest_match(*id, ids);
      if (!match.empty()) {
        message += "; did you mean " + quote(match) + "?";
      } else {
        message += ids.empty() ? " (no line has an id)" : " (ids in the file: " + join(ids) + ")";
      }
      sink_.error(idf.mark, idf.path, message);
    } else {
      sink_.error(file_field.mark, file_field.path,
                  "the trace " + quote_path(path) + " has no arrivals: no line holds a time");
    }
    return std::nullopt;
  }
  if (duration_ && trace.times.front().since_start() >= *duration_) {
    sink_.error(file_field.mark, file_field.path,
                "every arrival of the trace is at or after the run's end (duration " +
                    sim::format_duration(*duration_) + "): the first is at " +
                    sim::format_duration(trace.times.front().since_start()));
    return std::nullopt;
  }
  return model::TraceArrivals{std::make_shared<const std::vector<sim::Time>>(std::move(trace.times)), *written};
}

std::optional<model::ArrivalSpec> ScenarioReader::read_closed(MapReader& m) {
  const auto uf = m.require("users");
  const auto users = uf ? read_integer(sink_, *uf, 1, kMaxClosedUsers) : std::nullopt;
  const auto tf = m.require("think");
  const auto think = tf ? read_distribution(*tf) : std::nullopt;
  if (!users || !think) return std::nullopt;
  return model::ClosedLoopArrivals{*users, *think};
}

model::RetrySpec ScenarioReader::read_retry(const Field& f) {
  model::RetrySpec retry = default_retry();
  MapReader m(sink_, f, kRetryKeys);
  if (!m.is_map()) return retry;
  bool policy_known = true;  // else the keys are checked, not their fit to the policy
  if (const auto pf = m.get("policy")) {
    const auto p = read_choice(sink_, *pf, "retry policy", kRetryPolicies);
    if (p) retry.policy = static_cast<model::RetryPolicy>(*p);
    policy_known = p.has_value();
  }
  const auto policy_index = static_cast<std::size_t>(retry.policy);
  const std::string policy_name(kRetryPolicies[policy_index]);
  // A key the policy does not take is an error at the key, saying why; nullopt then.
  const auto get = [&](std::string_view key) -> std::optional<Field> {
    std::optional<Field> field = m.get(key);
    if (!field || !policy_known) return field;
    for (const RetryKeyRule& rule : kRetryKeyRules) {
      if (rule.key != key || rule.why_not[policy_index].empty()) continue;
      sink_.error(key_mark(m, key), field->path,
                  std::string(key) + " does not apply to retry policy " + policy_name + ": " +
                      std::string(rule.why_not[policy_index]));
      return std::nullopt;
    }
    return field;
  };
  if (const auto mf = m.get("max")) {
    if (const auto v = read_integer(sink_, *mf, 0, kMaxRetries)) {
      retry.max = static_cast<int>(*v);
      if (policy_known && retry.policy == model::RetryPolicy::kNone && *v > 0) {
        sink_.error(mf->mark, mf->path,
                    "retry policy none never retries: max must be 0 (or pick a policy such as exponential)");
      }
    }
  }
  // Without a backoff the retries of a whole client group would all land at once.
  const bool retries = retry.max > 0 && retry.policy != model::RetryPolicy::kNone;
  std::optional<Field> bf = get("backoff");
  if (!bf && retries) bf = m.require("backoff", "when max > 0");
  std::optional<sim::Duration> backoff;
  if (bf) {
    backoff = read_duration(sink_, *bf);
    if (backoff) retry.backoff = *backoff;
  }
  if (const auto ff = get("factor")) {
    if (const auto v = read_number(sink_, *ff, NumberRange::at_least(1))) retry.factor = *v;
  }
  if (const auto jf = get("jitter")) {
    if (const auto v = read_number(sink_, *jf, NumberRange::between(0, 1))) retry.jitter = *v;
  }
  if (const auto cf = get("cap")) {
    if (const auto cap = read_duration(sink_, *cf)) {
      retry.cap = *cap;
      if (backoff && *cap < *backoff) {
        sink_.error(cf->mark, cf->path,
                    "cap (" + sim::format_duration(*cap) + ") must be >= backoff (" + sim::format_duration(*backoff) +
                        "): the first delay is backoff");
      }
    }
  }
  if (const auto gf = get("give_up")) {
    if (const auto v = read_duration(sink_, *gf, DurationRange::positive())) retry.give_up = *v;
  }
  return retry;
}

void ScenarioReader::read_balancers(const Field& f) {
  const std::size_t errors_before = sink_.count();
  const MapReader balancers = MapReader::of_names(sink_, f);
  for (const MapReader::Entry& entry : balancers.entries()) {
    check_name(entry, "balancer");
    if (find_host(entry.key)) report_name_clash(entry.key_mark, entry.value.path, entry.key, "host");
    balancer_index_.emplace(entry.key, spec_.balancers.size());
    spec_.balancers.push_back(read_balancer(entry));
  }
  balancers_complete_ = sink_.count() == errors_before;
}

model::BalancerSpec ScenarioReader::read_balancer(const MapReader::Entry& entry) {
  model::BalancerSpec balancer;
  balancer.name = entry.key;
  std::vector<Field>& fields = backend_fields_.emplace_back();
  MapReader m(sink_, entry.value, kBalancerKeys);
  if (!m.is_map()) return balancer;
  if (const auto pf = m.require("port")) {
    if (const auto port = read_integer(sink_, *pf, 1, kMaxPort)) balancer.port = static_cast<int>(*port);
  }
  std::optional<std::size_t> listed;  // the number of backends written, when `backends` is a sequence
  if (const auto bf = m.require("backends"); bf && expect_sequence(sink_, *bf, "backends such as [web1:80, web2:80]")) {
    listed = bf->node.size();
    if (*listed == 0) sink_.error(bf->mark, bf->path, "a balancer needs at least one backend");
    std::map<std::pair<std::size_t, int>, std::size_t> index_of_backend;  // into `fields`
    for (std::size_t i = 0; i < *listed; ++i) {
      const Field e = element(*bf, i);
      const std::optional<model::BackendRef> backend = read_backend(e);
      if (!backend) continue;
      const auto [first, fresh] = index_of_backend.emplace(std::pair{backend->host, backend->port}, fields.size());
      if (!fresh) {
        sink_.error(e.mark, e.path,
                    "backend " + quote(e.node.Scalar()) + " is listed twice (first at " + fields[first->second].path +
                        "): a balancer lists each backend once");
        continue;
      }
      balancer.backends.push_back(*backend);
      fields.push_back(e);
    }
  }
  if (const auto pf = m.get("policy")) {
    if (const auto p = read_choice(sink_, *pf, "balancing policy", kBalancePolicies)) {
      balancer.policy = kBalancePolicyValues[*p];
      if (balancer.policy == model::BalancePolicy::kTwoChoices && listed && *listed == 1) {
        sink_.error(pf->mark, pf->path,
                    "two_choices compares two distinct backends: it needs at least 2, this balancer has 1");
      }
    }
  }
  if (const auto mf = m.get("mark_down")) {
    if (const auto v = read_duration(sink_, *mf)) balancer.mark_down = *v;
  }
  return balancer;
}

// One entry of `backends:`: a host's port, by the same rule as a client's target.
std::optional<model::BackendRef> ScenarioReader::read_backend(const Field& f) {
  const auto backend = read_endpoint(sink_, f, "backend");
  if (!backend) return std::nullopt;
  const std::optional<std::size_t> host = find_host(backend->name);
  if (!host) {
    const bool is_balancer =
        std::find(balancer_names_.begin(), balancer_names_.end(), backend->name) != balancer_names_.end();
    sink_.error(f.mark, f.path,
                is_balancer ? "backend " + quote(backend->text) + " names balancer " + quote(backend->name) +
                                  ": backends are hosts (balancers do not chain)"
                            : unknown_host(backend->name, " in backend " + quote(backend->text)));
    return std::nullopt;
  }
  if (!check_listening(f, *host, backend->port)) return std::nullopt;
  return model::BackendRef{*host, backend->port};
}

std::optional<std::size_t> ScenarioReader::find_balancer(std::string_view name) const {
  const auto it = balancer_index_.find(name);
  if (it == balancer_index_.end()) return std::nullopt;
  return it->second;
}

void ScenarioReader::read_faults(const Field& f) {
  if (!expect_sequence(sink_, f, "faults")) return;
  for (std::size_t i = 0; i < f.node.size(); ++i) {
    if (auto fault = read_fault(element(f, i))) {
      if (model::on_listener(fault->kind)) {
        faults_by_listener_[{fault->host, fault->port}].emplace(fault->at, spec_.faults.size());
      } else if (fault->kind == model::FaultKind::kLinkDown) {
        link_faults_.emplace_back(spec_.faults.size(), *fault_link_);
      }
      spec_.faults.push_back(std::move(*fault));
    }
  }
}

// One fault; nullopt (after reporting) unless every key is right. Checked against the faults
// before it in the file: two of one listener may not overlap.
std::optional<model::FaultSpec> ScenarioReader::read_fault(const Field& e) {
  MapReader m(sink_, e, kFaultKeys);
  if (!m.is_map()) return std::nullopt;
  model::FaultSpec fault;
  fault.line = e.mark.line + 1;
  std::optional<std::size_t> kind;
  if (const auto kf = m.require("fault")) kind = read_choice(sink_, *kf, "fault", kFaultKinds);
  if (kind) fault.kind = kFaultKindValues[*kind];
  bool ok = kind.has_value();
  ok = read_fault_target(m, kind, fault) && ok;
  const auto af = m.require("at");
  const auto at = af ? read_duration(sink_, *af) : std::nullopt;
  if (at) {
    fault.at = sim::Time::zero() + *at;
    if (duration_ && *at >= *duration_) {
      sink_.error(af->mark, af->path,
                  "the fault at " + sim::format_duration(*at) + " would start after the run ends (duration " +
                      sim::format_duration(*duration_) + ")");
      ok = false;
    }
  }
  const auto ff = m.require("for");
  const auto length = ff ? read_duration(sink_, *ff, DurationRange::positive()) : std::nullopt;
  if (length) fault.length = *length;
  ok = ok && at && length;
  const bool slow_start = kind && fault.kind == model::FaultKind::kSlowStart;
  if (slow_start) {
    const auto xf = m.require("factor", "for a slow_start fault");
    const auto factor = xf ? read_number(sink_, *xf, NumberRange::at_least(1)) : std::nullopt;
    if (factor) fault.factor = *factor;
    ok = ok && factor;
  } else if (const auto xf = m.get("factor"); xf && kind) {
    sink_.error(key_mark(m, "factor"), xf->path,
                "factor applies only to slow_start faults (it multiplies service times); a " +
                    std::string(kFaultKinds[*kind]) + " has none");
    ok = false;
  }
  if (!ok) return std::nullopt;
  if (!model::on_listener(fault.kind)) return fault;  // host and link faults may overlap (they count)
  // The faults of this listener read so far do not overlap one another: those that overlap
  // this one are a run in start order, from the one before it (if that one reaches past
  // its start) through those starting before its end. The first of them in the file is named.
  const std::map<sim::Time, std::size_t>& earlier = faults_by_listener_[{fault.host, fault.port}];
  auto it = earlier.lower_bound(fault.at);
  if (it != earlier.begin()) --it;
  std::optional<std::size_t> overlapped;
  for (; it != earlier.end() && it->first < fault.at + fault.length; ++it) {
    const model::FaultSpec& other = spec_.faults[it->second];
    if (other.at >= fault.at + fault.length || fault.at >= other.at + other.length) continue;
    if (!overlapped || it->second < *overlapped) overlapped = it->second;
  }
  if (overlapped) {
    const model::FaultSpec& other = spec_.faults[*overlapped];
    const auto span = [](const model::FaultSpec& x) {
      return sim::format_duration(x.at - sim::Time::zero()) + " to " +
             sim::format_duration(x.at + x.length - sim::Time::zero());
    };
    sink_.error(af->mark, af->path,
                "this fault (" + span(fault) + ") overlaps the " +
                    std::string(kFaultKinds[static_cast<std::size_t>(other.kind)]) + " of the same listener at line " +
                    std::to_string(other.line) + " (" + span(other) + "): faults of one listener may not overlap");
    return std::nullopt;
  }
  return fault;
}

// What a fault acts on: `listener:` for the faults of a server application, `host:` for
// host_down, `link:` for link_down (matched with a link after the network is read). The
// other two keys are errors. Without a known kind, a listener or host given is checked.
bool ScenarioReader::read_fault_target(MapReader& m, std::optional<std::size_t> kind, model::FaultSpec& fault) {
  const auto read_host_name = [&](const Field& f) {
    const auto name = read_string(sink_, f, "a host name");
    if (!name) return false;
    const auto host = find_host(*name);
    if (!host) {
      sink_.error(f.mark, f.path, unknown_host(*name));
      return false;
    }
    fault.host = *host;
    return true;
  };
  if (!kind) {
    if (const auto f = m.get("listener")) read_fault_listener(*f, fault);
    if (const auto f = m.get("host")) read_host_name(*f);
    return false;
  }
  constexpr std::string_view kTargets[] = {"listener", "host", "link"};
  const std::size_t wanted = model::on_listener(fault.kind)              ? 0
                             : fault.kind == model::FaultKind::kHostDown ? 1
                                                                         : 2;
  bool ok = true;
  for (std::size_t t = 0; t < std::size(kTargets); ++t) {
    if (t == wanted) continue;
    if (const auto x = m.get(kTargets[t])) {
      sink_.error(key_mark(m, kTargets[t]), x->path,
                  "a " + std::string(kFaultKinds[*kind]) + " fault names its " + std::string(kTargets[wanted]) +
                      " with `" + std::string(kTargets[wanted]) + ":`, not `" + std::string(kTargets[t]) + ":`");
      ok = false;
    }
  }
  const auto f = m.require(kTargets[wanted], "for a " + std::string(kFaultKinds[*kind]) + " fault");
  if (!f) return false;
  if (wanted == 0) return read_fault_listener(*f, fault) && ok;
  if (wanted == 1) return read_host_name(*f) && ok;
  // link: [A, B], resolved by resolve_link_faults().
  if (!f->node.IsSequence() || f->node.size() != 2 || !f->node[0].IsScalar() || !f->node[1].IsScalar()) {
    sink_.error(f->mark, f->path, "expected the link's two ends, [A, B] (the `a` and `b` of one of network.links, in either order)");
    return false;
  }
  // Not `fault_link_ = *f`: assigning a YAML::Node writes into the node it refers to, which
  // the previous fault's entry in link_faults_ shares.
  fault_link_.reset();
  fault_link_.emplace(*f);
  return ok;
}

// Each link_down fault's `link: [A, B]` is the one link of network.links joining A and B.
void ScenarioReader::resolve_link_faults() {
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
      spec_.faults[index].link = found[0];
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

// `listener: HOST:PORT` of a fault: one of the host's `listeners:` entries. Sets fault.host
// and fault.port; false (after reporting, unless the host's ports could not all be read).
bool ScenarioReader::read_fault_listener(const Field& f, model::FaultSpec& fault) {
  const auto listener = read_endpoint(sink_, f, "listener");
  if (!listener) return false;
  const std::optional<std::size_t> host = find_host(listener->name);
  if (!host) {
    sink_.error(f.mark, f.path,
                find_balancer(listener->name)
                    ? "listener " + quote(listener->text) + " names balancer " + quote(listener->name) +
                          ": faults act on a host's listener"
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
                    "a script stalls or restarts its own socket with its steps (" + ports + ")");
  } else {
    sink_.error(f.mark, f.path,
                where + " has no listener on port " + std::to_string(listener->port) + " (" + ports + ")");
  }
  return false;
}

void ScenarioReader::report_name_clash(const YAML::Mark& mark, const std::string& path, std::string_view name,
                                       std::string_view kind) {
  sink_.error(mark, path,
              "name " + quote(name) + " is already used by a " + std::string(kind) + ": " + std::string(kOneNamespace));
  node_names_clash_ = true;
}

void ScenarioReader::read_network(const Field& f) {
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
  network_complete_ = sink_.count() == errors_before;
  // Routing needs every node and link resolved; otherwise the errors above say enough.
  const bool targets_known = std::all_of(client_targets_.begin(), client_targets_.end(),
                                         [](const std::optional<Field>& t) { return t.has_value(); });
  if (sink_.count() == errors_before && !node_names_clash_ && targets_known && balancers_complete_ &&
      routes_bounded_ && check_routing_work(f)) {
    check_reachable();
  }
}

// model::Network keeps a path for each client group and server it can end at, found by a
// shortest-path search per client group and per balancer over the whole network: bounded
// here, so that a short file cannot make routing take minutes or gigabytes.
bool ScenarioReader::check_routes(const Field& clients) {
  std::uint64_t routes = 0;
  for (const model::ClientSpec& c : spec_.clients) {
    routes += c.balancer ? spec_.balancers[*c.balancer].backends.size() : 1;
  }
  if (routes > kMaxRoutes) {
    sink_.error(clients.mark, clients.path,
                std::to_string(spec_.clients.size()) + " client groups with " + std::to_string(routes) +
                    " routes (one to each host they target and to each backend of the balancer they target): the "
                    "limit is " + std::to_string(kMaxRoutes));
    return false;
  }
  return true;
}

bool ScenarioReader::check_routing_work(const Field& network) {
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
std::optional<std::string> ScenarioReader::read_router(const Field& f, const NameList& routers) {
  auto name = read_string(sink_, f, "a router name");
  if (!name) return std::nullopt;
  if (!is_valid_name(*name)) {
    sink_.error(f.mark, f.path, "invalid router name " + quote(*name) + ": names use only letters, digits, '_' and '-'");
    return std::nullopt;
  }
  const std::string_view kind = node_kind(*name, routers);
  if (kind == "router") {
    sink_.error(f.mark, f.path, "router " + quote(*name) + " is listed twice");
    node_names_clash_ = true;
    return std::nullopt;
  }
  if (!kind.empty()) {
    report_name_clash(f.mark, f.path, *name, kind);
    return std::nullopt;
  }
  return name;
}

// "host", "client", "balancer" or "router" when `name` is already a node of that kind, else "".
std::string_view ScenarioReader::node_kind(std::string_view name, const NameList& routers) const {
  if (find_host(name)) return "host";
  if (client_index_.contains(name)) return "client";
  if (find_balancer(name)) return "balancer";
  if (routers.contains(name)) return "router";
  return {};
}

// `a` or `b` of a link: the name of a host, client, balancer or router.
std::optional<std::string> ScenarioReader::read_link_end(const Field& f, const NameList& routers) {
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
    message += " (links join hosts, clients, balancers and the routers listed in network.routers: " + join_some(nodes) + ")";
  }
  sink_.error(f.mark, f.path, message);
  return std::nullopt;
}

std::optional<model::LinkSpec> ScenarioReader::read_link(const Field& f, const NameList& routers) {
  MapReader m(sink_, f, kLinkKeys);
  if (!m.is_map()) return std::nullopt;
  model::LinkSpec link;
  bool ok = true;
  const auto end = [&](std::string_view key, std::string& out) {
    const auto ef = m.require(key);
    const auto name = ef ? read_link_end(*ef, routers) : std::nullopt;
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

void ScenarioReader::check_reachable() {
  const model::NetworkBuild built = model::Network::build(spec_);
  for (const std::size_t c : built.unreachable_clients) {
    const model::ClientSpec& client = spec_.clients[c];
    const Field& target = *client_targets_[c];
    const std::string to = client.balancer ? "balancer " + quote(spec_.balancers[*client.balancer].name)
                                           : "host " + quote(spec_.hosts[client.target_host].name);
    sink_.error(target.mark, target.path,
                "client " + quote(client.name) + " cannot reach " + to + ": no path of links joins them");
  }
  for (const model::BackendIndex& u : built.unreachable_backends) {
    const model::BalancerSpec& balancer = spec_.balancers[u.balancer];
    const Field& entry = backend_fields_[u.balancer][u.backend];
    sink_.error(entry.mark, entry.path,
                "balancer " + quote(balancer.name) + " cannot reach host " +
                    quote(spec_.hosts[balancer.backends[u.backend].host].name) + ": no path of links joins them");
  }
}

}  // namespace

std::optional<model::ScenarioSpec> read_scenario(const YAML::Node& root, std::string_view default_name,
                                                 DiagnosticSink& sink, const std::filesystem::path& base_dir) {
  try {
    return ScenarioReader(sink, base_dir).read(root, default_name);
  } catch (const TooManyProblems&) {
    return std::nullopt;  // the sink says so
  }
}

}  // namespace config::detail

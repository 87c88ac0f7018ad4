#include "config/detail/scenario_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "config/detail/text.h"
#include "model/network.h"
#include "sim/format.h"

namespace config::detail {

namespace {

using model::Os;

// The keys allowed at each place of the format (docs/scenario-format.md).
constexpr std::string_view kTopKeys[] = {"name",    "seed",    "duration", "sample_interval",
                                         "hosts",   "clients", "script",   "network"};
constexpr std::string_view kHostKeys[] = {"os", "kernel", "max_sockets", "socket_buffers", "listeners"};
constexpr std::string_view kListenerKeys[] = {"port", "backlog", "workers", "service"};
constexpr std::string_view kBacklogHintKeys[] = {"somaxconn_hint"};
constexpr std::string_view kClientKeys[] = {"os", "target", "arrivals", "syn_retries", "connect_timeout", "retry"};
constexpr std::string_view kRetryKeys[] = {"max", "backoff", "factor", "jitter"};
constexpr std::string_view kNetworkKeys[] = {"routers", "links"};
constexpr std::string_view kLinkKeys[] = {"a", "b", "latency", "jitter", "loss"};

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
enum ProcessKind : std::size_t { kPoisson, kConstantRate, kBurst };
constexpr TaggedKind kProcessKinds[] = {
    {"poisson", kRateProcessKeys}, {"constant", kRateProcessKeys}, {"burst", kBurstProcessKeys}};

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
std::vector<std::string_view> expect_names(Os os) {
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

// What to suggest for an `expect:` name that is not valid on a host of `os`: the same
// error's name on that OS when `typed` is another OS's name for it (EINVAL on Windows ->
// WSAEINVAL, EAGAIN -> WSAEWOULDBLOCK), else the closest spelling.
std::string expect_suggestion(std::string_view typed, Os os, std::span<const std::string_view> valid) {
  for (unsigned v = 0; v <= std::numeric_limits<std::uint8_t>::max(); ++v) {
    const auto e = static_cast<model::SocketError>(v);
    for (Os other : model::all_oses()) {
      if (other == os || model::error_name(e, other) != typed) continue;
      const std::vector<std::string_view> others = expect_names(other);
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

class ScenarioReader {
 public:
  explicit ScenarioReader(DiagnosticSink& sink) : sink_(sink) {}

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
  std::optional<model::ArrivalSpec> read_arrivals(const Field& f);
  model::RetrySpec read_retry(const Field& f);
  void read_network(const Field& f);
  std::optional<std::string> read_router(const Field& f, const std::vector<std::string>& routers);
  std::optional<std::string> read_link_end(const Field& f, const std::vector<std::string>& routers);
  std::optional<model::LinkSpec> read_link(const Field& f, const std::vector<std::string>& routers);
  std::string_view node_kind(std::string_view name, const std::vector<std::string>& routers) const;
  void check_reachable();
  void check_name(const MapReader::Entry& entry, std::string_view kind);
  std::optional<std::size_t> find_host(std::string_view name) const;
  std::string unknown_host(std::string_view name, std::string_view context = {}) const;
  void read_script(const Field& f);
  void read_step(const Field& e, std::vector<std::vector<std::string>>& names);
  void read_descriptor(MapReader& m, model::ScriptStep& step, const std::vector<std::string>* defined);
  std::optional<std::string> read_descriptor_name(const Field& f);
  void read_expect(const Field& f, model::ScriptStep& step, bool os_known);

  DiagnosticSink& sink_;
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
  // The hosts the script's steps name, looked up before the hosts are read: such a host
  // may go without listeners.
  std::vector<std::string> scripted_hosts_;
  // The keys of `clients:`, looked up before the script is read (for its messages).
  std::vector<std::string> client_names_;
  // Parallel to spec_.clients: the `target` value, when it named a host and port that exist
  // (the network's reachability errors point there).
  std::vector<std::optional<Field>> client_targets_;
  // Whether two network nodes (hosts, clients, routers) were given the same name.
  bool node_names_clash_ = false;
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
      if (auto host = raw_scalar(step, "host")) scripted_hosts_.push_back(std::move(*host));
    }
  }
  if (const auto clients = top.get("clients"); clients && clients->node.IsMap()) {
    for (auto it = clients->node.begin(); it != clients->node.end(); ++it) {
      if (it->first.IsScalar()) client_names_.push_back(it->first.Scalar());
    }
  }
  if (const auto f = top.require("hosts")) read_hosts(*f);
  // Before the clients: a client may target a port that only the script binds.
  if (script) read_script(*script);
  if (const auto f = top.get("clients")) read_clients(*f);
  // After hosts and clients: links name them.
  if (const auto f = top.get("network")) read_network(*f);
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
  const bool scripted =
      std::find(scripted_hosts_.begin(), scripted_hosts_.end(), host.name) != scripted_hosts_.end();
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
  std::vector<std::string> listener_paths;  // parallel to host.listeners, for duplicate messages
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
        const auto same_port = [&](const model::ListenerSpec& l) { return l.port == *port; };
        const auto dup = std::find_if(host.listeners.begin(), host.listeners.end(), same_port);
        if (dup != host.listeners.end()) {
          sink_.error(pf->mark, pf->path,
                      "port " + std::to_string(*port) + " is already used by " +
                          listener_paths[static_cast<std::size_t>(dup - host.listeners.begin())] +
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
    listener_paths.push_back(e.path);
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
              "expected a number > 1, got " + f.node.Scalar() + ": a Pareto with shape <= 1 has no finite mean");
  return std::nullopt;
}

void ScenarioReader::read_clients(const Field& f) {
  const MapReader clients = MapReader::of_names(sink_, f);
  for (const MapReader::Entry& entry : clients.entries()) {
    check_name(entry, "client");
    // Hosts and clients will both be nodes of the network graph, named in its links.
    const bool is_host_name = std::any_of(spec_.hosts.begin(), spec_.hosts.end(),
                                          [&](const model::HostSpec& h) { return h.name == entry.key; });
    if (is_host_name) {
      sink_.error(entry.key_mark, entry.value.path,
                  "name " + quote(entry.key) +
                      " is already used by a host: hosts, clients and routers share one namespace (all are network nodes)");
      node_names_clash_ = true;
    }
    client_targets_.emplace_back();
    spec_.clients.push_back(read_client(entry));
  }
}

model::ClientSpec ScenarioReader::read_client(const MapReader::Entry& entry) {
  model::ClientSpec client;
  client.name = entry.key;
  client.retry = default_retry();
  MapReader m(sink_, entry.value, kClientKeys);
  if (!m.is_map()) return client;
  if (const auto f = m.get("os")) client.os = read_os(*f).value_or(Os::kLinux);
  if (const auto f = m.require("target")) resolve_target(*f, client);
  if (const auto f = m.require("arrivals")) {
    if (const auto arrivals = read_arrivals(*f)) client.arrivals = *arrivals;
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
  const auto text = read_string(sink_, f, "a target HOST:PORT");
  if (!text) return;
  const std::size_t colon = text->rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text->size()) {
    sink_.error(f.mark, f.path, "expected a target HOST:PORT such as web:80, got " + quote(*text));
    return;
  }
  const std::string host_name = text->substr(0, colon);
  const std::string_view port_text = std::string_view(*text).substr(colon + 1);
  int port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > kMaxPort) {
    sink_.error(f.mark, f.path,
                "the port in target " + quote(*text) + " must be an integer in [1, " + std::to_string(kMaxPort) + "]");
    return;
  }
  const std::optional<std::size_t> host = find_host(host_name);
  if (!host) {
    sink_.error(f.mark, f.path, unknown_host(host_name, " in target " + quote(*text)));
    return;
  }
  const std::vector<model::ListenerSpec>& listeners = spec_.hosts[*host].listeners;
  const std::vector<int>& bound = script_ports_[*host];
  const bool listened = std::any_of(listeners.begin(), listeners.end(),
                                    [&](const model::ListenerSpec& l) { return l.port == port; });
  if (!listened && std::find(bound.begin(), bound.end(), port) == bound.end()) {
    // A host whose listeners or script steps could not all be read may well have that port: say nothing.
    if (!ports_complete_[*host]) return;
    std::vector<int> ports;
    for (const model::ListenerSpec& l : listeners) ports.push_back(l.port);
    ports.insert(ports.end(), bound.begin(), bound.end());
    std::string listed;
    std::vector<int> seen;
    for (int p : ports) {
      if (std::find(seen.begin(), seen.end(), p) != seen.end()) continue;
      seen.push_back(p);
      listed += (listed.empty() ? "" : ", ") + std::to_string(p);
    }
    sink_.error(f.mark, f.path,
                "host " + quote(host_name) + " has no listener on port " + std::to_string(port) +
                    " (it listens on: " + (listed.empty() ? "nothing" : listed) + ")");
    return;
  }
  client.target_host = *host;
  client.target_port = port;
  client_targets_.back() = f;
}

std::optional<std::size_t> ScenarioReader::find_host(std::string_view name) const {
  for (std::size_t i = 0; i < spec_.hosts.size(); ++i) {
    if (spec_.hosts[i].name == name) return i;
  }
  return std::nullopt;
}

// "unknown host NAME" + context, with a "did you mean" or the list of hosts.
std::string ScenarioReader::unknown_host(std::string_view name, std::string_view context) const {
  std::vector<std::string_view> host_names;
  for (const model::HostSpec& h : spec_.hosts) host_names.push_back(h.name);
  std::string message = "unknown host " + quote(name) + std::string(context);
  const std::string_view match = closest_match(name, host_names);
  if (!match.empty()) {
    message += "; did you mean " + quote(match) + "?";
  } else if (!host_names.empty()) {
    message += " (hosts: " + join(host_names) + ")";
  }
  return message;
}

void ScenarioReader::read_script(const Field& f) {
  if (!expect_sequence(sink_, f, "script steps")) return;
  // Per host: the descriptor names the steps so far (in file order) have defined with `as`.
  std::vector<std::vector<std::string>> names(spec_.hosts.size());
  for (std::size_t i = 0; i < f.node.size(); ++i) read_step(element(f, i), names);
}

void ScenarioReader::read_step(const Field& e, std::vector<std::vector<std::string>>& names) {
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

  const std::vector<std::string>* defined = host ? &names[*host] : nullptr;
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
        if (host) script_ports_[*host].push_back(step.port);
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
    if (host && std::find(names[*host].begin(), names[*host].end(), *as) == names[*host].end()) {
      names[*host].push_back(*as);
    }
  }
  if (const auto xf = m.get("expect")) read_expect(*xf, step, os_known);
  spec_.script.push_back(std::move(step));
}

// `socket: NAME` or `fd: N`, exactly one. `defined` lists the names the host's earlier
// steps defined; nullptr when the step's host is unknown (a name is then not judged).
void ScenarioReader::read_descriptor(MapReader& m, model::ScriptStep& step, const std::vector<std::string>* defined) {
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
      if (defined && std::find(defined->begin(), defined->end(), *name) == defined->end()) {
        const std::string& host_name = spec_.hosts[step.host].name;
        std::string message = "unknown socket " + quote(*name) + " on host " + quote(host_name);
        const std::vector<std::string_view> candidates(defined->begin(), defined->end());
        const std::string_view match = closest_match(*name, candidates);
        if (!match.empty()) {
          message += "; did you mean " + quote(match) + "?";
        } else if (candidates.empty()) {
          message += " (no earlier step on this host names a descriptor with as:)";
        } else {
          message += " (names defined by earlier steps on this host: " + join(candidates) + ")";
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
  const std::vector<std::string_view> valid = expect_names(os);
  if (std::find(valid.begin(), valid.end(), *text) != valid.end()) return;
  sink_.error(f.mark, f.path,
              "unknown result " + quote(*text) + " for " + std::string(model::os_name(os)) + " host " +
                  quote(spec_.hosts[step.host].name) + expect_suggestion(*text, os, valid));
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
        if (at && duration_ && *at >= *duration_) {
          sink_.error(af->mark, af->path,
                      "the burst at " + sim::format_duration(*at) + " would start after the run ends (duration " +
                          sim::format_duration(*duration_) + ")");
        }
      }
      if (const auto of = m.get("over")) {
        const auto over = read_duration(sink_, *of);
        ok = ok && over.has_value();
        if (over) burst.over = *over;
      }
      if (!ok) return std::nullopt;
      return burst;
    }
  }
  return std::nullopt;
}

model::RetrySpec ScenarioReader::read_retry(const Field& f) {
  model::RetrySpec retry = default_retry();
  MapReader m(sink_, f, kRetryKeys);
  if (!m.is_map()) return retry;
  if (const auto mf = m.get("max")) {
    if (const auto v = read_integer(sink_, *mf, 0, kMaxRetries)) retry.max = static_cast<int>(*v);
  }
  // Without a backoff the retries of a whole client group would all land at once.
  const auto bf = retry.max > 0 ? m.require("backoff", "when max > 0") : m.get("backoff");
  if (bf) {
    if (const auto v = read_duration(sink_, *bf)) retry.backoff = *v;
  }
  if (const auto ff = m.get("factor")) {
    if (const auto v = read_number(sink_, *ff, NumberRange::at_least(1))) retry.factor = *v;
  }
  if (const auto jf = m.get("jitter")) {
    if (const auto v = read_number(sink_, *jf, NumberRange::between(0, 1))) retry.jitter = *v;
  }
  return retry;
}

void ScenarioReader::read_network(const Field& f) {
  const std::size_t errors_before = sink_.count();
  MapReader m(sink_, f, kNetworkKeys);
  if (!m.is_map()) return;
  model::NetworkSpec network;
  std::vector<std::string> routers;  // every router name read, valid or not (for lookups)
  if (const auto rf = m.get("routers"); rf && expect_sequence(sink_, *rf, "router names")) {
    for (std::size_t i = 0; i < rf->node.size(); ++i) {
      auto name = read_router(element(*rf, i), routers);
      if (!name) continue;
      routers.push_back(*name);
      network.routers.push_back(std::move(*name));
    }
  }
  if (const auto lf = m.require("links"); lf && expect_sequence(sink_, *lf, "links")) {
    for (std::size_t i = 0; i < lf->node.size(); ++i) {
      if (auto l = read_link(element(*lf, i), routers)) network.links.push_back(std::move(*l));
    }
  }
  spec_.network = std::move(network);
  // Routing needs every node and link resolved; otherwise the errors above say enough.
  const bool targets_known = std::all_of(client_targets_.begin(), client_targets_.end(),
                                         [](const std::optional<Field>& t) { return t.has_value(); });
  if (sink_.count() == errors_before && !node_names_clash_ && targets_known) check_reachable();
}

// A name in `routers:`; nullopt (after reporting) when it is not a valid, fresh node name.
std::optional<std::string> ScenarioReader::read_router(const Field& f, const std::vector<std::string>& routers) {
  auto name = read_string(sink_, f, "a router name");
  if (!name) return std::nullopt;
  if (!is_valid_name(*name)) {
    sink_.error(f.mark, f.path, "invalid router name " + quote(*name) + ": names use only letters, digits, '_' and '-'");
    return std::nullopt;
  }
  const std::string_view kind = node_kind(*name, routers);
  if (!kind.empty()) {
    sink_.error(f.mark, f.path,
                kind == "router" ? "router " + quote(*name) + " is listed twice"
                                 : "name " + quote(*name) + " is already used by a " + std::string(kind) +
                                       ": hosts, clients and routers share one namespace (all are network nodes)");
    node_names_clash_ = true;
    return std::nullopt;
  }
  return name;
}

// "host", "client" or "router" when `name` is already a node of that kind, else "".
std::string_view ScenarioReader::node_kind(std::string_view name, const std::vector<std::string>& routers) const {
  if (find_host(name)) return "host";
  const auto named = [&](const model::ClientSpec& c) { return c.name == name; };
  if (std::any_of(spec_.clients.begin(), spec_.clients.end(), named)) return "client";
  if (std::find(routers.begin(), routers.end(), name) != routers.end()) return "router";
  return {};
}

// `a` or `b` of a link: the name of a host, client or router.
std::optional<std::string> ScenarioReader::read_link_end(const Field& f, const std::vector<std::string>& routers) {
  auto name = read_string(sink_, f, "a node name (a host, client or router)");
  if (!name || !node_kind(*name, routers).empty()) return name;
  std::vector<std::string_view> nodes;
  for (const model::HostSpec& h : spec_.hosts) nodes.push_back(h.name);
  for (const model::ClientSpec& c : spec_.clients) nodes.push_back(c.name);
  nodes.insert(nodes.end(), routers.begin(), routers.end());
  std::string message = "unknown node " + quote(*name);
  const std::string_view match = closest_match(*name, nodes);
  if (!match.empty()) {
    message += "; did you mean " + quote(match) + "?";
  } else {
    message += " (links join hosts, clients and the routers listed in network.routers: " + join(nodes) + ")";
  }
  sink_.error(f.mark, f.path, message);
  return std::nullopt;
}

std::optional<model::LinkSpec> ScenarioReader::read_link(const Field& f, const std::vector<std::string>& routers) {
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
    sink_.error(target.mark, target.path,
                "client " + quote(client.name) + " cannot reach host " + quote(spec_.hosts[client.target_host].name) +
                    ": no path of links joins them");
  }
}

}  // namespace

std::optional<model::ScenarioSpec> read_scenario(const YAML::Node& root, std::string_view default_name,
                                                 DiagnosticSink& sink) {
  return ScenarioReader(sink).read(root, default_name);
}

}  // namespace config::detail

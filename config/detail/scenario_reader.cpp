#include "config/detail/scenario_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "config/detail/text.h"
#include "sim/format.h"

namespace config::detail {

namespace {

using model::Os;

// The keys allowed at each place of the format (docs/scenario-format.md).
constexpr std::string_view kTopKeys[] = {"name", "seed", "duration", "sample_interval", "hosts", "clients"};
constexpr std::string_view kHostKeys[] = {"os", "kernel", "max_sockets", "listeners"};
constexpr std::string_view kListenerKeys[] = {"port", "backlog", "workers", "service"};
constexpr std::string_view kBacklogHintKeys[] = {"somaxconn_hint"};
constexpr std::string_view kClientKeys[] = {"os", "target", "arrivals", "syn_retries", "connect_timeout", "retry"};
constexpr std::string_view kRetryKeys[] = {"max", "backoff", "factor", "jitter"};

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
  void read_listeners(const Field& f, model::HostSpec& host, bool& listeners_complete);
  std::optional<model::BacklogRequest> read_backlog(const Field& f);
  std::optional<sim::DurationDist> read_distribution(const Field& f);
  std::optional<double> read_pareto_shape(const Field& f);
  void read_clients(const Field& f);
  model::ClientSpec read_client(const MapReader::Entry& entry);
  void resolve_target(const Field& f, model::ClientSpec& client);
  std::optional<model::ArrivalSpec> read_arrivals(const Field& f);
  model::RetrySpec read_retry(const Field& f);
  void check_name(const MapReader::Entry& entry, std::string_view kind);

  DiagnosticSink& sink_;
  model::ScenarioSpec spec_;
  std::optional<sim::Duration> duration_;  // when valid: later checks compare with it
  // Parallel to spec_.hosts: false when a listener could not be read, so that a client
  // aiming at a port the host does not seem to have is not blamed for the host's error.
  std::vector<bool> listeners_complete_;
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
  if (const auto f = top.require("hosts")) read_hosts(*f);
  if (const auto f = top.get("clients")) read_clients(*f);
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
    listeners_complete_.push_back(listeners_complete);
  }
}

model::HostSpec ScenarioReader::read_host(const MapReader::Entry& entry, bool& listeners_complete) {
  model::HostSpec host;
  host.name = entry.key;
  MapReader m(sink_, entry.value, kHostKeys);
  if (!m.is_map()) {
    listeners_complete = false;
    return host;
  }
  std::optional<Os> os = Os::kLinux;
  if (const auto f = m.get("os")) os = read_os(*f);
  host.os = os.value_or(Os::kLinux);
  host.kernel = model::default_knobs(host.os);
  if (const auto f = m.get("kernel")) read_kernel(*f, os, host.kernel);
  if (const auto f = m.get("max_sockets")) {
    if (const auto v = read_integer(sink_, *f, 1)) host.max_sockets = *v;
  }
  if (const auto f = m.require("listeners")) {
    read_listeners(*f, host, listeners_complete);
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

void ScenarioReader::read_listeners(const Field& f, model::HostSpec& host, bool& listeners_complete) {
  if (!expect_sequence(sink_, f, "listeners")) {
    listeners_complete = false;
    return;
  }
  if (f.node.size() == 0) sink_.error(f.mark, f.path, "a host needs at least one listener");
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
    std::optional<std::int64_t> workers;
    if (const auto wf = m.require("workers")) {
      workers = read_integer(sink_, *wf, 0, kMaxWorkers);
      if (workers) listener.workers = static_cast<int>(*workers);
    }
    std::optional<Field> service = m.get("service");
    // A listener nobody accepts on serves nothing, so only workers > 0 needs a service time.
    if (!service && workers && *workers > 0) service = m.require("service", "when workers > 0");
    if (service) {
      if (const auto dist = read_distribution(*service)) listener.service = *dist;
    }
    if (!port) {
      listeners_complete = false;
      continue;
    }
    listener.port = static_cast<int>(*port);
    host.listeners.push_back(std::move(listener));
    listener_paths.push_back(e.path);
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
                      " is already used by a host: hosts and clients share one namespace (both are network nodes)");
    }
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
  std::vector<std::string_view> host_names;
  for (const model::HostSpec& h : spec_.hosts) host_names.push_back(h.name);
  const auto host_it = std::find(host_names.begin(), host_names.end(), host_name);
  if (host_it == host_names.end()) {
    std::string message = "unknown host " + quote(host_name) + " in target " + quote(*text);
    const std::string_view match = closest_match(host_name, host_names);
    if (!match.empty()) {
      message += "; did you mean " + quote(match) + "?";
    } else if (!host_names.empty()) {
      message += " (hosts: " + join(host_names) + ")";
    }
    sink_.error(f.mark, f.path, message);
    return;
  }
  const auto host_index = static_cast<std::size_t>(host_it - host_names.begin());
  const std::vector<model::ListenerSpec>& listeners = spec_.hosts[host_index].listeners;
  const auto listener_it = std::find_if(listeners.begin(), listeners.end(),
                                        [&](const model::ListenerSpec& l) { return l.port == port; });
  if (listener_it == listeners.end()) {
    // A host whose listeners could not all be read may well have that port: say nothing.
    if (!listeners_complete_[host_index]) return;
    std::vector<int> ports;
    for (const model::ListenerSpec& l : listeners) {
      if (std::find(ports.begin(), ports.end(), l.port) == ports.end()) ports.push_back(l.port);
    }
    std::string listed;
    for (int p : ports) listed += (listed.empty() ? "" : ", ") + std::to_string(p);
    sink_.error(f.mark, f.path,
                "host " + quote(host_name) + " has no listener on port " + std::to_string(port) +
                    " (it listens on: " + (listed.empty() ? "nothing" : listed) + ")");
    return;
  }
  client.target_host = host_index;
  client.target_listener = static_cast<std::size_t>(listener_it - listeners.begin());
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

}  // namespace

std::optional<model::ScenarioSpec> read_scenario(const YAML::Node& root, std::string_view default_name,
                                                 DiagnosticSink& sink) {
  return ScenarioReader(sink).read(root, default_name);
}

}  // namespace config::detail

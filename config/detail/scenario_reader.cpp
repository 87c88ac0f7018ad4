#include "config/detail/scenario_reader.h"
#include "config/loader.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "config/detail/balancer_reader.h"
#include "config/detail/client_reader.h"
#include "config/detail/draft.h"
#include "config/detail/fault_reader.h"
#include "config/detail/host_reader.h"
#include "config/detail/measure_reader.h"
#include "config/detail/network_reader.h"
#include "config/detail/proxy_reader.h"
#include "config/detail/script_reader.h"
#include "config/detail/text.h"
#include "sim/format.h"

namespace config::detail {

namespace {

// The keys allowed at the top of a scenario (docs/scenario-format.md).
constexpr std::string_view kTopKeys[] = {"name",    "seed",   "duration", "sample_interval", "hosts",  "balancers",
                                         "clients", "script", "faults",   "network",         "measure"};

// name, seed, duration and sample_interval.
void read_run(ScenarioDraft& draft, MapReader& top, std::string_view default_name) {
  DiagnosticSink& sink = draft.sink;
  model::ScenarioSpec& spec = draft.spec;
  spec.name = default_name.empty() ? "scenario" : std::string(default_name);
  if (const auto f = top.get("name")) {
    if (const auto name = read_string(sink, *f, "a scenario name")) {
      if (name->empty()) sink.error(f->mark, f->path, "the scenario name must not be empty");
      spec.name = *name;
    }
  }
  if (const auto f = top.get("seed")) {
    if (const auto seed = read_unsigned64(sink, *f)) spec.seed = *seed;
  }
  if (const auto f = top.require("duration")) {
    draft.duration = read_duration(sink, *f, DurationRange::positive());
    if (draft.duration) spec.duration = *draft.duration;
  }
  // The default never exceeds a short run's duration: only a value the user wrote can be wrong.
  spec.sample_interval = std::min(sim::milliseconds(100), spec.duration);
  if (const auto f = top.get("sample_interval")) {
    if (const auto interval = read_duration(sink, *f, DurationRange::positive())) {
      spec.sample_interval = *interval;
      if (draft.duration && *interval > *draft.duration) {
        sink.error(f->mark, f->path,
                   "sample_interval (" + sim::format_duration(*interval) + ") must not exceed duration (" +
                       sim::format_duration(*draft.duration) + ")");
      } else if (draft.duration && draft.duration->ns() / interval->ns() >= kMaxTimeSeriesRows) {
        // Every row is kept until the run ends: the limit bounds the time series' memory.
        const std::int64_t smallest = (draft.duration->ns() + kMaxTimeSeriesRows - 1) / kMaxTimeSeriesRows;
        sink.error(f->mark, f->path,
                   "sample_interval " + sim::format_duration(*interval) + " over duration " +
                       sim::format_duration(*draft.duration) + " makes more than " +
                       std::to_string(kMaxTimeSeriesRows) + " rows of time series (the limit); use at least " +
                       sim::format_duration(sim::Duration::from_ns(smallest)));
      }
    }
  }
}

// The sections in the order their names are defined and used (errors are listed in file
// order whatever the reading order; it decides what is known when each is read).
void read_sections(ScenarioDraft& draft, MapReader& top) {
  draft.refs.look_ahead(top);
  if (const auto f = top.require("hosts")) read_hosts(draft, *f);
  // Before the balancers and clients: a backend or a target may be a port that only the
  // script binds.
  if (const auto f = top.get("script")) read_script(draft, *f);
  // After every host (a proxy's backends are hosts' listeners) and before the clients (a
  // client retrying on 5xx must target a proxy).
  read_proxies(draft);
  // Before the clients: a client may target a balancer.
  if (const auto f = top.get("balancers")) read_balancers(draft, *f);
  if (const auto f = top.get("clients")) read_clients(draft, *f);
  if (const auto f = top.get("faults")) read_faults(draft, *f);
  // After hosts, balancers and clients: links name them.
  // Before the network's reachability check builds the routes.
  if (const auto f = top.get("clients"); f && draft.sink.count() == 0) {
    draft.refs.set_routes_bounded(routes_within_limit(draft, *f));
  }
  if (const auto f = top.get("network")) read_network(draft, *f);
  draft.refs.resolve_link_faults(draft.spec.faults);
  if (const auto f = top.get("measure")) read_measure(draft, *f);
}

std::optional<model::ScenarioSpec> read(ScenarioDraft& draft, const YAML::Node& root, std::string_view default_name) {
  DiagnosticSink& sink = draft.sink;
  const std::size_t errors_before = sink.count();
  const Field top_field = root_field(root);
  if (root.IsNull()) {
    sink.error(top_field.mark, "",
               "the file is empty: a scenario is a map with at least `duration` and `hosts` "
               "(see docs/scenario-format.md)");
    return std::nullopt;
  }
  if (!root.IsMap()) {
    sink.error(top_field.mark, "",
               "expected a scenario, a map with keys " + join(kTopKeys) + "; got " + describe(root));
    return std::nullopt;
  }
  MapReader top(sink, top_field, kTopKeys);
  read_run(draft, top, default_name);
  read_sections(draft, top);
  if (sink.count() != errors_before) return std::nullopt;
  return std::move(draft.spec);
}

}  // namespace

bool ScenarioDraft::starts_before_end(const Field& f, sim::Duration at, std::string_view what) {
  if (!duration || at < *duration) return true;
  sink.error(f.mark, f.path,
             std::string(what) + " at " + sim::format_duration(at) + " would start after the run ends (duration " +
                 sim::format_duration(*duration) + ")");
  return false;
}

std::optional<model::ScenarioSpec> read_scenario(const YAML::Node& root, std::string_view default_name,
                                                 DiagnosticSink& sink, const std::filesystem::path& base_dir) {
  try {
    ScenarioDraft draft(sink, base_dir);
    return read(draft, root, default_name);
  } catch (const TooManyProblems&) {
    return std::nullopt;  // the sink says so
  }
}

}  // namespace config::detail

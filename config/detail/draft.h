// config/detail/draft.h — a scenario being read: what every section reader shares.
//
// The section readers (hosts, listeners, clients and arrivals, balancers, network, script,
// faults) each fill their part of `spec` and report to `sink`; a name one section defines
// and another uses goes through `refs` (config/detail/references.h), the one place that
// resolves names. read_scenario (scenario_reader.cpp) runs the sections in a fixed order.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "config/detail/node_reader.h"
#include "config/detail/references.h"
#include "model/spec.h"
#include "sim/time.h"

namespace config::detail {

struct ScenarioDraft {
  ScenarioDraft(DiagnosticSink& diagnostics, std::filesystem::path directory)
      : sink(diagnostics), base_dir(std::move(directory)), refs(diagnostics, spec) {}
  ScenarioDraft(const ScenarioDraft&) = delete;
  ScenarioDraft& operator=(const ScenarioDraft&) = delete;

  // `what` (at `f`) starts `at` after the run's start: false, after reporting, when that is
  // not before the run's end. (An invalid duration judges nothing.)
  bool starts_before_end(const Field& f, sim::Duration at, std::string_view what);

  DiagnosticSink& sink;
  const std::filesystem::path base_dir;  // files the scenario names (traces) are relative to it
  model::ScenarioSpec spec;
  std::optional<sim::Duration> duration;  // when valid: later checks compare with it
  References refs;
  // Each host's `proxy:` value, by host index: read once every host is (read_proxies), as
  // its backends may be hosts written after it.
  std::vector<std::pair<std::size_t, Field>> proxy_fields;
  // By host index, parallel to each proxy's backends: where each is written (for routing's
  // errors); empty for a host without a proxy.
  std::vector<std::vector<Field>> proxy_backend_fields;
};

}  // namespace config::detail

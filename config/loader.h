// config/loader.h — scenario files (YAML) in, a validated model::ScenarioSpec out.
//
// The loader never throws and never crashes, whatever the input: every problem it finds
// in a file becomes a Diagnostic with the file, the 1-based line and column, the key path
// ("hosts.web.listeners[0].backlog"), what was expected and what was found. It reports all
// of a file's problems in one go (in file order; up to kMaxDiagnostics of them) and returns
// a spec only when there are none. The format is documented key by key in
// docs/scenario-format.md.
//
// Hostile input is refused quickly and in bounded memory: the limits below are checked
// before yaml-cpp builds a tree, so that no file, however made, can make the loader
// recurse deeply, allocate without bound or work for long.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"
#include "model/spec.h"

namespace config {

// The largest scenario file or text, in bytes; a larger file is not read past the limit.
// (yaml-cpp reads a few MB a second: a file at the limit takes seconds to parse.)
inline constexpr std::size_t kMaxScenarioBytes = std::size_t{16} << 20;
// The most YAML nodes (scalars, maps, sequences) a scenario may have, counting each use
// of an alias as every node it stands for: what the readers walk is bounded by it.
inline constexpr std::uint64_t kMaxYamlNodes = 1'000'000;
// How deep maps and sequences may nest (the format itself needs about 6 levels).
inline constexpr std::size_t kMaxNestingDepth = 64;
// The longest map key, in bytes (YAML's own limit for a plain key).
inline constexpr std::size_t kMaxKeyLength = 1024;
// Routing (model/network.h): the most routes — for each client group, one per server it can
// end at (its target host, or each backend of its balancer) — and the most work for the
// shortest-path searches: (client groups + balancers) x (nodes + links) of the network.
inline constexpr std::uint64_t kMaxRoutes = 1'000'000;
inline constexpr std::uint64_t kMaxRoutingWork = 10'000'000;
// The most rows a run's time series may have (duration / sample_interval, each row kept
// in memory until the run ends, a few hundred bytes with many listeners).
inline constexpr std::int64_t kMaxTimeSeriesRows = 1'000'000;
// The most problems reported for one file; reading stops there, with a last diagnostic
// saying so.
inline constexpr std::size_t kMaxDiagnostics = 100;

struct LoadResult {
  std::optional<model::ScenarioSpec> spec;  // set iff errors is empty
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;  // things that can have no effect; the spec is still set
  // Every file the load read, as opened: the scenario file first, then each trace. An
  // output must never be one of them (cli/output.h).
  std::vector<std::string> inputs;
  bool ok() const { return spec.has_value(); }
};

// Reads and loads a file. An unreadable file gives one Diagnostic at line 0. The scenario's
// name defaults to the file's stem. Files the scenario names (traces) are read relative to
// the scenario file's directory.
LoadResult load_scenario_file(const std::string& path);

// Loads YAML text; `display_name` names it in diagnostics and gives the default name (its stem).
// Files the scenario names are read relative to `base_dir` (empty: the current directory).
LoadResult load_scenario_text(std::string_view yaml_text, const std::string& display_name,
                              const std::filesystem::path& base_dir = {});

}  // namespace config

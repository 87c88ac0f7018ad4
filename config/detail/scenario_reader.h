// config/detail/scenario_reader.h — the two halves of loading, callable separately.
//
// Loading is parse (text -> YAML tree) then read (tree -> ScenarioSpec). They are apart so
// that a caller can change the tree in between — sweeps apply overrides such as
// `hosts.web.listeners[0].backlog=64` to it — and still get every check and every
// file:line:column of a direct load. Neither function throws.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "config/detail/node_reader.h"
#include "model/spec.h"

namespace config::detail {

// The document in `text`. A syntax error, or more than one document, is reported and gives
// nullopt; an empty text gives a null node (which read_scenario reports).
std::optional<YAML::Node> parse_yaml(std::string_view text, DiagnosticSink& sink);

// Validates `root` and converts it. Returns nullopt iff it reported at least one error to
// `sink` (errors already in the sink do not count).
// `default_name` is the scenario's name when the tree has no `name`. Files the scenario
// names (traces) are read relative to `base_dir`, the scenario file's directory (empty:
// the current directory).
std::optional<model::ScenarioSpec> read_scenario(const YAML::Node& root, std::string_view default_name,
                                                 DiagnosticSink& sink, const std::filesystem::path& base_dir = {});

}  // namespace config::detail

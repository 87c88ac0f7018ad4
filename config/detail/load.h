// config/detail/load.h — the steps of a load that loader.cpp and overrides.cpp share.
//
// A load is: read the file, parse the text into a tree, optionally edit the tree (a sweep's
// overrides), read the tree into a spec. load_scenario does the last three with the guard
// that turns anything unforeseen into a Diagnostic, so no input ever escapes as an exception.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "config/detail/node_reader.h"
#include "config/loader.h"

namespace config::detail {

// Changes a parsed tree before it is read. Returns false (after reporting to the sink) to
// stop the load: the tree is then not read at all.
using TreeEdit = std::function<bool(YAML::Node& root, DiagnosticSink& sink)>;

// Parses `yaml_text`, applies `edit` (if any), reads the tree. `display_name` names the text
// in diagnostics and gives the default scenario name (its stem); files the scenario names
// are read relative to `base_dir`.
LoadResult load_scenario(std::string_view yaml_text, const std::string& display_name,
                         const std::filesystem::path& base_dir, const TreeEdit& edit = {});

}  // namespace config::detail

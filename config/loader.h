// config/loader.h — scenario files (YAML) in, a validated model::ScenarioSpec out.
//
// The loader never throws and never crashes, whatever the input: every problem it finds
// in a file becomes a Diagnostic with the file, the 1-based line and column, the key path
// ("hosts.web.listeners[0].backlog"), what was expected and what was found. It reports all
// of a file's problems in one go (in file order) and returns a spec only when there are
// none. The format is documented key by key in docs/scenario-format.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/spec.h"

namespace config {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem has no position (e.g. an unreadable file)
  int column = 0;  // 1-based; 0 with line 0
  std::string path;  // the key path, "" for the file as a whole
  std::string message;
};

// "FILE:LINE:COL: error: PATH: MESSAGE", leaving out "PATH: " when the path is empty and
// "LINE:COL:" when there is no position — the form compilers use, so editors can jump to it.
std::string format(const Diagnostic& d);

struct LoadResult {
  std::optional<model::ScenarioSpec> spec;  // set iff errors is empty
  std::vector<Diagnostic> errors;
  bool ok() const { return spec.has_value(); }
};

// Reads and loads a file. An unreadable file gives one Diagnostic at line 0. The scenario's
// name defaults to the file's stem. Files the scenario names (traces) are read relative to
// the scenario file's directory.
LoadResult load_scenario_file(const std::string& path);

// Loads YAML text; `display_name` names it in diagnostics and gives the default name (its stem).
// Files the scenario names are read relative to the current directory.
LoadResult load_scenario_text(std::string_view yaml_text, const std::string& display_name);

}  // namespace config

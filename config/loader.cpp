#include "config/loader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <system_error>

#include "config/detail/load.h"
#include "config/detail/node_reader.h"
#include "config/detail/scenario_reader.h"
#include "config/input_file.h"

namespace config {

namespace {

std::string stem_of(const std::string& display_name) { return std::filesystem::path(display_name).stem().string(); }

}  // namespace

namespace detail {

LoadResult load_scenario(std::string_view yaml_text, const std::string& display_name,
                         const std::filesystem::path& base_dir, const TreeEdit& edit) {
  detail::DiagnosticSink sink(display_name);
  LoadResult result;
  // The readers report rather than throw; this guard is for what they cannot foresee
  // (allocation failure, a yaml-cpp exception outside its parser), so that no input
  // ever escapes the loader as an exception.
  try {
    if (auto root = parse_yaml(yaml_text, sink)) {
      if (!edit || edit(*root, sink)) result.spec = read_scenario(*root, stem_of(display_name), sink, base_dir);
    }
  } catch (const detail::TooManyProblems&) {
    // The sink says that reading stopped.
  } catch (const std::exception& e) {
    result.errors.push_back(
        Diagnostic{display_name, 0, 0, "", std::string("internal error while loading: ") + e.what()});
  } catch (...) {
    result.errors.push_back(Diagnostic{display_name, 0, 0, "", "internal error while loading"});
  }
  // (Not through the sink, which may be full.)
  result.inputs = sink.inputs();
  std::vector<Diagnostic> internal = std::move(result.errors);
  result.errors = sink.take_sorted();
  result.errors.insert(result.errors.end(), internal.begin(), internal.end());
  result.warnings = sink.take_warnings();
  if (!result.errors.empty()) result.spec.reset();
  return result;
}

}  // namespace detail

LoadResult load_scenario_text(std::string_view yaml_text, const std::string& display_name,
                              const std::filesystem::path& base_dir) {
  return detail::load_scenario(yaml_text, display_name, base_dir);
}

LoadResult load_scenario_file(const std::string& path) {
  std::string error;
  const std::optional<std::string> text = read_input(path, kMaxScenarioBytes, error);
  if (!text) {
    LoadResult result;
    result.errors.push_back(Diagnostic{path, 0, 0, "", "cannot read the scenario file: " + error});
    return result;
  }
  LoadResult result = detail::load_scenario(*text, path, std::filesystem::path(path).parent_path());
  result.inputs.insert(result.inputs.begin(), path);
  return result;
}

}  // namespace config

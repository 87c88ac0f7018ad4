#include "config/loader.h"

#include <cerrno>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <system_error>

#include "config/detail/node_reader.h"
#include "config/detail/scenario_reader.h"

namespace config {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// The whole file, or the reason it cannot be read.
std::optional<std::string> read_file(const std::string& path, std::string& error) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    error = std::error_code(errno, std::generic_category()).message();
    return std::nullopt;
  }
  std::string text;
  char buffer[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, n);
  if (std::ferror(file.get())) {
    // fopen succeeds on a directory; the read is what fails (EISDIR).
    error = std::error_code(errno, std::generic_category()).message();
    return std::nullopt;
  }
  return text;
}

std::string stem_of(const std::string& display_name) {
  return std::filesystem::path(display_name).stem().string();
}

}  // namespace

std::string format(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line > 0) out += ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
  out += ": error: ";
  if (!d.path.empty()) out += d.path + ": ";
  out += d.message;
  return out;
}

namespace {

// `base_dir`: where the files the scenario names are looked for.
LoadResult load_scenario(std::string_view yaml_text, const std::string& display_name,
                         const std::filesystem::path& base_dir) {
  detail::DiagnosticSink sink(display_name);
  LoadResult result;
  // The readers report rather than throw; this guard is for what they cannot foresee
  // (allocation failure, a yaml-cpp exception outside its parser), so that no input
  // ever escapes the loader as an exception.
  try {
    if (const auto root = detail::parse_yaml(yaml_text, sink)) {
      result.spec = detail::read_scenario(*root, stem_of(display_name), sink, base_dir);
    }
  } catch (const std::exception& e) {
    sink.error(YAML::Mark::null_mark(), "", std::string("internal error while loading: ") + e.what());
  } catch (...) {
    sink.error(YAML::Mark::null_mark(), "", "internal error while loading");
  }
  result.errors = sink.take_sorted();
  if (!result.errors.empty()) result.spec.reset();
  return result;
}

}  // namespace

LoadResult load_scenario_text(std::string_view yaml_text, const std::string& display_name) {
  return load_scenario(yaml_text, display_name, {});
}

LoadResult load_scenario_file(const std::string& path) {
  std::string error;
  const std::optional<std::string> text = read_file(path, error);
  if (!text) {
    LoadResult result;
    result.errors.push_back(Diagnostic{path, 0, 0, "", "cannot read the scenario file: " + error});
    return result;
  }
  return load_scenario(*text, path, std::filesystem::path(path).parent_path());
}

}  // namespace config

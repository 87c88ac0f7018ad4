#include "config/overrides.h"

#include <filesystem>
#include <utility>
#include <vector>

#include "config/detail/load.h"
#include "config/detail/node_reader.h"
#include "config/detail/scenario_reader.h"
#include "config/detail/text.h"
#include "config/input_file.h"
#include "config/suggest.h"
#include "sim/random.h"

namespace config {

namespace {

using detail::DiagnosticSink;

struct PathStep {
  bool is_index = false;
  std::string key;        // when !is_index
  std::size_t index = 0;  // when is_index
};

bool is_key_char(char c) { return c != '.' && c != '[' && c != ']' && c != '=' && c != ' ' && c != '\t'; }

std::optional<std::vector<PathStep>> parse_path(std::string_view path, std::string& error) {
  std::vector<PathStep> steps;
  std::size_t i = 0;
  if (path.empty()) {
    error = "the path is empty";
    return std::nullopt;
  }
  while (true) {
    const std::size_t start = i;
    while (i < path.size() && is_key_char(path[i])) ++i;
    if (i == start) {
      error = i < path.size() ? "expected a key at " + quote(path.substr(i)) : "the path ends with '.'";
      return std::nullopt;
    }
    steps.push_back(PathStep{false, std::string(path.substr(start, i - start)), 0});
    while (i < path.size() && path[i] == '[') {
      const std::size_t digits = ++i;
      std::size_t index = 0;
      while (i < path.size() && path[i] >= '0' && path[i] <= '9' && i - digits < 9) {
        index = index * 10 + static_cast<std::size_t>(path[i] - '0');
        ++i;
      }
      if (i == digits || i >= path.size() || path[i] != ']') {
        error = "expected an index like [0] after " + quote(path.substr(0, digits - 1));
        return std::nullopt;
      }
      ++i;
      steps.push_back(PathStep{true, {}, index});
    }
    if (i == path.size()) return steps;
    if (path[i] != '.') {
      error = "unexpected " + quote(path.substr(i, 1)) + " after " + quote(path.substr(0, i));
      return std::nullopt;
    }
    ++i;
  }
}

std::string render(const std::vector<PathStep>& steps, std::size_t count) {
  std::string out;
  for (std::size_t k = 0; k < count; ++k) {
    out = steps[k].is_index ? detail::element_path(out, steps[k].index) : detail::child_path(out, steps[k].key);
  }
  return out;
}

// The position of a value: its own, or for an empty one the fallback (its key's), as
// the readers point at it.
YAML::Mark value_mark(const YAML::Node& node, const YAML::Mark& fallback) {
  if (node.IsNull() || node.Mark().is_null()) return fallback;
  return node.Mark();
}

struct Located {
  YAML::Node node;
  YAML::Mark mark;

  // Points at another node. (Assigning a YAML::Node would overwrite the node it refers
  // to, in the tree, instead.)
  void move_to(const YAML::Node& next, const YAML::Mark& next_mark) {
    node.reset(next);
    mark = next_mark;
  }
};

// Finds the node at `steps`; reports where the path leaves the tree. nullopt then.
std::optional<Located> find(const YAML::Node& root, const std::vector<PathStep>& steps, const Override& o,
                            DiagnosticSink& sink) {
  const std::string in = " (in " + o.origin + ")";
  Located at{root, value_mark(root, YAML::Mark())};
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const PathStep& step = steps[k];
    const std::string here = render(steps, k);
    if (step.is_index) {
      if (!at.node.IsSequence()) {
        sink.error(at.mark, here,
                   "is " + detail::describe(at.node) + ", not a sequence: it has no element [" +
                       std::to_string(step.index) + "]" + in);
        return std::nullopt;
      }
      if (step.index >= at.node.size()) {
        const std::size_t n = at.node.size();
        std::string has = n == 1 ? "1 element ([0])" : std::to_string(n) + " elements";
        if (n > 1) has += " ([0] to [" + std::to_string(n - 1) + "])";
        sink.error(at.mark, here, "index [" + std::to_string(step.index) + "] is out of range: it has " + has + in);
        return std::nullopt;
      }
      const YAML::Node element = at.node[step.index];
      at.move_to(element, value_mark(element, at.mark));
      continue;
    }
    if (!at.node.IsMap()) {
      sink.error(at.mark, here,
                 (here.empty() ? std::string("the document") : std::string("is ")) + detail::describe(at.node) +
                     ", not a map: it has no key " + quote(step.key) + in);
      return std::nullopt;
    }
    bool found = false;
    std::vector<std::string> keys;
    for (auto it = at.node.begin(); it != at.node.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      if (it->first.Scalar() == step.key) {
        at.move_to(it->second, value_mark(it->second, it->first.Mark()));
        found = true;
        break;
      }
      keys.push_back(it->first.Scalar());
    }
    if (!found) {
      std::vector<std::string_view> candidates(keys.begin(), keys.end());
      const std::string_view close = closest_match(step.key, candidates);
      std::string message = "has no key " + quote(step.key);
      if (!close.empty()) {
        message += "; did you mean " + quote(close) + "?";
      } else if (!candidates.empty()) {
        message += " (it has: " + detail::join(candidates) + ")";
      }
      message += in + "; an override changes a value the file writes, so write the key in the file to vary it";
      sink.error(at.mark, here, message);
      return std::nullopt;
    }
  }
  return at;
}

// The value's text parsed as YAML, its nodes placed at `mark` (the position of the value
// it replaces) so that the reader's messages point into the scenario file: the text is
// parsed after as many line breaks and spaces as put it there.
std::optional<YAML::Node> parse_value(const Override& o, const YAML::Mark& mark, DiagnosticSink& sink,
                                      const std::string& path) {
  const int line = mark.is_null() ? 0 : mark.line;
  const int column = mark.is_null() ? 0 : mark.column;
  std::string placed(static_cast<std::size_t>(line), '\n');
  placed.append(static_cast<std::size_t>(column), ' ');
  placed += o.value;
  DiagnosticSink value_sink(sink.file());
  std::optional<YAML::Node> node = detail::parse_yaml(placed, value_sink);
  if (!node) {
    const std::vector<Diagnostic> problems = value_sink.take_sorted();
    const std::string why = problems.empty() ? std::string() : ": " + problems.front().message;
    sink.error(mark, path, "the value " + quote(o.value) + " is not valid YAML" + why + " (set by " + o.origin + ")");
    return std::nullopt;
  }
  return node;
}

bool apply(YAML::Node& root, const Override& o, DiagnosticSink& sink) {
  std::string error;
  const auto steps = parse_path(o.path, error);
  if (!steps) {
    sink.error(YAML::Mark::null_mark(), "", "bad path " + quote(o.path, 80) + ": " + error + " (in " + o.origin + ")");
    return false;
  }
  const std::optional<Located> target = find(root, *steps, o, sink);
  if (!target) return false;
  const std::optional<YAML::Node> value = parse_value(o, target->mark, sink, render(*steps, steps->size()));
  if (!value) return false;
  // Assigning through a handle to a node of the tree makes that node the new value.
  YAML::Node slot = target->node;
  slot = *value;
  return true;
}

// Whether the diagnostic's key path is `path` or lies under it.
bool under(std::string_view diagnostic_path, std::string_view path) {
  if (diagnostic_path.substr(0, path.size()) != path) return false;
  if (diagnostic_path.size() == path.size()) return true;
  const char next = diagnostic_path[path.size()];
  return next == '.' || next == '[';
}

}  // namespace

std::optional<std::string> canonical_override_path(std::string_view path, std::string& error) {
  const auto steps = parse_path(path, error);
  if (!steps) return std::nullopt;
  return render(*steps, steps->size());
}

ScenarioSource ScenarioSource::from_file(const std::string& path) {
  ScenarioSource s;
  s.display_name_ = path;
  s.file_path_ = path;
  s.base_dir_ = std::filesystem::path(path).parent_path().string();
  std::string error;
  if (auto text = read_input(path, kMaxScenarioBytes, error)) {
    s.text_ = std::move(*text);
  } else {
    s.read_error_ = error.empty() ? std::string("unknown error") : error;
  }
  return s;
}

ScenarioSource ScenarioSource::from_text(std::string text, std::string display_name) {
  ScenarioSource s;
  s.display_name_ = std::move(display_name);
  s.text_ = std::move(text);
  return s;
}

std::uint64_t ScenarioSource::fingerprint() const { return sim::hash_name(text_); }

LoadResult ScenarioSource::load(std::span<const Override> overrides) const {
  if (!read_error_.empty()) {
    LoadResult result;
    result.errors.push_back(Diagnostic{display_name_, 0, 0, "", "cannot read the scenario file: " + read_error_});
    return result;
  }
  const auto edit = [&](YAML::Node& root, DiagnosticSink& sink) {
    for (const Override& o : overrides) {
      if (!apply(root, o, sink)) return false;
    }
    return true;
  };
  LoadResult result = detail::load_scenario(text_, display_name_, base_dir_, edit);
  if (!file_path_.empty()) result.inputs.insert(result.inputs.begin(), file_path_);
  // Name the override behind each problem in a value it set (the most specific one).
  for (Diagnostic& d : result.errors) {
    const Override* setter = nullptr;
    std::size_t longest = 0;
    for (const Override& o : overrides) {
      std::string ignored;
      const auto canonical = canonical_override_path(o.path, ignored);
      if (!canonical || !under(d.path, *canonical) || d.message.find(o.origin) != std::string::npos) continue;
      if (!setter || canonical->size() >= longest) {
        setter = &o;
        longest = canonical->size();
      }
    }
    if (setter) d.message += " (set by " + setter->origin + ")";
  }
  return result;
}

}  // namespace config

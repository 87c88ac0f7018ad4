#include "config/detail/node_reader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <system_error>

#include "config/detail/text.h"
#include "config/loader.h"
#include "config/suggest.h"
#include "config/units.h"
#include "sim/format.h"

namespace config::detail {

namespace {

int to_one_based(int zero_based) { return zero_based >= 0 ? zero_based + 1 : 0; }

// yaml-cpp gives an empty value the position where the next token starts; an element
// of a sequence has none at all when it is missing.
YAML::Mark mark_or(const YAML::Node& node, const YAML::Mark& fallback) {
  if (node.IsNull()) return fallback;
  const YAML::Mark m = node.Mark();
  return m.is_null() ? fallback : m;
}

// A plain scalar is one YAML would type by its text (numbers, booleans); a quoted one
// is always a string. An explicit !!int / !!float tag also counts as a number.
bool is_plain_or_numeric_tag(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  return tag == "?" || tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float";
}

std::string got(const YAML::Node& node) { return ", got " + describe(node); }

template <class T>
std::string integer_expectation(T min, T max) {
  // An unsigned type's minimum, 0, is still worth stating.
  const bool no_min = std::is_signed_v<T> && min == std::numeric_limits<T>::min();
  const bool no_max = max == std::numeric_limits<T>::max();
  if (no_min && no_max) return "an integer";
  if (no_max) return "an integer >= " + std::to_string(min);
  if (no_min) return "an integer <= " + std::to_string(max);
  return "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

enum class IntegerText { kOk, kNotInteger, kOutOfRange };

template <class T>
IntegerText parse_integer_text(std::string_view text, T& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return IntegerText::kNotInteger;
  if constexpr (std::is_unsigned_v<T>) {
    // from_chars would reject the sign as "not a number"; a negative integer is a range error.
    if (text.front() == '-') {
      std::int64_t ignored = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ignored);
      if (end == text.data() + text.size() && ec != std::errc::invalid_argument) return IntegerText::kOutOfRange;
      return IntegerText::kNotInteger;
    }
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec == std::errc::invalid_argument || end != text.data() + text.size()) return IntegerText::kNotInteger;
  if (ec == std::errc::result_out_of_range) return IntegerText::kOutOfRange;
  return IntegerText::kOk;
}

// One piece of code for every integer type the format uses.
template <class T>
std::optional<T> read_integral(DiagnosticSink& sink, const Field& f, T min, T max) {
  const std::string expected = "expected " + integer_expectation(min, max);
  if (!f.node.IsScalar()) {
    sink.error(f.mark, f.path, expected + got(f.node));
    return std::nullopt;
  }
  const std::string& text = f.node.Scalar();
  T value{};
  const IntegerText parsed = parse_integer_text(text, value);
  if (!is_plain_or_numeric_tag(f.node)) {
    std::string message = expected + ", got the string " + quote(text);
    if (parsed != IntegerText::kNotInteger) message += " (write it without quotes)";
    sink.error(f.mark, f.path, message);
    return std::nullopt;
  }
  if (parsed == IntegerText::kNotInteger) {
    sink.error(f.mark, f.path, expected + got(f.node));
    return std::nullopt;
  }
  if (parsed == IntegerText::kOutOfRange || value < min || value > max) {
    sink.error(f.mark, f.path, expected + ", got " + shown(text));
    return std::nullopt;
  }
  return value;
}

namespace {

// Why a number parse_number_text read as infinite is not a finite number: it names a
// non-finite value, or it is beyond what a double holds (too large, or too close to 0).
std::string non_finite_reason(std::string_view text) {
  const std::string copy(text);
  errno = 0;
  const double v = std::strtod(copy.c_str(), nullptr);
  if (errno == ERANGE && std::fabs(v) < 1.0) {
    return "too close to 0 for a double (it underflows; the smallest is about 4.9e-324): write 0 if that is meant";
  }
  if (errno == ERANGE) return "too large for a double (the largest is about 1.8e308)";
  return "a finite number is needed";
}

}  // namespace

std::optional<double> parse_number_text(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  // YAML's spellings of the non-finite values; from_chars knows only C's.
  if (text == ".inf" || text == ".Inf" || text == ".INF") return std::numeric_limits<double>::infinity();
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") return -std::numeric_limits<double>::infinity();
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<double>::infinity();
  if (ec != std::errc{}) return std::nullopt;
  return v;
}

}  // namespace

void DiagnosticSink::stop_when_full() {
  if (diagnostics_.size() < kMaxDiagnostics) return;
  stopped_ = true;
  throw TooManyProblems{};
}

void DiagnosticSink::error(const YAML::Mark& mark, std::string path, std::string message) {
  stop_when_full();
  diagnostics_.push_back(
      Diagnostic{file_, to_one_based(mark.line), to_one_based(mark.column), std::move(path), std::move(message)});
  order_.emplace_back(diagnostics_.back().line, diagnostics_.back().column);
}

void DiagnosticSink::error_in_other_file(const YAML::Mark& anchor, Diagnostic d) {
  stop_when_full();
  diagnostics_.push_back(std::move(d));
  order_.emplace_back(to_one_based(anchor.line), to_one_based(anchor.column));
}

void DiagnosticSink::warning(const YAML::Mark& mark, std::string path, std::string message) {
  Diagnostic d{file_, to_one_based(mark.line), to_one_based(mark.column), std::move(path), std::move(message)};
  d.warning = true;
  warnings_.push_back(std::move(d));
}

std::vector<Diagnostic> DiagnosticSink::take_warnings() {
  std::vector<Diagnostic> out = std::move(warnings_);
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  return out;
}

std::vector<Diagnostic> DiagnosticSink::take_sorted() {
  std::vector<std::size_t> index(diagnostics_.size());
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = i;
  std::stable_sort(index.begin(), index.end(), [&](std::size_t a, std::size_t b) { return order_[a] < order_[b]; });
  std::vector<Diagnostic> sorted;
  sorted.reserve(index.size());
  for (std::size_t i : index) sorted.push_back(std::move(diagnostics_[i]));
  if (stopped_) {
    sorted.push_back(Diagnostic{file_, 0, 0, "",
                                "too many problems: reading stopped after the first " +
                                    std::to_string(kMaxDiagnostics) + " (fix them and check again)"});
  }
  diagnostics_.clear();
  order_.clear();
  stopped_ = false;
  return sorted;
}

Field root_field(const YAML::Node& root) {
  YAML::Mark start;  // line 0, column 0: the top of the file
  return Field{root, mark_or(root, start), ""};
}

std::string child_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string p(parent);
  p += '.';
  p += key;
  return p;
}

std::string element_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "no value";
  if (node.IsSequence()) return "a sequence";
  if (node.IsMap()) return "a map";
  return quote(node.Scalar());
}

bool before(const YAML::Mark& a, const YAML::Mark& b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

std::optional<std::string> raw_scalar(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      if (it->second.IsScalar()) return it->second.Scalar();
      return std::nullopt;
    }
  }
  return std::nullopt;
}

MapReader::MapReader(DiagnosticSink& sink, Field map, std::span<const std::string_view> allowed)
    : MapReader(sink, std::move(map), allowed, true) {}

MapReader MapReader::of_names(DiagnosticSink& sink, Field map) { return MapReader(sink, std::move(map), {}, false); }

MapReader::MapReader(DiagnosticSink& sink, Field map, std::span<const std::string_view> allowed, bool fixed_keys)
    : sink_(&sink), map_(std::move(map)) {
  if (!map_.node.IsMap()) {
    std::string expected = "expected a map";
    if (fixed_keys && !allowed.empty()) expected += " with keys " + join(allowed);
    sink.error(map_.mark, map_.path, expected + got(map_.node));
    return;
  }
  is_map_ = true;
  std::map<std::string, int, std::less<>> first_line;  // 1-based line of each key seen
  for (auto it = map_.node.begin(); it != map_.node.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    const YAML::Mark key_mark = mark_or(key, map_.mark);
    if (!key.IsScalar()) {
      sink.error(key_mark, map_.path, "expected a key name, got " + describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    std::string path = child_path(map_.path, name);
    // yaml-cpp 0.7 keeps both entries of a duplicated key; the first one is the one used.
    if (const auto seen = first_line.find(name); seen != first_line.end()) {
      sink.error(key_mark, path,
                 "duplicate key " + quote(name) + " (first at line " + std::to_string(seen->second) + ")");
      continue;
    }
    first_line.emplace(name, to_one_based(key_mark.line));
    if (fixed_keys && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      if (name == "<<") {
        // yaml-cpp 0.7 reads a merge key as a plain key named "<<".
        sink.error(key_mark, path, "YAML merge keys (<<) are not supported: write the keys out");
        continue;
      }
      const std::string_view match = closest_match(name, allowed);
      if (!match.empty()) suggested_.emplace_back(match);
      sink.error(key_mark, path, "unknown key " + quote(name) + suggestion_suffix(name, allowed));
      continue;
    }
    entries_.push_back(Entry{name, key_mark, Field{value, mark_or(value, key_mark), std::move(path)}});
  }
}

std::optional<Field> MapReader::get(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return e.value;
  }
  return std::nullopt;
}

YAML::Mark MapReader::key_mark(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return e.key_mark;
  }
  return map_.mark;
}

std::optional<Field> MapReader::require(std::string_view key, std::string_view when) {
  std::optional<Field> f = get(key);
  if (f || !is_map_) return f;
  if (std::find(suggested_.begin(), suggested_.end(), key) != suggested_.end()) return std::nullopt;
  std::string message = "missing required key " + quote(key);
  if (!when.empty()) message += std::string(" (required ") + std::string(when) + ")";
  sink_->error(map_.mark, map_.path, std::move(message));
  return std::nullopt;
}

std::optional<std::string> read_string(DiagnosticSink& sink, const Field& f, std::string_view what) {
  if (!f.node.IsScalar()) {
    sink.error(f.mark, f.path, "expected " + std::string(what) + got(f.node));
    return std::nullopt;
  }
  return f.node.Scalar();
}

std::optional<bool> read_bool(DiagnosticSink& sink, const Field& f) {
  if (f.node.IsScalar()) {
    if (f.node.Scalar() == "true") return true;
    if (f.node.Scalar() == "false") return false;
  }
  sink.error(f.mark, f.path,
             "expected true or false" + (f.node.IsScalar() ? ", got " + quote(f.node.Scalar()) : got(f.node)));
  return std::nullopt;
}

std::optional<std::int64_t> read_integer(DiagnosticSink& sink, const Field& f, std::int64_t min, std::int64_t max) {
  return read_integral<std::int64_t>(sink, f, min, max);
}

std::optional<std::uint64_t> read_unsigned64(DiagnosticSink& sink, const Field& f) {
  return read_integral<std::uint64_t>(sink, f, 0, std::numeric_limits<std::uint64_t>::max());
}

std::optional<std::int64_t> read_port(DiagnosticSink& sink, const Field& f) {
  return read_integer(sink, f, 1, kMaxPort);
}

bool NumberRange::contains(double v) const {
  const bool above_min = min_open ? v > min : v >= min;
  const bool below_max = max_open ? v < max : v <= max;
  return above_min && below_max;
}

std::string NumberRange::describe() const {
  const bool has_min = std::isfinite(min);
  const bool has_max = std::isfinite(max);
  if (has_min && has_max) {
    return "a number in " + std::string(min_open ? "(" : "[") + sim::format_number(min) + ", " +
           sim::format_number(max) + (max_open ? ")" : "]");
  }
  if (has_min) return "a number " + std::string(min_open ? "> " : ">= ") + sim::format_number(min);
  if (has_max) return "a number " + std::string(max_open ? "< " : "<= ") + sim::format_number(max);
  return "a number";
}

std::optional<double> read_number(DiagnosticSink& sink, const Field& f, NumberRange range) {
  const std::string expected = "expected " + range.describe();
  if (!f.node.IsScalar()) {
    sink.error(f.mark, f.path, expected + got(f.node));
    return std::nullopt;
  }
  const std::string& text = f.node.Scalar();
  const std::optional<double> v = parse_number_text(text);
  if (!is_plain_or_numeric_tag(f.node)) {
    std::string message = expected + ", got the string " + quote(text);
    if (v) message += " (write it without quotes)";
    sink.error(f.mark, f.path, message);
    return std::nullopt;
  }
  if (!v) {
    sink.error(f.mark, f.path, expected + got(f.node));
    return std::nullopt;
  }
  if (!std::isfinite(*v)) {
    sink.error(f.mark, f.path, expected + ", got " + shown(text) + ": " + non_finite_reason(text));
    return std::nullopt;
  }
  if (!range.contains(*v)) {
    sink.error(f.mark, f.path, expected + ", got " + shown(text));
    return std::nullopt;
  }
  return v;
}

std::string DurationRange::describe() const {
  const bool has_max = !max.is_infinite();
  if (!has_max && min == sim::Duration::zero()) return "a duration";
  if (!has_max && min == sim::nanoseconds(1)) return "a duration > 0";
  if (!has_max) return "a duration >= " + sim::format_duration(min);
  return "a duration in [" + sim::format_duration(min) + ", " + sim::format_duration(max) + "]";
}

std::optional<sim::Duration> read_duration(DiagnosticSink& sink, const Field& f, DurationRange range) {
  if (!f.node.IsScalar()) {
    sink.error(f.mark, f.path, "expected " + range.describe() + " such as 10s or 500ms" + got(f.node));
    return std::nullopt;
  }
  const ParseResult<sim::Duration> d = parse_duration(f.node.Scalar());
  if (!d.ok()) {
    sink.error(f.mark, f.path, d.error);
    return std::nullopt;
  }
  if (!range.contains(*d.value)) {
    sink.error(f.mark, f.path, "expected " + range.describe() + ", got " + shown(f.node.Scalar()));
    return std::nullopt;
  }
  return d.value;
}

std::optional<double> read_rate(DiagnosticSink& sink, const Field& f) {
  if (!f.node.IsScalar()) {
    sink.error(f.mark, f.path, "expected a rate such as 2000/s" + got(f.node));
    return std::nullopt;
  }
  const ParseResult<double> r = parse_rate(f.node.Scalar());
  if (!r.ok()) {
    sink.error(f.mark, f.path, r.error);
    return std::nullopt;
  }
  return r.value;
}

std::optional<std::size_t> read_choice(DiagnosticSink& sink, const Field& f, std::string_view what,
                                       std::span<const std::string_view> choices) {
  if (!f.node.IsScalar()) {
    sink.error(f.mark, f.path, "expected " + std::string(what) + ", one of " + join(choices) + got(f.node));
    return std::nullopt;
  }
  const std::string& text = f.node.Scalar();
  const auto it = std::find(choices.begin(), choices.end(), text);
  if (it != choices.end()) return static_cast<std::size_t>(it - choices.begin());
  sink.error(f.mark, f.path, "unknown " + std::string(what) + " " + quote(text) + suggestion_suffix(text, choices));
  return std::nullopt;
}

bool expect_sequence(DiagnosticSink& sink, const Field& f, std::string_view what) {
  if (f.node.IsSequence()) return true;
  sink.error(f.mark, f.path, "expected a sequence of " + std::string(what) + got(f.node));
  return false;
}

Field element(const Field& sequence, std::size_t index) {
  const YAML::Node node = sequence.node[index];
  return Field{node, mark_or(node, sequence.mark), element_path(sequence.path, index)};
}

std::optional<TaggedMap> read_tagged(DiagnosticSink& sink, const Field& f, std::string_view tag_key,
                                     std::span<const TaggedKind> kinds, std::string_view example) {
  if (!f.node.IsMap()) {
    sink.error(f.mark, f.path, "expected a map like " + std::string(example) + got(f.node));
    return std::nullopt;
  }
  std::vector<std::string_view> kind_names;
  std::vector<std::string_view> every_key;
  for (const TaggedKind& k : kinds) {
    kind_names.push_back(k.name);
    for (std::string_view key : k.keys) {
      if (std::find(every_key.begin(), every_key.end(), key) == every_key.end()) every_key.push_back(key);
    }
  }
  std::optional<Field> tag;
  for (auto it = f.node.begin(); it != f.node.end() && !tag; ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == tag_key) {
      tag = Field{it->second, mark_or(it->second, mark_or(it->first, f.mark)), child_path(f.path, tag_key)};
    }
  }
  if (!tag) {
    MapReader keys(sink, f, every_key);
    keys.require(tag_key);
    return std::nullopt;
  }
  const std::optional<std::size_t> kind = read_choice(sink, *tag, tag_key, kind_names);
  if (!kind) {
    const MapReader still_check_keys(sink, f, every_key);  // duplicate and unknown keys
    return std::nullopt;
  }
  return TaggedMap{*kind, MapReader(sink, f, kinds[*kind].keys)};
}

}  // namespace config::detail

// config/detail/node_reader.h — typed, checked reads from a parsed YAML tree.
//
// Every read either returns a value or records a Diagnostic (at the value's line and
// column, with its key path, what was expected and what was found) and returns nullopt;
// nothing here throws. Callers keep going after a failed read so that one pass over a
// file reports all of its problems. Only config/ includes this header (it exposes yaml-cpp).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/diagnostic.h"
#include "sim/time.h"

namespace config::detail {

// Thrown by DiagnosticSink when a problem beyond kMaxDiagnostics is reported, to stop
// reading: whatever a file holds, at most that many messages are ever built. Whoever
// drives a load catches it (read_scenario does); the sink then says that reading stopped.
struct TooManyProblems {};

// Collects the diagnostics of one file, up to kMaxDiagnostics.
class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string file) : file_(std::move(file)) {}

  // `mark` is yaml-cpp's (0-based); a null mark (line -1) gives a diagnostic without location.
  // Both throw TooManyProblems instead of recording a problem past kMaxDiagnostics.
  void error(const YAML::Mark& mark, std::string path, std::string message);
  // A problem inside another file the scenario names (a trace): `d` carries that file and
  // its own position, and is listed with the scenario's problems at `anchor`, the key that
  // names the file.
  void error_in_other_file(const YAML::Mark& anchor, Diagnostic d);
  // Something that can have no effect: reported, but the file still loads. Warnings do
  // not count towards kMaxDiagnostics.
  void warning(const YAML::Mark& mark, std::string path, std::string message);
  std::size_t count() const { return diagnostics_.size() + (stopped_ ? 1 : 0); }
  const std::string& file() const { return file_; }
  // A file the scenario names was read (a trace): LoadResult::inputs lists it.
  void note_input(std::string path) { inputs_.push_back(std::move(path)); }
  const std::vector<std::string>& inputs() const { return inputs_; }
  // The diagnostics in file order (line, then column; ties in the order reported), and
  // last, when reading stopped at the limit, one without position that says so.
  std::vector<Diagnostic> take_sorted();
  // The warnings, in file order.
  std::vector<Diagnostic> take_warnings();

 private:
  void stop_when_full();

  std::string file_;
  bool stopped_ = false;  // a problem past kMaxDiagnostics was reported
  std::vector<Diagnostic> diagnostics_;
  std::vector<std::pair<int, int>> order_;  // parallel: the (line, column) each is listed at
  std::vector<Diagnostic> warnings_;
  std::vector<std::string> inputs_;
};

// A node together with where to point at it and how to name it.
struct Field {
  YAML::Node node;
  // The value's position; for an empty value (`key:` and nothing), its key's, because
  // yaml-cpp places an empty value at the start of the next line.
  YAML::Mark mark;
  std::string path;  // "hosts.web.listeners[0].backlog"; "" for the document itself
};

Field root_field(const YAML::Node& root);
std::string child_path(std::string_view parent, std::string_view key);
std::string element_path(std::string_view parent, std::size_t index);

// What a node is, for "got ...": `no value`, `a map`, `a sequence` or the quoted scalar.
std::string describe(const YAML::Node& node);

// Whether `a` is written before `b` in the file.
bool before(const YAML::Mark& a, const YAML::Mark& b);

// The scalar value of `key` in a map node, without any diagnostics (for looking ahead).
std::optional<std::string> raw_scalar(const YAML::Node& map, std::string_view key);

// A map read key by key. Construction reports, once each: a node that is not a map,
// keys that are not plain names, duplicate keys (at the second occurrence) and, for a
// map with a fixed set of keys, unknown keys with a "did you mean".
class MapReader {
 public:
  // A map whose keys must be among `allowed` (which must outlive the reader).
  MapReader(DiagnosticSink& sink, Field map, std::span<const std::string_view> allowed);
  // A map whose keys are names chosen by the user (hosts, clients, kernel knobs).
  static MapReader of_names(DiagnosticSink& sink, Field map);

  bool is_map() const { return is_map_; }
  const Field& field() const { return map_; }

  struct Entry {
    std::string key;
    YAML::Mark key_mark;
    Field value;
  };
  // First occurrences of the keys, in file order.
  const std::vector<Entry>& entries() const { return entries_; }

  std::optional<Field> get(std::string_view key) const;
  // Where `key` is written (for errors about the key rather than its value); the map's
  // position when it is absent.
  YAML::Mark key_mark(std::string_view key) const;
  // Like get, but reports a missing key at the map's position. `when` qualifies the
  // message (e.g. "when workers > 0"). Stays silent when an unknown key was already
  // reported with this key as its "did you mean", so one typo gives one error.
  std::optional<Field> require(std::string_view key, std::string_view when = {});

 private:
  MapReader(DiagnosticSink& sink, Field map, std::span<const std::string_view> allowed, bool fixed_keys);

  DiagnosticSink* sink_;
  Field map_;
  bool is_map_ = false;
  std::vector<Entry> entries_;
  std::vector<std::string> suggested_;  // keys offered for unknown ones
};

// Scalar reads. Each reports its own failure and returns nullopt.
//
// Integers and numbers must be plain (unquoted) scalars, as YAML types them; a quoted
// number gets a hint to drop the quotes. Durations and rates may be quoted or plain.
std::optional<std::string> read_string(DiagnosticSink& sink, const Field& f, std::string_view what = "a string");

std::optional<std::int64_t> read_integer(DiagnosticSink& sink, const Field& f,
                                         std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                                         std::int64_t max = std::numeric_limits<std::int64_t>::max());
std::optional<std::uint64_t> read_unsigned64(DiagnosticSink& sink, const Field& f);

// A TCP port: an integer in [1, kMaxPort].
inline constexpr std::int64_t kMaxPort = 65535;
std::optional<std::int64_t> read_port(DiagnosticSink& sink, const Field& f);

// An interval of the real line, for messages like "expected a number in [0, 1]".
struct NumberRange {
  double min = -std::numeric_limits<double>::infinity();
  bool min_open = false;
  double max = std::numeric_limits<double>::infinity();
  bool max_open = false;

  static NumberRange at_least(double v) { return {v, false}; }
  static NumberRange above(double v) { return {v, true}; }
  static NumberRange between(double lo, double hi) { return {lo, false, hi, false}; }
  bool contains(double v) const;
  std::string describe() const;
};
// A finite number in `range`.
std::optional<double> read_number(DiagnosticSink& sink, const Field& f, NumberRange range);

// A duration in [min, max]; the defaults accept every finite duration.
struct DurationRange {
  sim::Duration min = sim::Duration::zero();
  sim::Duration max = sim::Duration::infinite();

  static DurationRange positive() { return {sim::nanoseconds(1)}; }
  bool contains(sim::Duration d) const { return d >= min && d <= max; }
  std::string describe() const;
};
std::optional<sim::Duration> read_duration(DiagnosticSink& sink, const Field& f, DurationRange range = {});

// Events per second.
std::optional<double> read_rate(DiagnosticSink& sink, const Field& f);

// One of `choices` (exact spelling); returns its index. `what` names the thing ("os").
std::optional<std::size_t> read_choice(DiagnosticSink& sink, const Field& f, std::string_view what,
                                       std::span<const std::string_view> choices);

// A sequence; reports anything else.
bool expect_sequence(DiagnosticSink& sink, const Field& f, std::string_view what);

// `true` or `false` (YAML 1.2 core schema spellings only).
std::optional<bool> read_bool(DiagnosticSink& sink, const Field& f);
Field element(const Field& sequence, std::size_t index);

// Maps told apart by the value of one key, like {dist: exponential, mean: 5ms}: each
// kind lists every key it takes, the tag key included.
struct TaggedKind {
  std::string_view name;
  std::span<const std::string_view> keys;
};
struct TaggedMap {
  std::size_t kind;  // index into the kinds
  MapReader reader;  // checked against that kind's keys
};
// Reads the tag, then checks the map against its kind's keys. nullopt (after reporting)
// when the node is not a map or the tag is missing or unknown; unknown keys are then
// judged against every kind's keys, so that the tag's error is not buried in others.
// `example` shows the expected shape in a message ("{dist: exponential, mean: 5ms}").
std::optional<TaggedMap> read_tagged(DiagnosticSink& sink, const Field& f, std::string_view tag_key,
                                     std::span<const TaggedKind> kinds, std::string_view example);

}  // namespace config::detail

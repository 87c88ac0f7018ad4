// cli/study.h — what sweep and plan share: a scenario, its --vary arguments, the points
// they make, and every point's replications.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/vary.h"
#include "config/overrides.h"
#include "model/spec.h"

namespace cli {

struct Study {
  config::ScenarioSource source;
  std::vector<Vary> varies;
  std::vector<Point> points;  // the grid, in order
  Point pins;                 // --set PATH=VALUE: applied before each point's own overrides
  // --crn (common random numbers): a replication's seed leaves the point out, so every
  // point sees the same random streams in replication r.
  bool crn = false;
  std::optional<std::string> window;  // --window FROM..TO: replaces every point's `measure:`
};

// Everything point `p` sets: the pins, then its own overrides.
Point assignments(const Study& study, std::size_t p);

// Whether two canonical override paths overlap: the same, or one inside the other
// ("a.b" and "a.b.c", "a.b" and "a.b[0]"; not "a.b" and "a.bc").
bool paths_overlap(std::string_view a, std::string_view b);

// Parses --set arguments (PATH=VALUE, the path syntax of --vary, one value each) into
// pins; a path set twice, or two that overlap, is an error. Prints every problem to `err`.
std::optional<Point> parse_pins(std::span<const std::string> set_arguments, std::ostream& err);

// Reads the scenario and parses the --vary and --set arguments (a path given twice, or two
// that overlap, is an error).
// Prints every problem to `err`; nullopt then.
std::optional<Study> prepare_study(const std::string& file, std::span<const std::string> vary_arguments,
                                   std::ostream& err, std::span<const std::string> set_arguments = {},
                                   const std::optional<std::string>& window = std::nullopt);

// The scenario with the point's overrides (and the study's --window) applied, or nullopt after printing its problems
// to `err` (each distinct message once per `printed`, so a bad value shared by many points
// is reported once). The files it read that `inputs` does not list yet are added to it.
std::optional<model::ScenarioSpec> load_point(const Study& study, std::size_t point, std::ostream& err,
                                              std::vector<std::string>& printed, std::vector<std::string>& inputs);

// For a check that passed here (`here_ok`) but not on every rank (`all_ok` false): says so
// on `err`, since only rank 0 prints. Returns all_ok.
bool agreed(bool here_ok, bool all_ok, std::ostream& err);

// The seeds of replications [first, first + count) of point `p`, whose scenario seed is
// `seed`: from the point's assignments (pins included), or from none of them with --crn.
std::vector<std::uint64_t> replication_seeds(const Study& study, std::size_t p, std::uint64_t seed, std::uint32_t first,
                                             std::uint32_t count);

}  // namespace cli

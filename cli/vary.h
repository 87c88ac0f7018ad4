// cli/vary.h — the --vary arguments of `synstorm sweep` and `synstorm plan`.
//
// `--vary PATH=v1,v2,...` lists values (YAML text each: `64`, `2000/s`, `windows`; commas
// inside [] {} or quotes do not split); `--vary PATH=LO..HI[:STEP]` counts from LO to HI by
// STEP (default 1) in exact decimal arithmetic, with an optional unit written after the
// numbers (`1000/s..4000/s:500/s`, `5ms..20ms:5ms`). Several --vary make a grid.
//
// A replication's seed depends only on the scenario's seed, the point's own assignments
// (in canonical form: sorted by path) and the replication's index, so a point's numbers are
// the same whichever other points share the sweep, and whatever -j or MPI ranks run it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/overrides.h"

namespace cli {

struct Vary {
  std::string argument;             // as written, without "--vary "
  std::string path;                 // canonical: "hosts.web.listeners[0].backlog"
  std::vector<std::string> values;  // in the order written (a range: ascending)
  bool is_range = false;
};

// The most values one --vary may expand to, and the most points a grid may have.
inline constexpr std::size_t kMaxVaryValues = 1'000'000;

// Parses one --vary argument; the error message names it, after `flag` (--set arguments
// share the syntax).
std::variant<Vary, std::string> parse_vary(std::string_view argument, std::string_view flag = "--vary");

// One point of a sweep: an override per --vary, in --vary order.
using Point = std::vector<config::Override>;

// The number of points of the grid, or 0 when it would exceed kMaxVaryValues.
std::size_t grid_size(std::span<const Vary> varies);

// Every combination, the first --vary varying slowest (as nested loops written in order).
// No --vary at all gives one point with no overrides. Requires: grid_size(varies) > 0 or
// varies empty.
std::vector<Point> expand_grid(std::span<const Vary> varies);

// "hosts.web.listeners[0].backlog=64, hosts.web.os=linux" ("the scenario as written" for none).
std::string describe_point(const Point& point);

// The point's assignments as "path=value" lines sorted by path.
std::string point_key(const Point& point);

// The seed of replication `rep` (0-based) of `point`, from the point's scenario seed.
std::uint64_t replication_seed(std::uint64_t scenario_seed, const Point& point, std::uint32_t rep);

}  // namespace cli

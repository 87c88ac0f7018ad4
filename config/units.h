// config/units.h — durations and rates as scenario files write them.
//
// A duration is `<number><unit>` ("1.5s", "500ms", "0s"; units ns us ms s m h, and the
// spellings people type for them: µs or μs, sec, seconds, msec, min, hours, ...) and a rate
// is `<number>/<period>` ("2000/s", "5/ms", "10/100ms"). The whole part of a number may
// group thousands with commas ("12,000/s"); any other comma is an error that says why. Parsing never throws and never
// goes through a binary double for durations: "0.1s" is exactly 100000000 ns, and a value
// with more precision than a nanosecond is rounded to the nearest one (halves up).
// On failure the result carries a message meant for the user, without location: callers
// add the file, line and key. Used by the loader and by anything that reads a duration
// from a command line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sim/time.h"

namespace config {

// A parsed value, or what is wrong with the text.
template <class T>
struct ParseResult {
  std::optional<T> value;
  std::string error;  // empty when value is set

  bool ok() const { return value.has_value(); }
};

// A finite, non-negative duration: the largest accepted is one nanosecond below
// Duration::infinite() (about 292 years). Spaces between number and unit are allowed.
ParseResult<sim::Duration> parse_duration(std::string_view text);

// Arrivals per second, > 0 and at most kMaxRatePerSecond. The count is a non-negative
// decimal; the period is a unit ("s", meaning 1s) or a duration ("100ms") greater than 0.
ParseResult<double> parse_rate(std::string_view text);

// One arrival per nanosecond: faster than that the engine's clock cannot tell arrivals apart.
inline constexpr double kMaxRatePerSecond = 1e9;

}  // namespace config

// config/window.h — the measurement window, as a scenario's `measure:` and the command
// line's `--window FROM..TO` write it (docs/scenario-format.md, "Measurement window").
//
// Both go through window_problem(), so that a window is checked the same way wherever it
// is written: 0 <= from < to <= duration.
#pragma once

#include <string>
#include <string_view>

#include "config/units.h"
#include "model/spec.h"
#include "sim/time.h"

namespace config {

// What is wrong with the window [from, to) of a run of `duration`; "" when nothing is.
std::string window_problem(sim::Duration from, sim::Duration to, sim::Duration duration);

// `FROM..TO` ("40s..160s"); either end may be left out ("40s..", "..2m"): the run's start
// or end. The message names what is wrong, without location.
ParseResult<model::MeasureWindow> parse_window(std::string_view text, sim::Duration duration);

}  // namespace config

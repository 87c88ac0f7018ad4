// config/detail/distribution_reader.h — a random duration: `{dist: exponential, mean: 5ms}`.
//
// A listener's (or a script's listen step's) service time and a closed population's think
// time are distributions of durations, read here the same way wherever they appear.
#pragma once

#include <optional>

#include "config/detail/node_reader.h"
#include "sim/distribution.h"

namespace config::detail {

// One of constant | exponential | uniform | lognormal | pareto | empirical, with its keys;
// nullopt after reporting.
std::optional<sim::DurationDist> read_distribution(DiagnosticSink& sink, const Field& f);

}  // namespace config::detail

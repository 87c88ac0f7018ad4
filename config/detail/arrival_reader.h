// config/detail/arrival_reader.h — a client group's `arrivals:`, the process that makes
// its connect() calls: poisson | constant | burst | onoff | ramp | flash_crowd | trace |
// closed.
//
// Rates carry a period ("2000/s"); a phase of a process (onoff's off state, either end of
// a ramp, a flash crowd's base) may be silent ("0/s"), a whole process may not. What
// starts at a given time must start before the run ends. A trace is read from the file it
// names (config/detail/trace_arrivals.h).
#pragma once

#include <optional>

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"
#include "model/spec.h"

namespace config::detail {

// nullopt after reporting.
std::optional<model::ArrivalSpec> read_arrivals(ScenarioDraft& draft, const Field& f);

}  // namespace config::detail

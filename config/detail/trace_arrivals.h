// config/detail/trace_arrivals.h — `{process: trace, ...}`: arrivals replayed from a file.
//
// A trace replays a CSV log (`csv`, optionally only the lines of one `id`) or the SYNs of
// a capture to a `port` (`pcap`), read relative to the scenario's directory through
// config/trace_reader.h. Problems inside the file are reported at the file's own lines;
// an unreadable file, an empty trace or one that ends before the run starts, at the
// scenario's keys.
#pragma once

#include <optional>

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"
#include "model/spec.h"

namespace config::detail {

// `m` is the `arrivals:` map, already checked against the trace process's keys.
// nullopt after reporting.
std::optional<model::ArrivalSpec> read_trace_arrivals(ScenarioDraft& draft, MapReader& m);

}  // namespace config::detail

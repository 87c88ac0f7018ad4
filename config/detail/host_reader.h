// config/detail/host_reader.h — `hosts:`: each host's OS personality, kernel knobs and
// descriptor limits, and its listeners (config/detail/listener_reader.h).
//
// A knob is checked against the knob table of model/ (its range, and whether it applies
// to the host's OS); nothing here knows what a knob does.
#pragma once

#include <optional>

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"
#include "model/personality.h"

namespace config::detail {

// Reads every host into draft.spec.hosts, registering each with draft.refs.
void read_hosts(ScenarioDraft& draft, const Field& f);

// An `os:` value (a host's, or a client group's); nullopt after reporting.
std::optional<model::Os> read_os(DiagnosticSink& sink, const Field& f);

}  // namespace config::detail

// config/detail/host_reader.h — `hosts:`: each host's OS personality, kernel knobs and
// descriptor limits, and its listeners (config/detail/listener_reader.h).
//
// A knob is checked against the knob table of model/ (its range, and whether it applies
// to the host's OS); nothing here knows what a knob does.
#pragma once

#include <cstdint>
#include <optional>

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"
#include "model/personality.h"

namespace config::detail {

// Reads every host into draft.spec.hosts, registering each with draft.refs.
void read_hosts(ScenarioDraft& draft, const Field& f);

// Which side's `kernel:` map is read: a host's (its listeners read it) or a client
// group's (its connecting sockets read it). A knob the other side reads only is an error
// on a client, a warning on a host (model::KnobInfo::Side).
enum class KernelReader : std::uint8_t { kHost, kClient };
// Reads a `kernel:` map into `knobs` (which holds the OS's defaults). `os` is nullopt when
// the owner's os was invalid: values are still checked, applicability not.
void read_kernel(DiagnosticSink& sink, const Field& f, std::optional<model::Os> os, KernelReader reader,
                 model::KernelKnobs& knobs);

// An `os:` value (a host's, or a client group's); nullopt after reporting.
std::optional<model::Os> read_os(DiagnosticSink& sink, const Field& f);

}  // namespace config::detail

// config/detail/listener_reader.h — a host's `listeners:`, and the listen() arguments they
// share with a script's listen steps.
//
// A listener is a port, a backlog (an integer, SOMAXCONN or {somaxconn_hint: N}, judged
// by the host's personality later, never here), the workers that accept on it and the
// time each takes to serve a connection, or event loops (`loops:` and their keys) instead
// of workers. Ports are unique within a host.
#pragma once

#include <cstddef>
#include <optional>

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"
#include "model/spec.h"
#include "sim/distribution.h"

namespace config::detail {

// The `listeners:` of host number `index` (registered with draft.refs, not yet in
// draft.spec.hosts), into `host`. An empty list is an error unless `may_be_empty`
// (a script step acts on the host).
void read_listeners(ScenarioDraft& draft, const Field& f, std::size_t index, model::HostSpec& host, bool may_be_empty);

// The event-loop keys of a listener that has `loops` (loops, wakeup, multi_accept,
// max_connections, accept_cost, request_cost, keepalive) on a host of `os`; nullopt after
// reporting.
std::optional<model::EventLoopSpec> read_event_loops(DiagnosticSink& sink, MapReader& m, model::Os os);

// `backlog:` as listen() takes it; nullopt after reporting.
std::optional<model::BacklogRequest> read_backlog(DiagnosticSink& sink, const Field& f);

// `workers:` (required, or optional for a script's listen step) and `service:` (required
// when workers > 0).
void read_workers_and_service(DiagnosticSink& sink, MapReader& m, bool workers_required, int& workers,
                              sim::DurationDist& service);

}  // namespace config::detail

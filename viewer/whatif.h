// viewer/whatif.h — "what if" edits of a scenario: one listener's backlog and workers, its
// host's OS, and every client group's arrival rate.
//
// An edit makes a new ScenarioSpec; the viewer runs it from t = 0 beside the old one. The
// edits change values the scenario file could have said, nothing else: the run is the
// run of that file.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "model/personality.h"
#include "model/spec.h"

namespace viewer {

// A listener of the scenario's `listeners:` sections, by host then file order: the same
// numbering as model::Snapshot::listeners for those listeners.
struct ListenerRef {
  std::size_t host = 0;
  std::size_t listener = 0;
};
std::vector<ListenerRef> static_listeners(const model::ScenarioSpec& spec);

struct WhatIf {
  std::size_t listener = 0;             // index into static_listeners(spec)
  std::optional<std::int64_t> backlog;  // listen(s, n)
  std::optional<int> workers;
  std::optional<model::Os> os;  // the listener's host; its kernel gets that OS's defaults,
                                // keeping the knobs the scenario set that the OS has
  double arrival_scale = 1.0;   // every client group's arrivals

  bool touches_listener() const { return backlog || workers || os; }
  bool empty() const { return !touches_listener() && arrival_scale == 1.0; }
  friend bool operator==(const WhatIf&, const WhatIf&) = default;
};

struct WhatIfSpec {
  model::ScenarioSpec spec;
  // What could not be changed, for the user ("replay: a trace's arrivals are not scaled").
  std::vector<std::string> notes;
};

// The scenario with the edit applied. Requires: w.listener < static_listeners(spec).size()
// when the edit touches a listener or its host; arrival_scale >= 0.
WhatIfSpec apply_what_if(const model::ScenarioSpec& spec, const WhatIf& w);

// The edit without the values the scenario already says (16 workers on a listener of 16
// is no edit): committing a slider at the written value leaves the run as written.
WhatIf without_written_values(const model::ScenarioSpec& spec, WhatIf w);

// What listen() made of a static listener's backlog (index into static_listeners(spec)):
// the backlog the listener's own kernel gives, and why in the kernel's words when it did
// not keep the number asked for ("clamped to somaxconn 128"; empty when it kept it).
struct BacklogOutcome {
  std::int64_t asked = 0;  // the argument listen() received
  std::int64_t backlog = 0;
  std::string why;
};
BacklogOutcome backlog_outcome(const model::ScenarioSpec& spec, std::size_t listener);

// "web:80 backlog 256, 16 workers, windows; arrivals x1.5", or "as written" for no edit.
std::string describe_what_if(const model::ScenarioSpec& spec, const WhatIf& w);

}  // namespace viewer

// config/detail/fault_reader.h — `faults:`: a listener's stall, restart or slow start,
// a host down, a link down, each from `at` for a time (`for`).
//
// Faults of one listener may not overlap (host and link faults may: they count). A
// link_down's `link: [A, B]` is matched with a link once the network is read
// (References::resolve_link_faults).
#pragma once

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"

namespace config::detail {

// Reads every fault into draft.spec.faults (those with every key right).
// Requires: the hosts and the script read.
void read_faults(ScenarioDraft& draft, const Field& f);

}  // namespace config::detail

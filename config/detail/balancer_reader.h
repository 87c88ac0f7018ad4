// config/detail/balancer_reader.h — `balancers:`: each balancer's port, backends (hosts'
// listening ports, each listed once), policy and mark-down time.
#pragma once

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"

namespace config::detail {

// Reads every balancer into draft.spec.balancers, registering each with draft.refs.
// Requires: the hosts and the script read (a backend may be a port only the script binds).
void read_balancers(ScenarioDraft& draft, const Field& f);

}  // namespace config::detail

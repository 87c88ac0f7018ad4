// config/detail/network_reader.h — `network:`: routers and the links joining the network's
// nodes (hosts, clients, balancers, routers), and whether every client group and balancer
// can reach what it sends to.
//
// Routing is bounded before it is tried (kMaxRoutes, kMaxRoutingWork in config/loader.h),
// so that a short file cannot make it take minutes or gigabytes; and it is judged only
// when every node and link resolved (otherwise the errors already found say enough).
#pragma once

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"

namespace config::detail {

// Whether the client groups' routes (one to each host they target and to each backend of
// the balancer they target) are within kMaxRoutes; reports at `clients` when not.
// Requires: the balancers and clients read.
bool routes_within_limit(ScenarioDraft& draft, const Field& clients);

// Reads draft.spec.network, then checks that each client group reaches its target and each
// balancer its backends. Requires: every other section but the faults' links read.
void read_network(ScenarioDraft& draft, const Field& f);

}  // namespace config::detail

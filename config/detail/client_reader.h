// config/detail/client_reader.h — `clients:`: each client group's OS, target, arrival
// process (config/detail/arrival_reader.h), SYN retransmissions, connect timeout and
// retry policy.
//
// A spoofed group forges SYNs and makes no connect() calls: the keys that shape connect()
// calls are errors on it, each saying why.
#pragma once

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"

namespace config::detail {

// Reads every client group into draft.spec.clients, registering each with draft.refs.
// Requires: the hosts, the script and the balancers read (a target may name any of them).
void read_clients(ScenarioDraft& draft, const Field& f);

}  // namespace config::detail

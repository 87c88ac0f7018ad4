// config/detail/proxy_reader.h — a host's `proxy:` role (model::ProxySpec): the listener it
// proxies (an event-loop listener), its backends (hosts' listeners, resolved like a
// balancer's; a backend may itself be a proxy, but no chain may come back to a proxy it
// left), the backend policy, the upstream pool, connect timeout, per-backend cap and its
// queue, next-upstream retries and passive health (docs/scenario-format.md, "Proxies").
#pragma once

#include "config/detail/draft.h"

namespace config::detail {

// Reads every host's `proxy:` (draft.proxy_fields) into its HostSpec::proxy, then reports
// any cycle of proxies. Requires: the hosts and the script read.
void read_proxies(ScenarioDraft& draft);

}  // namespace config::detail

// config/detail/balancer_reader.h — `balancers:`: each balancer's port, backends (hosts'
// listening ports, each listed once), policy and mark-down time. The backend list and the
// policy words are shared with a host's `proxy:` (config/detail/proxy_reader.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"

namespace config::detail {

// Reads every balancer into draft.spec.balancers, registering each with draft.refs.
// Requires: the hosts and the script read (a backend may be a port only the script binds).
void read_balancers(ScenarioDraft& draft, const Field& f);

// A `backends:` sequence of HOST:PORT, each resolved by References::resolve_backend and
// listed once. `owner` names what lists them ("balancer", "proxy") in the messages.
struct BackendList {
  std::vector<model::BackendRef> backends;
  std::vector<Field> fields;          // parallel: where each is written
  std::optional<std::size_t> listed;  // how many entries were written, when it is a sequence
};
BackendList read_backend_list(ScenarioDraft& draft, const Field& f, std::string_view owner);

// `policy:` (round_robin | random | least_connections | two_choices); `listed` backends
// (when known) must be at least 2 for two_choices.
std::optional<model::BalancePolicy> read_balance_policy(DiagnosticSink& sink, const Field& f,
                                                        std::optional<std::size_t> listed, std::string_view owner);

}  // namespace config::detail

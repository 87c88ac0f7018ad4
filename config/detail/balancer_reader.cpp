#include "config/detail/balancer_reader.h"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/suggest.h"
#include "model/balancer.h"

namespace config::detail {

namespace {

constexpr std::string_view kBalancerKeys[] = {"port", "backends", "policy", "mark_down"};

// Balancer number `index` (registered with draft.refs).
model::BalancerSpec read_balancer(ScenarioDraft& draft, const MapReader::Entry& entry, std::size_t index) {
  DiagnosticSink& sink = draft.sink;
  model::BalancerSpec balancer;
  balancer.name = entry.key;
  MapReader m(sink, entry.value, kBalancerKeys);
  if (!m.is_map()) return balancer;
  if (const auto pf = m.require("port")) {
    if (const auto port = read_port(sink, *pf)) balancer.port = static_cast<int>(*port);
  }
  BackendList list;
  if (const auto bf = m.require("backends")) list = read_backend_list(draft, *bf, "balancer");
  balancer.backends = list.backends;
  if (const auto pf = m.get("policy")) {
    if (const auto p = read_balance_policy(sink, *pf, list.listed, "balancer")) balancer.policy = *p;
  }
  if (const auto mf = m.get("mark_down")) {
    if (const auto v = read_duration(sink, *mf)) balancer.mark_down = *v;
  }
  draft.refs.set_backend_fields(index, std::move(list.fields));
  return balancer;
}

}  // namespace

void read_balancers(ScenarioDraft& draft, const Field& f) {
  const std::size_t errors_before = draft.sink.count();
  const MapReader balancers = MapReader::of_names(draft.sink, f);
  for (const MapReader::Entry& entry : balancers.entries()) {
    draft.refs.add_balancer(entry);
    const std::size_t index = draft.spec.balancers.size();
    draft.spec.balancers.push_back(read_balancer(draft, entry, index));
  }
  draft.refs.set_balancers_complete(draft.sink.count() == errors_before);
}

BackendList read_backend_list(ScenarioDraft& draft, const Field& f, std::string_view owner) {
  DiagnosticSink& sink = draft.sink;
  const std::string who(owner);
  BackendList list;
  if (!expect_sequence(sink, f, "backends such as [web1:80, web2:80]")) return list;
  list.listed = f.node.size();
  if (*list.listed == 0) sink.error(f.mark, f.path, "a " + who + " needs at least one backend");
  std::map<std::pair<std::size_t, int>, std::size_t> index_of_backend;  // into list.fields
  for (std::size_t i = 0; i < *list.listed; ++i) {
    const Field e = element(f, i);
    const std::optional<model::BackendRef> backend = draft.refs.resolve_backend(e);
    if (!backend) continue;
    const auto [first, fresh] = index_of_backend.emplace(std::pair{backend->host, backend->port}, list.fields.size());
    if (!fresh) {
      sink.error(e.mark, e.path,
                 "backend " + quote(e.node.Scalar()) + " is listed twice (first at " + list.fields[first->second].path +
                     "): a " + who + " lists each backend once");
      continue;
    }
    list.backends.push_back(*backend);
    list.fields.push_back(e);
  }
  return list;
}

std::optional<model::BalancePolicy> read_balance_policy(DiagnosticSink& sink, const Field& f,
                                                        std::optional<std::size_t> listed, std::string_view owner) {
  const auto p = read_choice(sink, f, "balancing policy", model::kBalancePolicyNames);
  if (!p) return std::nullopt;
  const auto policy = static_cast<model::BalancePolicy>(*p);
  if (policy == model::BalancePolicy::kTwoChoices && listed && *listed == 1) {
    sink.error(
        f.mark, f.path,
        "two_choices compares two distinct backends: it needs at least 2, this " + std::string(owner) + " has 1");
  }
  return policy;
}

}  // namespace config::detail

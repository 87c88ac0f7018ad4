#include "config/detail/balancer_reader.h"

#include <cstddef>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/suggest.h"

namespace config::detail {

namespace {

constexpr std::string_view kBalancerKeys[] = {"port", "backends", "policy", "mark_down"};
constexpr std::string_view kBalancePolicies[] = {"round_robin", "random", "least_connections", "two_choices"};
constexpr model::BalancePolicy kBalancePolicyValues[] = {
    model::BalancePolicy::kRoundRobin, model::BalancePolicy::kRandom, model::BalancePolicy::kLeastConnections,
    model::BalancePolicy::kTwoChoices};
static_assert(std::size(kBalancePolicies) == std::size(kBalancePolicyValues));

// Balancer number `index` (registered with draft.refs).
model::BalancerSpec read_balancer(ScenarioDraft& draft, const MapReader::Entry& entry, std::size_t index) {
  DiagnosticSink& sink = draft.sink;
  model::BalancerSpec balancer;
  balancer.name = entry.key;
  MapReader m(sink, entry.value, kBalancerKeys);
  if (!m.is_map()) return balancer;
  std::vector<Field> fields;  // parallel to balancer.backends: where each is written
  if (const auto pf = m.require("port")) {
    if (const auto port = read_port(sink, *pf)) balancer.port = static_cast<int>(*port);
  }
  std::optional<std::size_t> listed;  // the number of backends written, when `backends` is a sequence
  if (const auto bf = m.require("backends"); bf && expect_sequence(sink, *bf, "backends such as [web1:80, web2:80]")) {
    listed = bf->node.size();
    if (*listed == 0) sink.error(bf->mark, bf->path, "a balancer needs at least one backend");
    std::map<std::pair<std::size_t, int>, std::size_t> index_of_backend;  // into `fields`
    for (std::size_t i = 0; i < *listed; ++i) {
      const Field e = element(*bf, i);
      const std::optional<model::BackendRef> backend = draft.refs.resolve_backend(e);
      if (!backend) continue;
      const auto [first, fresh] = index_of_backend.emplace(std::pair{backend->host, backend->port}, fields.size());
      if (!fresh) {
        sink.error(e.mark, e.path,
                   "backend " + quote(e.node.Scalar()) + " is listed twice (first at " + fields[first->second].path +
                       "): a balancer lists each backend once");
        continue;
      }
      balancer.backends.push_back(*backend);
      fields.push_back(e);
    }
  }
  if (const auto pf = m.get("policy")) {
    if (const auto p = read_choice(sink, *pf, "balancing policy", kBalancePolicies)) {
      balancer.policy = kBalancePolicyValues[*p];
      if (balancer.policy == model::BalancePolicy::kTwoChoices && listed && *listed == 1) {
        sink.error(pf->mark, pf->path,
                   "two_choices compares two distinct backends: it needs at least 2, this balancer has 1");
      }
    }
  }
  if (const auto mf = m.get("mark_down")) {
    if (const auto v = read_duration(sink, *mf)) balancer.mark_down = *v;
  }
  draft.refs.set_backend_fields(index, std::move(fields));
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

}  // namespace config::detail

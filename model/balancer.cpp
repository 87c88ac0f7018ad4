#include "model/balancer.h"

#include <algorithm>

namespace model {

Balancers::Balancers(const ScenarioSpec& spec, const sim::Engine& engine) : engine_(engine) {
  balancers_.resize(spec.balancers.size());
  for (std::size_t i = 0; i < balancers_.size(); ++i) {
    const BalancerSpec& bs = spec.balancers[i];
    Balancer& b = balancers_[i];
    b.spec = &bs;
    b.down_until.assign(bs.backends.size(), sim::Time::zero());
    b.active.assign(bs.backends.size(), 0);
    b.rng = sim::RandomStream(spec.seed, "balancer/" + bs.name);
    b.out.name = bs.name;
    for (const BackendRef& ref : bs.backends) {
      BackendResults r;
      r.host = spec.hosts[ref.host].name;
      r.port = ref.port;
      b.out.backends.push_back(r);
    }
  }
  for (const ClientSpec& cs : spec.clients) {
    of_client_.push_back(cs.balancer ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(*cs.balancer))
                                     : std::nullopt);
  }
}

std::optional<std::uint32_t> Balancers::of_client(std::uint32_t client) const { return of_client_[client]; }

void Balancers::open_flow(Connection& c) {
  Balancer& b = balancers_[*of_client_[c.client]];
  const std::size_t backend = pick(b);
  c.backend = static_cast<std::uint16_t>(backend);
  c.flow_open = true;
  const BackendRef& ref = b.spec->backends[backend];
  c.host = static_cast<std::uint32_t>(ref.host);
  c.port = static_cast<std::uint16_t>(ref.port);
  BackendResults& r = b.out.backends[backend];
  ++r.assigned;
  r.max_active = std::max(r.max_active, ++b.active[backend]);
}

// The backend of a new connection (BalancePolicy).
std::size_t Balancers::pick(Balancer& b) {
  const sim::Time now = engine_.now();
  bool any_up = false;
  for (const sim::Time t : b.down_until) any_up = any_up || t <= now;
  // With every backend down the balancer has nothing better: it picks among all.
  const auto eligible = [&](std::size_t i) { return !any_up || b.down_until[i] <= now; };
  const auto active = [&](std::size_t i) { return b.active[i]; };
  return pick_backend(b.spec->policy, b.active.size(), b.next, eligible, active, b.rng);
}

void Balancers::end_flow(Connection& c) {
  c.flow_open = false;
  --balancers_[*of_client_[c.client]].active[c.backend];
}

void Balancers::service_done(std::uint32_t balancer, std::uint16_t backend) { --balancers_[balancer].active[backend]; }

void Balancers::mark_down(const Connection& c) {
  Balancer& b = balancers_[*of_client_[c.client]];
  if (b.spec->mark_down == sim::Duration::zero()) return;
  if (b.down_until[c.backend] <= engine_.now()) ++b.out.backends[c.backend].marked_down;
  b.down_until[c.backend] = engine_.now() + b.spec->mark_down;
}

std::vector<BalancerResults> Balancers::results() const {
  std::vector<BalancerResults> r;
  for (const Balancer& b : balancers_) {
    r.push_back(b.out);
    for (std::size_t i = 0; i < b.active.size(); ++i) r.back().backends[i].active = b.active[i];
  }
  return r;
}

}  // namespace model

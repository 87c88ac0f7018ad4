// model/balancer.h — NAT balancers: which backend each connection goes to.
//
// A client group may target a balancer instead of a host. When such a group calls
// connect(), its balancer picks a backend by its policy (round robin, least connections,
// random, two random choices) among the backends it does not believe down, and counts the
// flow until the connection's fate is decided or, once accepted, its service ends. A RST
// from a backend marks it down for `mark_down`. A balancer sees only what passes it: it
// never looks into a listener's queues.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>
#include <vector>

#include "model/connection.h"
#include "model/results.h"
#include "model/spec.h"
#include "sim/engine.h"
#include "sim/random.h"

namespace model {

// The scenario file's word for each policy (`policy: round_robin`), in BalancePolicy's
// order: config/ reads them, the narration writes them.
inline constexpr std::string_view kBalancePolicyNames[] = {"round_robin", "random", "least_connections", "two_choices"};
static_assert(std::size(kBalancePolicyNames) == static_cast<std::size_t>(BalancePolicy::kTwoChoices) + 1);
constexpr std::string_view balance_policy_name(BalancePolicy p) {
  return kBalancePolicyNames[static_cast<std::size_t>(p)];
}

// The backend `policy` picks among `n` (BalancePolicy), the one choice code of balancers and
// proxies: `eligible(i)` says which may be picked (at least one must be), `active(i)` their
// connections now, `next` the round-robin position (advanced past the pick by round robin
// and least connections), `rng` the stream random and two_choices draw from.
template <class Eligible, class Active>
std::size_t pick_backend(BalancePolicy policy, std::size_t n, std::size_t& next, Eligible eligible, Active active,
                         sim::RandomStream& rng) {
  // The k-th eligible backend counting from index 0.
  const auto kth_eligible = [&](std::uint64_t k) {
    for (std::size_t i = 0;; ++i) {
      if (eligible(i) && k-- == 0) return i;
    }
  };
  std::size_t eligible_count = 0;
  for (std::size_t i = 0; i < n; ++i) eligible_count += eligible(i) ? 1 : 0;
  std::size_t pick = 0;
  switch (policy) {
    case BalancePolicy::kRoundRobin:
    case BalancePolicy::kLeastConnections: {
      // Round robin: the first eligible from the rotating position. Least connections:
      // the fewest active among the eligible, the earliest from that position on a tie.
      bool found = false;
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = (next + k) % n;
        if (!eligible(i)) continue;
        if (!found || (policy == BalancePolicy::kLeastConnections && active(i) < active(pick))) pick = i;
        found = true;
        if (policy == BalancePolicy::kRoundRobin) break;
      }
      next = (pick + 1) % n;
      break;
    }
    case BalancePolicy::kRandom: pick = kth_eligible(rng.below(eligible_count)); break;
    case BalancePolicy::kTwoChoices: {
      if (eligible_count == 1) {
        pick = kth_eligible(0);
        break;
      }
      // Two distinct eligible backends, uniformly; the first drawn wins a tie.
      const std::uint64_t first = rng.below(eligible_count);
      std::uint64_t second = rng.below(eligible_count - 1);
      if (second >= first) ++second;
      const std::size_t x = kth_eligible(first);
      const std::size_t y = kth_eligible(second);
      pick = active(y) < active(x) ? y : x;
      break;
    }
  }
  return pick;
}

class Balancers {
 public:
  Balancers(const ScenarioSpec& spec, const sim::Engine& engine);

  // The balancer client group `client` connects through, if any.
  std::optional<std::uint32_t> of_client(std::uint32_t client) const;

  // Picks the backend of a new connection of a group behind a balancer, counts the flow,
  // and sets where the connection's SYN goes (c.host, c.port, c.backend).
  void open_flow(Connection& c);
  // The connection's client has gone without being served: the flow ends.
  void end_flow(Connection& c);
  // An accepted connection's service ended (its flow was handed to the worker).
  void service_done(std::uint32_t balancer, std::uint16_t backend);
  // A backend answered the connection with RST: skip it for the balancer's mark_down.
  void mark_down(const Connection& c);

  std::vector<BalancerResults> results() const;

 private:
  struct Balancer {
    const BalancerSpec* spec = nullptr;
    std::size_t next = 0;               // round-robin position
    std::vector<sim::Time> down_until;  // per backend
    std::vector<std::int64_t> active;   // per backend: flows assigned and not ended
    sim::RandomStream rng{0};
    BalancerResults out;
  };
  std::size_t pick(Balancer& b);

  const sim::Engine& engine_;
  std::vector<Balancer> balancers_;
  std::vector<std::optional<std::uint32_t>> of_client_;  // per client group
};

}  // namespace model

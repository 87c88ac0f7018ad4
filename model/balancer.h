// model/balancer.h — NAT balancers: which backend each connection goes to.
//
// A client group may target a balancer instead of a host. When such a group calls
// connect(), its balancer picks a backend by its policy (round robin, least connections,
// random, two random choices) among the backends it does not believe down, and counts the
// flow until the connection's fate is decided or, once accepted, its service ends. A RST
// from a backend marks it down for `mark_down`. A balancer sees only what passes it: it
// never looks into a listener's queues.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/connection.h"
#include "model/results.h"
#include "model/spec.h"
#include "sim/engine.h"
#include "sim/random.h"

namespace model {

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

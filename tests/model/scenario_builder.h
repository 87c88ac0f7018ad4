// tests/model/scenario_builder.h — small ScenarioSpecs built in code for model tests.
#pragma once

#include <vector>

#include "model/spec.h"

namespace model::test {

inline HostSpec host(std::string name, Os os, BacklogRequest backlog, int workers,
                     sim::DurationDist service = sim::ConstantDist{sim::Duration::zero()}) {
  HostSpec h;
  h.name = std::move(name);
  h.os = os;
  h.kernel = default_knobs(os);
  ListenerSpec l;
  l.port = 80;
  l.backlog = backlog;
  l.workers = workers;
  l.service = service;
  h.listeners.push_back(l);
  return h;
}

inline BacklogRequest backlog(std::int64_t n) { return {BacklogRequest::Kind::kValue, n}; }

inline ClientSpec client(std::string name, Os os, std::size_t target_host, ArrivalSpec arrivals) {
  ClientSpec c;
  c.name = std::move(name);
  c.os = os;
  c.target_host = target_host;
  c.target_port = 80;
  c.arrivals = arrivals;
  return c;
}

// `count` connects at one instant: their SYNs reach the listener together.
inline BurstArrivals simultaneous(std::int64_t count, sim::Time at = sim::Time::zero()) {
  return BurstArrivals{count, at, sim::Duration::zero()};
}

// `count` connects 1 ms apart, as a program's loop of connect() calls on loopback makes
// them: each handshake completes before the next SYN.
inline BurstArrivals one_by_one(std::int64_t count, sim::Time at = sim::Time::zero()) {
  return BurstArrivals{count, at, sim::milliseconds(count)};
}

inline ScenarioSpec scenario(std::vector<HostSpec> hosts, std::vector<ClientSpec> clients, sim::Duration duration,
                             std::uint64_t seed = 1) {
  ScenarioSpec s;
  s.name = "test";
  s.seed = seed;
  s.duration = duration;
  s.sample_interval = duration;
  s.hosts = std::move(hosts);
  s.clients = std::move(clients);
  return s;
}

// A proxy host `name` on port 80: one event loop with no CPU cost, room for every
// connection, no keep-alive of its own, forwarding `proxy`'s requests to `backends` (hosts
// on port 80).
inline HostSpec proxy_host(std::string name, std::vector<std::size_t> backends, ProxySpec proxy = {}) {
  HostSpec h = host(std::move(name), Os::kLinux, backlog(4096), 0);
  EventLoopSpec loops;
  loops.max_connections = 1'000'000;
  h.listeners[0].loops = loops;
  proxy.port = 80;
  proxy.backends.clear();
  for (const std::size_t b : backends) proxy.backends.push_back({b, 80});
  h.proxy = proxy;
  return h;
}

}  // namespace model::test

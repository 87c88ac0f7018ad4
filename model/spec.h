// model/spec.h — a scenario as plain values: what config/ produces and World consumes.
//
// Everything here is already validated and resolved (names to indices, units to
// nanoseconds): a World built from a ScenarioSpec never meets a bad value. The spec
// holds no YAML and no I/O so that tests, sweeps and the viewer can build one in code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/personality.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace model {

// The backlog argument of listen(), as the application wrote it. The personality
// turns it into the limit the kernel uses (Personality::listen_backlog).
struct BacklogRequest {
  enum class Kind {
    kValue,      // listen(s, n)
    kSomaxconn,  // listen(s, SOMAXCONN)
    kHint,       // listen(s, SOMAXCONN_HINT(n)); winsock2.h defines it as -(n)
  };
  Kind kind = Kind::kValue;
  std::int64_t value = 0;  // n for kValue and kHint
};

struct ListenerSpec {
  int port = 0;
  BacklogRequest backlog;
  // Threads blocked in accept(); each serves one connection at a time. 0: never accepts.
  int workers = 0;
  sim::DurationDist service = sim::ConstantDist{sim::Duration::zero()};
};

struct HostSpec {
  std::string name;
  Os os = Os::kLinux;
  KernelKnobs kernel;  // the personality's defaults with the scenario's overrides applied
  std::int64_t max_sockets = 65536;
  std::vector<ListenerSpec> listeners;
};

// Arrival processes: when a client group calls connect().
struct PoissonArrivals {
  double rate_per_s = 0;
};
struct ConstantArrivals {
  double rate_per_s = 0;
};
// `count` connects spread evenly over [at, at + over); all at `at` when over is zero.
struct BurstArrivals {
  std::int64_t count = 0;
  sim::Time at;
  sim::Duration over;
};
using ArrivalSpec = std::variant<PoissonArrivals, ConstantArrivals, BurstArrivals>;

// Application-level retries: after a refusal or a timeout the client calls connect()
// again (a new attempt) after backoff * factor^k, k = 0, 1, ..., each delay scaled by a
// uniform factor in [1 - jitter, 1 + jitter].
struct RetrySpec {
  int max = 0;
  sim::Duration backoff = sim::Duration::zero();
  double factor = 2.0;
  double jitter = 0.0;
};

struct ClientSpec {
  std::string name;
  Os os = Os::kLinux;  // the client's SYN retransmission behaviour
  std::size_t target_host = 0;      // index into ScenarioSpec::hosts
  std::size_t target_listener = 0;  // index into that host's listeners
  ArrivalSpec arrivals;
  std::optional<int> syn_retries;  // overrides the OS's number of SYN retransmissions
  sim::Duration connect_timeout = sim::Duration::infinite();
  RetrySpec retry;
};

struct ScenarioSpec {
  std::string name;
  std::uint64_t seed = 1;
  sim::Duration duration = sim::seconds(1);
  sim::Duration sample_interval = sim::milliseconds(100);
  std::vector<HostSpec> hosts;
  std::vector<ClientSpec> clients;
};

}  // namespace model

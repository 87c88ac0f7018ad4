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
#include "model/socket_api.h"
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
  // Sockets' worth of buffer space (WSAENOBUFS / ENOBUFS when used up); by default as
  // many as descriptors, so the descriptor limit is met first.
  std::optional<std::int64_t> socket_buffers;
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
  std::size_t target_host = 0;  // index into ScenarioSpec::hosts
  int target_port = 0;          // a port the host listens on (from `listeners:` or a script)
  ArrivalSpec arrivals;
  std::optional<int> syn_retries;  // overrides the OS's number of SYN retransmissions
  sim::Duration connect_timeout = sim::Duration::infinite();
  RetrySpec retry;
};

// One step of a scenario's script: a socket call made on a host at a given time, inside
// the same simulation as the client groups (a script can listen, then a storm hits it).
enum class ScriptCall : std::uint8_t {
  kWsaStartup, kWsaCleanup, kSocket, kBind, kListen, kAccept, kConnect, kClose,
  kNetDown,  // a fault: the host's network subsystem fails (WSAENETDOWN) ...
  kNetUp,    // ... and comes back
};

struct ScriptStep {
  sim::Time at;
  std::size_t host = 0;  // index into ScenarioSpec::hosts
  ScriptCall call = ScriptCall::kSocket;
  SocketType type = SocketType::kStream;  // socket
  std::string as;                         // socket, accept: the name the new descriptor gets
  std::string socket;                     // the named descriptor the call acts on ...
  std::optional<std::int64_t> fd;         // ... or a raw descriptor number (1 is stdout)
  int port = 0;                           // bind
  Address address = kAnyAddress;          // bind
  BacklogRequest backlog;                 // listen
  int workers = 0;                        // listen: threads the application starts in accept()
  bool blocking = false;                  // accept: wait for a connection, holding the thread
  sim::DurationDist service = sim::ConstantDist{sim::Duration::zero()};
  std::optional<std::string> expect;      // "OK" or an error name of the host's OS
  int line = 0;                           // where the step is in the scenario file
};

// The network between client groups, hosts and routers (all nodes by name). Without a
// `network:` section every pair is joined by a zero-delay, lossless link.
struct LinkSpec {
  std::string a;
  std::string b;
  sim::Duration latency;  // one way
  sim::Duration jitter;   // each crossing adds a uniform draw in [0, jitter]
  double loss = 0.0;      // probability that a segment crossing the link is lost
};

struct NetworkSpec {
  std::vector<std::string> routers;
  std::vector<LinkSpec> links;
};

struct ScenarioSpec {
  std::string name;
  std::uint64_t seed = 1;
  sim::Duration duration = sim::seconds(1);
  sim::Duration sample_interval = sim::milliseconds(100);
  std::vector<HostSpec> hosts;
  std::vector<ClientSpec> clients;
  std::vector<ScriptStep> script;  // in file order; World runs them at their times
  std::optional<NetworkSpec> network;
};

}  // namespace model

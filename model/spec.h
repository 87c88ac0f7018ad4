// model/spec.h — a scenario as plain values: what config/ produces and World consumes.
//
// Everything here is already validated and resolved (names to indices, units to
// nanoseconds): a World built from a ScenarioSpec never meets a bad value. The spec
// holds no YAML and no I/O so that tests, sweeps and the viewer can build one in code.
#pragma once

#include <cstdint>
#include <memory>
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

// An event-loop application (nginx, HAProxy, Envoy): `count` single threads, each waiting
// for readiness on the listening socket (and on its own connections), each accepting one
// connection per wake-up or, with multi_accept, until the queue is empty. Every accept
// costs the loop `accept_cost` of CPU and the connection's request `request_cost`; the
// connection then stays open for `keepalive` and closes. A loop holding max_connections
// open connections stops accepting until one closes; a busy loop does not accept.
struct EventLoopSpec {
  int count = 1;
  Wakeup wakeup = Wakeup::kEpoll;
  bool multi_accept = false;
  std::int64_t max_connections = 512;  // nginx worker_connections' default
  sim::DurationDist accept_cost = sim::ConstantDist{sim::Duration::zero()};
  sim::DurationDist request_cost = sim::ConstantDist{sim::Duration::zero()};
  sim::DurationDist keepalive = sim::ConstantDist{sim::Duration::zero()};
};

struct ListenerSpec {
  int port = 0;
  BacklogRequest backlog;
  // Threads blocked in accept(); each serves one connection at a time. 0: never accepts.
  int workers = 0;
  sim::DurationDist service = sim::ConstantDist{sim::Duration::zero()};
  // Linux TCP_DEFER_ACCEPT, in whole seconds (what setsockopt takes); 0: off. The
  // personality turns it into SYN-ACK retransmissions (defer_accept_retransmits).
  std::int64_t defer_accept_seconds = 0;
  // > 0: an SO_REUSEPORT group of this many sockets bound to the port, each with its own
  // queues, backlog and `workers` (model/reuseport.h). 0: one socket.
  int reuseport = 0;
  // Set: the application is event loops instead of workers (workers is then 0).
  std::optional<EventLoopSpec> loops;
};

// A load balancer in front of backends, NAT-style (like IPVS or a cloud network balancer):
// it picks a backend for each connection's first SYN and forwards every segment of that
// connection to it; the handshake is the client's with the backend, whose kernel decides
// everything. The balancer sees the backend's RST go by and then marks it down: it picks
// no backend that is down while one is up (all down: it picks among all).
enum class BalancePolicy : std::uint8_t {
  kRoundRobin,        // the next backend in order, skipping those down
  kRandom,            // uniform among the backends up
  kLeastConnections,  // fewest active connections; ties: the next in round-robin order
  kTwoChoices,        // two distinct backends up at random; the one with fewer active connections
};
struct BackendRef {
  std::size_t host = 0;  // index into ScenarioSpec::hosts
  int port = 0;
};
// An L7 proxy's role on a host (nginx, HAProxy, Envoy in front of backends). The host's
// listener on `port` is an event-loop server (its `loops:`); each connection it accepts
// carries one request, which the proxy forwards to a backend chosen by `policy`, over an
// idle keep-alive upstream connection of that backend's pool or over a new one opened
// with connect() from the proxy host's own client-side kernel (its SYNs cross the network,
// are retransmitted and time out like any client's). The backend's application serves the
// request; its response goes back to the client and the request's RequestResult is
// decided. Unlike a Balancer (NAT: the handshake is the client's with the backend), the
// proxy completes the client's handshake itself and opens a second connection.
// The keys' defaults follow nginx, whose names the comments give next to HAProxy's and
// Envoy's counterparts (docs/scenario-format.md, "proxy").
struct UpstreamQueueSpec {
  // Requests waiting for a backend at its max_connections: at most `limit` (HAProxy queues
  // behind `maxconn`; Envoy circuit breaker max_pending_requests), each for at most
  // `timeout` (HAProxy `timeout queue`). limit 0: no queue, a request finding every
  // eligible backend at its cap gets `unavailable` (503) at once.
  std::int64_t limit = 0;
  sim::Duration timeout = sim::seconds(60);
};
struct NextUpstreamSpec {
  // nginx proxy_next_upstream: after an error (the upstream refused or reset) or a
  // connect timeout, try the request again on another backend, up to `tries` backends in
  // all (proxy_next_upstream_tries; 0: every backend once), within `timeout` of the
  // request's arrival (proxy_next_upstream_timeout; infinite: no limit).
  bool on_error = true;
  bool on_timeout = true;
  int tries = 0;
  sim::Duration timeout = sim::Duration::infinite();
};
struct PassiveHealthSpec {
  // nginx `max_fails`/`fail_timeout` (Envoy outlier detection): `max_fails` failed
  // attempts within `fail_timeout` mark a backend down for `fail_timeout`; 0: never.
  int max_fails = 1;
  sim::Duration fail_timeout = sim::seconds(10);
};
struct ProxySpec {
  int port = 0;                      // the host's listener whose connections it proxies
  std::vector<BackendRef> backends;  // a backend may itself be a proxy (chains)
  BalancePolicy policy = BalancePolicy::kRoundRobin;
  std::int64_t keepalive = 0;  // idle upstream connections kept per backend (nginx `keepalive`); 0: none
  // How long an idle pooled connection stays open before the proxy closes it (nginx upstream
  // `keepalive_timeout`, 60s).
  sim::Duration keepalive_timeout = sim::seconds(60);
  sim::Duration connect_timeout = sim::seconds(60);  // nginx proxy_connect_timeout; HAProxy `timeout connect`
  std::int64_t max_connections = 0;  // per backend (HAProxy server `maxconn`, Envoy max_connections); 0: no cap
  UpstreamQueueSpec queue;
  NextUpstreamSpec next_upstream;
  PassiveHealthSpec health;
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
  // Set: the host is an L7 proxy for one of its listeners.
  std::optional<ProxySpec> proxy;
};

// Arrival processes: when a client group calls connect() for a first attempt.
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
// A two-state Markov-modulated Poisson process: Poisson at on_rate while on, at off_rate
// while off; the sojourns in each state are exponential with means mean_on and mean_off.
// The state at t = 0 is drawn from the stationary law (on with probability
// mean_on / (mean_on + mean_off)), so the mean rate is the same at every instant.
struct OnOffArrivals {
  double on_rate_per_s = 0;
  double off_rate_per_s = 0;
  sim::Duration mean_on;
  sim::Duration mean_off;
};
// A Poisson process whose rate goes linearly from `from` (until `start`) to `to` (from
// start + over on).
struct RampArrivals {
  double from_per_s = 0;
  double to_per_s = 0;
  sim::Time start;
  sim::Duration over;
};
// A Poisson process at `base`, then a spike: from `at` the rate rises linearly to `peak`
// over `rise`, then decays back to base exponentially with time constant `decay`:
// rate(t) = base + (peak - base) * exp(-(t - at - rise) / decay).
struct FlashCrowdArrivals {
  double base_per_s = 0;
  double peak_per_s = 0;
  sim::Time at;
  sim::Duration rise;
  sim::Duration decay;
};
// Replayed instants (from a CSV file or the SYNs of a capture, already scaled by the
// scenario's time_scale), non-decreasing. Shared: copies of a spec (sweeps) share the data.
struct TraceArrivals {
  std::shared_ptr<const std::vector<sim::Time>> times;
  std::string source;  // the file it came from, as the scenario named it
};
// A closed population: `users` clients, each of which thinks (a draw of `think`), calls
// connect(), and once that attempt's fate is decided (with its retries) and, when accepted,
// the server has served it, thinks again. Each user's first connect() comes after a first
// think, so a population does not start in lockstep.
struct ClosedLoopArrivals {
  std::int64_t users = 0;
  sim::DurationDist think = sim::ConstantDist{sim::Duration::zero()};
};
using ArrivalSpec = std::variant<PoissonArrivals, ConstantArrivals, BurstArrivals, OnOffArrivals, RampArrivals,
                                 FlashCrowdArrivals, TraceArrivals, ClosedLoopArrivals>;

// Application-level retries: after a refusal or a timeout the client calls connect() again
// (a new attempt), up to `max` times, after a delay the policy sets. With k = 0, 1, ... the
// retry number and b = min(cap, backoff * factor^k):
//   kNone:               never retries.
//   kFixed:              backoff * U[1 - jitter, 1 + jitter]
//   kExponential:        b * U[1 - jitter, 1 + jitter]
//   kFullJitter:         U[0, b]                                  ("full jitter")
//   kDecorrelatedJitter: min(cap, U[backoff, 3 * previous delay]), the first previous
//                        delay being backoff                      ("decorrelated jitter")
// No retry is made once `give_up` has passed since the first attempt of the chain.
enum RetryOn : std::uint8_t {
  kRetryOnRefused = 1,   // Outcome::kRefused
  kRetryOnTimedOut = 2,  // Outcome::kTimedOut
  kRetryOnReset = 4,     // Outcome::kReset
  kRetryOn5xx = 8,       // accepted through a proxy, but its request got a 5xx (RequestResult)
};
enum class RetryPolicy : std::uint8_t { kNone, kFixed, kExponential, kFullJitter, kDecorrelatedJitter };
struct RetrySpec {
  RetryPolicy policy = RetryPolicy::kExponential;
  int max = 0;
  sim::Duration backoff = sim::Duration::zero();
  double factor = 2.0;
  double jitter = 0.0;
  sim::Duration cap = sim::Duration::infinite();
  sim::Duration give_up = sim::Duration::infinite();
  // What a failed attempt must end in to be retried (`retry: {on: [...]}`): a bit set of
  // RetryOn. The default is what every release retried on.
  std::uint8_t on = kRetryOnRefused | kRetryOnTimedOut;
};

// One operating system's share of a mixed client group (`os: {linux: 70%, windows: 30%}`).
struct OsShare {
  Os os = Os::kLinux;
  double share = 0;  // in (0, 1]; the shares of a group sum to 1
};

struct ClientSpec {
  std::string name;
  Os os = Os::kLinux;  // the client's SYN retransmission behaviour
  // A mix of operating systems (empty: every client is `os`): each chain of attempts (an
  // arrival and its retries, or a closed-population user) draws its OS from the group's
  // own stream "client/NAME/os"; `os` is then the first of the mix.
  std::vector<OsShare> os_mix;
  std::size_t target_host = 0;  // index into ScenarioSpec::hosts
  int target_port = 0;          // a port the host listens on (from `listeners:` or a script)
  // Set when the target is a balancer (index into ScenarioSpec::balancers); target_host and
  // target_port are then unused: the balancer picks a backend for each connection.
  std::optional<std::size_t> balancer;
  // A SYN flood from forged source addresses: every arrival sends one SYN from an address
  // that never answers (no ACK, no RST, no retransmission). Such a group makes no connect()
  // calls: its attempts and outcomes stay zero and it counts `spoofed_syns` instead.
  bool spoofed = false;
  ArrivalSpec arrivals;
  // The group's own kernel: its OS's defaults with the overrides of its `kernel:` map
  // (only the knobs a client reads, KnobInfo::Side); nullopt: the defaults.
  std::optional<KernelKnobs> kernel;
  // The socket's own SYN retransmission count (Linux TCP_SYNCNT): replaces tcp_syn_retries.
  std::optional<int> syn_retries;
  sim::Duration connect_timeout = sim::Duration::infinite();
  RetrySpec retry;
  // The delay from connect() succeeding to sending the first request bytes; an infinite
  // constant: the client never sends. nullopt (the key absent) means 0, and the data
  // segment is then simulated only when some listener of the scenario defers accept
  // (ScenarioSpec::simulates_first_data): no other rule of the model looks at it.
  std::optional<sim::DurationDist> first_data;
  // Set only by the model (with_upstream_groups, model/proxy.h), never by a scenario: the
  // group is the upstream connect()s of the proxy on this host (index into
  // ScenarioSpec::hosts), from its client-side kernel, to its ProxySpec::backends.
  std::optional<std::size_t> upstream_of;
};

// The personality whose client-side rules a group follows.
inline Personality client_personality(const ClientSpec& c) {
  return Personality(c.os, c.kernel ? *c.kernel : default_knobs(c.os));
}

// One step of a scenario's script: a socket call made on a host at a given time, inside
// the same simulation as the client groups (a script can listen, then a storm hits it).
enum class ScriptCall : std::uint8_t {
  kWsaStartup,
  kWsaCleanup,
  kSocket,
  kBind,
  kListen,
  kAccept,
  kConnect,
  kClose,
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
  std::optional<std::string> expect;  // "OK" or an error name of the host's OS
  int line = 0;                       // where the step is in the scenario file
};

// The network between client groups, hosts, balancers and routers (all nodes by name). Without a
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

struct BalancerSpec {
  std::string name;
  int port = 0;
  std::vector<BackendRef> backends;
  BalancePolicy policy = BalancePolicy::kRoundRobin;
  sim::Duration mark_down = sim::seconds(10);  // zero: never marks a backend down
};

// A fault at a scheduled time: of a server application (on one listener), of a host, or
// of a link of the network.
enum class FaultKind : std::uint8_t {
  kStall,      // its workers (its loops, or one loop) stop calling accept() for `length`
  kRestart,    // its socket is closed for `length`, then listens again as before
  kSlowStart,  // service times are multiplied by `factor`, falling linearly to 1 over `length`
  kSlow,       // service times are multiplied by `factor` for `length`
  kHostDown,   // the host is cut off for `length`: every segment to or from it is lost
  kLinkDown,   // the link is down for `length`: every segment whose path crosses it is lost
};
// Whether a fault acts on one listener (`host` and `port`), else on a host or a link.
constexpr bool on_listener(FaultKind k) {
  return k == FaultKind::kStall || k == FaultKind::kRestart || k == FaultKind::kSlowStart || k == FaultKind::kSlow;
}
struct FaultSpec {
  FaultKind kind = FaultKind::kStall;
  sim::Time at;
  sim::Duration length;
  std::size_t host = 0;    // index into ScenarioSpec::hosts (listener faults and kHostDown)
  int port = 0;            // one of its `listeners:` (listener faults)
  std::uint32_t link = 0;  // index into NetworkSpec::links (kLinkDown)
  double factor = 1.0;     // kSlowStart, kSlow
  int socket = 0;          // listener faults on a reuseport group: the k-th socket (from 1); 0: all
  int loop = -1;           // stall, slow, slow_start of an event-loop listener: its loop (from 0); -1: all
  int line = 0;            // where it is in the scenario file
};

// `measure:` (or --window): only attempts started in [from, to) are counted, and time-based
// figures (queue statistics, busy workers) cover [from, to). Absent: the whole run.
struct MeasureWindow {
  sim::Time from;
  sim::Time to;
};

struct ScenarioSpec {
  std::string name;
  std::uint64_t seed = 1;
  sim::Duration duration = sim::seconds(1);
  sim::Duration sample_interval = sim::milliseconds(100);
  std::vector<HostSpec> hosts;
  std::vector<ClientSpec> clients;
  std::vector<ScriptStep> script;  // in file order; World runs them at their times
  std::vector<BalancerSpec> balancers;
  std::vector<FaultSpec> faults;  // in file order
  std::optional<NetworkSpec> network;
  std::optional<MeasureWindow> measure;
  // The time series also gets per-group columns and connect-latency percentiles per interval
  // (`run --timeseries-detail`); off, its columns are those of earlier releases.
  bool sample_detail = false;

  // Whether client group `i` sends its first data as a segment of its own.
  bool simulates_first_data(std::size_t i) const;
};

// The measured span: the window, or [0, duration).
inline MeasureWindow measured_span(const ScenarioSpec& spec) {
  return spec.measure.value_or(MeasureWindow{sim::Time::zero(), sim::Time::zero() + spec.duration});
}

}  // namespace model

// model/results.h — what a run produced: outcomes, per-listener counters, distributions.
//
// Every connection attempt (one connect() call) ends in exactly one Outcome; the counts
// always satisfy attempts == accepted + refused + timed_out + reset + pending, which
// World checks at the end of every run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/stats.h"
#include "sim/time.h"

namespace model {

enum class Outcome : std::uint8_t {
  kAccepted,  // the server application accepted it
  kRefused,   // RST to the SYN: connect() failed with ECONNREFUSED
  kTimedOut,  // no answer before the client gave up
  kReset,     // connect() succeeded; the server then reset (RST) or forgot the connection
  kPending,   // still open when the run ended
};
std::string_view outcome_name(Outcome o);

struct OutcomeCounts {
  std::uint64_t attempts = 0;
  std::uint64_t established = 0;  // attempts whose client saw connect() succeed
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
  std::uint64_t timed_out = 0;
  std::uint64_t reset = 0;
  std::uint64_t pending = 0;

  void count(Outcome o);
  void add(const OutcomeCounts& o);
  bool balanced() const { return attempts == accepted + refused + timed_out + reset + pending; }
  double refusal_rate() const { return attempts ? static_cast<double>(refused) / static_cast<double>(attempts) : 0.0; }
  double failure_rate() const {
    return attempts ? 1.0 - static_cast<double>(accepted) / static_cast<double>(attempts) : 0.0;
  }
  // The attempts decided during the run that failed: (refused + timed_out + reset) /
  // (attempts - pending); 0 when none was decided. Unlike failure_rate, an attempt still
  // open at the end counts neither way. The one definition of `loss_rate` (run, sweep, plan).
  double loss_rate() const {
    const std::uint64_t decided = attempts - pending;
    return decided ? static_cast<double>(refused + timed_out + reset) / static_cast<double>(decided) : 0.0;
  }
};

// What a request through a proxy got (ProxySpec), once the proxy accepted its connection.
enum class RequestResult : std::uint8_t {
  kOk,              // a backend answered
  kBadGateway,      // 502: the upstream refused or reset, and no retry was left
  kGatewayTimeout,  // 504: the upstream connect timed out, and no retry was left
  kUnavailable,     // 503: its queue was full, it waited past the queue timeout, or no backend was up
  kPending,         // undecided when the run ended
};
std::string_view request_result_name(RequestResult r);  // "ok", "bad_gateway", ...

// Request results: every request a proxy took (one per accepted client connection) ends in
// exactly one; requests == ok + bad_gateway + gateway_timeout + unavailable + pending,
// which World checks like the outcomes.
struct RequestCounts {
  std::uint64_t requests = 0;
  std::uint64_t ok = 0;
  std::uint64_t bad_gateway = 0;
  std::uint64_t gateway_timeout = 0;
  std::uint64_t unavailable = 0;
  std::uint64_t pending = 0;

  void count(RequestResult r);
  void add(const RequestCounts& o);
  bool balanced() const { return requests == ok + bad_gateway + gateway_timeout + unavailable + pending; }
  std::uint64_t decided() const { return requests - pending; }
  std::uint64_t status_5xx() const { return bad_gateway + gateway_timeout + unavailable; }  // 502 + 503 + 504
  // `n` requests over the decided ones; 0 when none was decided. The one denominator of
  // every request rate (run, sweep, plan).
  double share_of_decided(std::uint64_t n) const {
    return decided() ? static_cast<double>(n) / static_cast<double>(decided()) : 0.0;
  }
  // (502 + 503 + 504) / decided requests. The one definition of `status_5xx_rate`.
  double status_5xx_rate() const { return share_of_decided(status_5xx()); }
};

// One OS of a mixed client group (ClientSpec::os_mix): its attempts and their fates.
struct OsResults {
  std::string os;    // "linux", as the scenario names it
  double share = 0;  // as the scenario asked
  OutcomeCounts counts;
  sim::Histogram connect_latency;
};

struct ClientResults {
  std::string name;
  std::vector<OsResults> os_mix;  // per OS of a mix, in the scenario's order; empty without one
  OutcomeCounts counts;
  std::uint64_t syn_retransmits = 0;
  std::uint64_t app_retries = 0;       // attempts that were application-level retries
  std::uint64_t segments_lost = 0;     // segments of its connections lost: link loss, host_down, link_down
  bool spoofed = false;                // a SYN flood from forged addresses: it makes no attempts ...
  std::uint64_t spoofed_syns = 0;      // ... and counts the SYNs it sent
  sim::Histogram connect_latency;      // ns from connect() to established
  bool sends_data = false;             // its first data is simulated (ScenarioSpec::simulates_first_data) ...
  std::uint64_t data_sent = 0;         // ... first data segments sent, the first time
  std::uint64_t data_retransmits = 0;  // ... and again after a retransmission timeout
  // Its target is a proxy: the requests of its accepted connections and what they got.
  bool through_proxy = false;
  RequestCounts requests;
  sim::Histogram first_byte;         // ns from connect() to the response's first byte (decided requests)
  std::uint64_t retries_on_5xx = 0;  // application retries made after a 5xx
};

struct QueueStats {
  double mean = 0;
  std::int64_t max = 0;
  double full_fraction = 0;
};

struct ListenerResults {
  std::string host;
  int port = 0;
  std::int64_t backlog = 0;  // the limit the kernel uses after listen()
  std::uint64_t syns_received = 0;
  std::uint64_t syns_dropped = 0;  // every silently dropped SYN
  // SYNs dropped because the accept queue was full, and final ACKs that found it full
  // (dropped or answered with RST): Linux ListenOverflows
  std::uint64_t listen_overflows = 0;
  std::uint64_t syncookies_sent = 0;
  std::uint64_t synacks_retransmitted = 0;
  std::uint64_t acks_dropped = 0;  // final ACKs that found the accept queue full
  std::uint64_t resets_sent = 0;
  std::uint64_t requests_expired = 0;  // half-open requests forgotten after their SYN-ACK retries
  std::uint64_t accepted = 0;
  // Linux TCP_DEFER_ACCEPT (reported when the listener defers): bare ACKs kept in the SYN
  // queue as acked (LINUX_MIB_TCPDEFERACCEPTDROP), connections completed by their first
  // data, completed by a bare ACK once the defer limit was reached (deferred completions),
  // and requests that expired while acked.
  std::int64_t defer_accept_retransmits = 0;
  std::uint64_t defer_acks_kept = 0;
  std::uint64_t defer_completed_by_data = 0;
  std::uint64_t defer_completed_without_data = 0;
  std::uint64_t defer_expired_acked = 0;
  // A socket of an SO_REUSEPORT group: which (from 1) of how many; 0 of 0 otherwise.
  std::uint32_t reuseport_socket = 0;
  std::uint32_t reuseport_sockets = 0;
  std::uint64_t requests_migrated = 0;  // moved to a sibling when this socket closed (Linux TCPMigrateReqSuccess)
  QueueStats accept_queue;
  QueueStats syn_queue;
  sim::Histogram accept_wait;  // ns from entering the accept queue to accept()

  // Utilisation (reported by cli/utilisation.h): what its servers were offered, how busy
  // they were. `servers` is its worker count (an event loop's count would take its place).
  std::uint64_t offered = 0;          // measured connections whose first SYN reached it (forged SYNs not)
  std::uint64_t pooled_requests = 0;  // measured requests over a proxy's pooled connections (no SYN)
  std::int64_t servers = 0;           // what serves accepted connections: workers, or event loops (JSON "servers_are")
  bool servers_are_loops = false;     // `loops:`: E[S] is accept + request CPU, busy the loops' (whole run)
  std::int64_t busy_ns = 0;           // service time spent inside the measured span, all workers
  double span_seconds = 0;            // the measured span: the run, or its `measure:` window
  double service_mean_s = 0;          // E[S], its service distribution's mean
  bool service_exponential = false;
  std::int64_t queue_places = 0;  // accepted connections its accept queue holds before it is full (K)
};

// What one event loop of a listener did (EventLoopSpec).
struct LoopResults {
  std::string host;
  int port = 0;
  int socket = 0;                    // its socket in an SO_REUSEPORT group (from 1); 0: not in a group
  int loop = 0;                      // its number, in registration order from 0
  std::uint64_t accepted = 0;        // connections it accepted
  std::uint64_t wakeups = 0;         // times it woke for the listening socket
  std::uint64_t wasted_wakeups = 0;  // ... and found nothing to accept (EAGAIN)
  double busy_fraction = 0;          // of the run, spent on accept and request CPU
  std::int64_t max_connections = 0;
  QueueStats open;  // open connections: time-average, max, fraction of time at max_connections
};

// What a proxy did with one backend (ProxySpec::backends).
struct UpstreamResults {
  std::string host;
  int port = 0;
  std::uint64_t tries = 0;         // requests sent its way (first tries and next-upstream retries)
  std::uint64_t reused = 0;        // ... over an idle keep-alive connection of its pool
  std::uint64_t connects = 0;      // upstream connect() calls to it
  std::uint64_t refused = 0;       // ... answered with RST (or reset after connecting)
  std::uint64_t timed_out = 0;     // ... past the proxy's connect_timeout
  std::uint64_t ok = 0;            // requests it answered
  std::uint64_t marked_down = 0;   // times passive health marked it down
  std::int64_t max_open = 0;       // most upstream connections to it at once (busy and idle)
  sim::Histogram connect_latency;  // ns from connect() to established, upstream
};

// What one proxy did (ProxySpec).
struct ProxyResults {
  std::string host;
  int port = 0;
  RequestCounts requests;            // requests of the connections it accepted (measured)
  std::uint64_t next_upstream = 0;   // retries to another backend (proxy_next_upstream)
  std::uint64_t queued = 0;          // requests that waited for a backend's max_connections
  std::uint64_t queue_full = 0;      // ... 503 because the queue was full
  std::uint64_t queue_timeouts = 0;  // ... 503 after waiting `queue.timeout`
  std::uint64_t no_backend = 0;      // ... 503 because every backend was down
  QueueStats queue;                  // requests waiting (time-average, max, fraction of time full)
  sim::Histogram queue_wait;         // ns a queued request waited
  sim::Histogram first_byte;         // ns from the proxy's accept to the response's first byte
  std::vector<UpstreamResults> backends;
};

// What a balancer did with each backend.
struct BackendResults {
  std::string host;
  int port = 0;
  std::uint64_t assigned = 0;     // connections sent to it
  std::uint64_t marked_down = 0;  // times a RST from it marked it down
  std::int64_t max_active = 0;    // most connections it had at once, as the balancer counts them
  std::int64_t active = 0;        // connections it has now (at the end: still assigned)
};

struct BalancerResults {
  std::string name;
  std::vector<BackendResults> backends;
};

// What one script step did.
struct ScriptResult {
  sim::Time at;
  int line = 0;  // in the scenario file
  std::string host;
  std::string call;        // "listen", "bind", ...
  std::string result;      // "OK" or the OS's error name
  std::string why;         // for an error: why the call returned it (model/socket_errors.h)
  std::string expected;    // empty when the step has no `expect`
  std::int64_t value = 0;  // the descriptor (socket, accept) or the backlog (listen)
  bool met() const { return expected.empty() || expected == result; }
};

// A measurement window, as the results report it.
struct MeasureSpan {
  sim::Time from;
  sim::Time to;
};

// Why a run ended before its duration, if it did.
enum class CutShort : std::uint8_t {
  kNo,           // it ran to its end
  kMaxEvents,    // the event budget was used up
  kMaxInflight,  // more connections were in flight at once than allowed
  kInterrupted,  // the user asked it to stop (SIGINT, SIGTERM)
  kStalled,      // the clock stopped: RunControl::max_events_at_one_instant events at one instant
};
std::string_view cut_short_name(CutShort c);

// What the client groups' arrival processes are, for the queueing references.
enum class ArrivalKind : std::uint8_t {
  kPoisson,         // every group that connects: `poisson`, at a constant rate
  kPoissonVarying,  // every one Poisson, some with a rate that varies (ramp, flash_crowd)
  kOther,           // some group is not Poisson (constant, burst, on_off, trace, closed) or retries
};

struct RunResults {
  std::string scenario;
  std::uint64_t seed = 0;
  std::uint64_t digest = 0;  // hash of every outcome with its time: equal digests, equal runs
  std::uint64_t events = 0;
  sim::Time end;  // the run's end, or the instant it was cut short
  CutShort cut_short = CutShort::kNo;
  std::optional<MeasureSpan> window;  // the `measure:` window, when the scenario has one
  ArrivalKind arrivals = ArrivalKind::kOther;
  OutcomeCounts totals;
  std::vector<ClientResults> clients;
  std::vector<ListenerResults> listeners;
  std::vector<BalancerResults> balancers;
  std::vector<LoopResults> loops;     // every event loop, listener by listener
  std::vector<ProxyResults> proxies;  // every proxy, in the order of ScenarioSpec::hosts
  RequestCounts requests;             // every client group's requests through proxies
  std::vector<ScriptResult> script;
  sim::TimeSeries timeseries{{}};
  // Not empty when the engine broke one of its own invariants (a client's outcomes do not
  // add up): the numbers above are not to be trusted. Model code does no I/O; the caller
  // reports it.
  std::string internal_error;

  // Connect latency pooled over every client group (the `(all)` row, `totals`).
  sim::Histogram pooled_connect_latency() const;

  // Whether every script step with an `expect` gave the expected result.
  bool expectations_met() const {
    for (const auto& s : script)
      if (!s.met()) return false;
    return true;
  }
};

}  // namespace model

// model/results.h — what a run produced: outcomes, per-listener counters, distributions.
//
// Every connection attempt (one connect() call) ends in exactly one Outcome; the counts
// always satisfy attempts == accepted + refused + timed_out + reset + pending, which
// World checks at the end of every run.
#pragma once

#include <cstdint>
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
};

struct ClientResults {
  std::string name;
  OutcomeCounts counts;
  std::uint64_t syn_retransmits = 0;
  std::uint64_t app_retries = 0;    // attempts that were application-level retries
  std::uint64_t segments_lost = 0;  // segments of its connections lost: link loss, host_down, link_down
  bool spoofed = false;             // a SYN flood from forged addresses: it makes no attempts ...
  std::uint64_t spoofed_syns = 0;   // ... and counts the SYNs it sent
  sim::Histogram connect_latency;   // ns from connect() to established
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
  QueueStats accept_queue;
  QueueStats syn_queue;
  sim::Histogram accept_wait;  // ns from entering the accept queue to accept()
};

// What one event loop of a listener did (EventLoopSpec).
struct LoopResults {
  std::string host;
  int port = 0;
  int loop = 0;                      // its number, in registration order from 0
  std::uint64_t accepted = 0;        // connections it accepted
  std::uint64_t wakeups = 0;         // times it woke for the listening socket
  std::uint64_t wasted_wakeups = 0;  // ... and found nothing to accept (EAGAIN)
  double busy_fraction = 0;          // of the run, spent on accept and request CPU
  std::int64_t max_connections = 0;
  QueueStats open;  // open connections: time-average, max, fraction of time at max_connections
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
  std::string expected;    // empty when the step has no `expect`
  std::int64_t value = 0;  // the descriptor (socket, accept) or the backlog (listen)
  bool met() const { return expected.empty() || expected == result; }
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

struct RunResults {
  std::string scenario;
  std::uint64_t seed = 0;
  std::uint64_t digest = 0;  // hash of every outcome with its time: equal digests, equal runs
  std::uint64_t events = 0;
  sim::Time end;  // the run's end, or the instant it was cut short
  CutShort cut_short = CutShort::kNo;
  OutcomeCounts totals;
  std::vector<ClientResults> clients;
  std::vector<ListenerResults> listeners;
  std::vector<BalancerResults> balancers;
  std::vector<LoopResults> loops;  // every event loop, listener by listener
  std::vector<ScriptResult> script;
  sim::TimeSeries timeseries{{}};
  // Not empty when the engine broke one of its own invariants (a client's outcomes do not
  // add up): the numbers above are not to be trusted. Model code does no I/O; the caller
  // reports it.
  std::string internal_error;

  // Whether every script step with an `expect` gave the expected result.
  bool expectations_met() const {
    for (const auto& s : script)
      if (!s.met()) return false;
    return true;
  }
};

}  // namespace model

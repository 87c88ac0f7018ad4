// tests/kernel/loopback.h — connection storms against a real listening socket on 127.0.0.1.
//
// The kernel fidelity tests (tests/kernel/fidelity_test.cpp) compare synstorm's Linux
// personality with the kernel it runs on. This is their measuring instrument: it opens a
// listener, issues non-blocking connect()s on a schedule, optionally accepts on a
// schedule, and records when each client connected (or failed), when the server
// accepted, and the kernel's TCP counters before and after. Plain POSIX sockets and one
// epoll loop in the calling thread: nothing here needs threads.
//
// When the process may create network namespaces (root, or CAP_SYS_ADMIN), every
// experiment runs in a fresh one: its TCP counters count only this experiment and its
// sysctls are the kernel's defaults, untouched by the host's configuration. Otherwise it
// runs in the current namespace and the counters are lower bounds (other processes share
// them). Nothing here ever writes a sysctl of the host: an experiment's own sysctls are
// written in its fresh namespace, which disappears with it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kernel {

// The environment cannot run an experiment (descriptor limit, no loopback, ...). Tests
// report these as such, never as a disagreement with the model.
struct EnvironmentError {
  std::string what;
};

// The sysctls that decide a listener's behaviour, as read from /proc/sys (-1: unreadable).
struct Sysctls {
  std::int64_t somaxconn = -1;
  std::int64_t tcp_syncookies = -1;
  std::int64_t tcp_abort_on_overflow = -1;
  std::int64_t tcp_syn_retries = -1;
  std::int64_t tcp_synack_retries = -1;
  std::int64_t tcp_max_syn_backlog = -1;
  // Linux >= 6.5: the first this-many SYN retransmission timeouts do not double, and
  // connect() gives up after tcp_syn_retries + this many (-1: the kernel has no such knob).
  std::int64_t tcp_syn_linear_timeouts = -1;
};
Sysctls read_sysctls();

// TCP counters of the current network namespace (/proc/net/netstat TcpExt and
// /proc/net/snmp Tcp). `available` is false when the files could not be read.
struct Counters {
  bool available = false;
  std::int64_t listen_overflows = 0;      // TcpExt ListenOverflows
  std::int64_t listen_drops = 0;          // TcpExt ListenDrops
  std::int64_t syncookies_sent = 0;       // TcpExt SyncookiesSent
  std::int64_t syncookies_recv = 0;       // TcpExt SyncookiesRecv
  std::int64_t syncookies_failed = 0;     // TcpExt SyncookiesFailed
  std::int64_t reqq_full_drop = 0;        // TcpExt TCPReqQFullDrop
  std::int64_t reqq_full_do_cookies = 0;  // TcpExt TCPReqQFullDoCookies
  std::int64_t active_opens = 0;          // Tcp ActiveOpens
  std::int64_t passive_opens = 0;         // Tcp PassiveOpens
  std::int64_t retrans_segs = 0;          // Tcp RetransSegs: SYN and SYN-ACK retransmissions here
  std::int64_t out_rsts = 0;              // Tcp OutRsts
};
Counters read_counters();
Counters operator-(const Counters& after, const Counters& before);

// `uname -r`, and CONFIG_HZ from /proc/config.gz when the kernel exposes it (0: unknown).
std::string kernel_release();
int kernel_hz();

// Whether a fresh network namespace can be created here, and if not, why.
struct Isolation {
  bool available = false;
  std::string why;
};
Isolation probe_isolation();

struct Experiment {
  int backlog = 0;   // listen(fd, backlog)
  int connects = 0;  // client sockets, one connect() each
  // Schedule of the connect() calls: call i is due at i * connect_interval_ns after the
  // first. 0: back to back, as fast as a loop of connect() calls goes.
  std::int64_t connect_interval_ns = 0;
  // The server: nullopt never accepts. Otherwise a single worker: it accepts as soon as
  // a connection is waiting and it is idle, then is busy for this long (a server with one
  // thread and a constant service time).
  std::optional<std::int64_t> accept_interval_ns;
  std::int64_t observe_ns = 0;  // how long to watch, from the first connect() call
  bool isolate = true;          // run in a fresh network namespace when possible
  // Sysctls written in the experiment's own network namespace before it starts (a path
  // under /proc/sys, such as "net/ipv4/tcp_syn_retries", and its value). Only ever in a
  // fresh namespace: without one the experiment cannot run (EnvironmentError).
  std::vector<std::pair<std::string, std::int64_t>> sysctls;
};

// What became of one client by the end of the observation window.
enum class ClientEnd : std::uint8_t {
  kConnected,   // became writable with SO_ERROR == 0
  kRefused,     // ECONNREFUSED
  kTimedOut,    // ETIMEDOUT
  kReset,       // ECONNRESET
  kOtherError,  // any other error (in `error`)
  kInProgress,  // still in SYN_SENT at the deadline
};

struct ClientRecord {
  std::int64_t connect_ns = 0;  // when connect() was called, from the first call
  ClientEnd end = ClientEnd::kInProgress;
  std::int64_t end_ns = -1;  // when the end was seen (from the first call); -1 in progress
  int error = 0;             // errno for kOtherError
  // From TCP_INFO at the deadline: segments retransmitted (for a client still in
  // SYN_SENT: its SYN retransmissions) and the retransmission timeout then armed.
  int retransmits = -1;
  std::int64_t rto_us = -1;
  int tcp_state = -1;  // tcpi_state: 2 is SYN_SENT, 1 ESTABLISHED
};

struct Observation {
  Experiment experiment;
  bool isolated = false;       // ran in its own network namespace: counters are exact
  std::string isolation_note;  // why not, when not
  Sysctls sysctls;             // as seen by the experiment's namespace
  Counters counters;           // after - before, in the experiment's namespace
  std::vector<ClientRecord> clients;
  std::vector<std::int64_t> accepts_ns;  // accept() times, from the first connect() call
  // Per accept: a connection was already waiting when the worker became free.
  std::vector<std::uint8_t> accept_found_waiting;
  std::int64_t connect_span_ns = 0;          // from the first connect() call to the last
  std::int64_t max_connect_lateness_ns = 0;  // worst delay of a paced connect() behind its schedule

  std::size_t count(ClientEnd e) const;
  // Clients connected at most `within_ns` after the start of the experiment.
  std::size_t connected_by(std::int64_t within_ns) const;
  // Clients whose connect succeeded in [lo, hi) after their own connect() call.
  std::size_t connected_after_call(std::int64_t lo_ns, std::int64_t hi_ns) const;
  // The mean gap between successive connect() calls.
  std::int64_t mean_connect_gap_ns() const;
  // The server's realised busy time: the mean gap between successive accepts where a
  // connection was already waiting when the worker became free, i.e. accept_interval
  // plus the thread's wake-up and scheduling delays. 0 when there were none.
  std::int64_t realised_service_ns() const;
};

// Runs one experiment. Throws EnvironmentError when the environment cannot run it.
Observation run(const Experiment& experiment);

// Requests held in the SYN queue whose final ACKs meet a full accept queue, made
// deterministic: the listener has TCP_DEFER_ACCEPT, so a bare final ACK leaves the
// request in the SYN queue (tcp_check_req) and the client's first data byte completes it
// when the experiment says. `queued` clients connect and send a byte one after the other
// (their connections fill the accept queue in part); then `held` clients connect
// (requests held), then all of them send a byte at once. Nobody accepts. Runs only in a
// fresh network namespace, where `sysctls` are set.
struct HeldRequests {
  int backlog = 0;
  int queued = 0;
  int held = 0;
  std::vector<std::pair<std::string, std::int64_t>> sysctls;
};
struct HeldObservation {
  Sysctls sysctls;
  Counters counters;                   // after - before, in the experiment's namespace
  std::vector<ClientEnd> queued_ends;  // as SO_ERROR says after the last byte was sent
  std::vector<ClientEnd> held_ends;
};
// Throws EnvironmentError when the environment cannot run it.
HeldObservation run(const HeldRequests& x);

// Counts of `times_ns` per [k s, (k+1) s), for k = 0 .. seconds-1 (later ones go last).
std::vector<std::int64_t> per_second(const std::vector<std::int64_t>& times_ns, int seconds);

}  // namespace kernel

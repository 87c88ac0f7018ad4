// model/personality.h — what an operating system's TCP stack decides during a handshake.
//
// A Personality answers the questions a listener and a client ask at each step: what
// backlog does listen(n) give, is the accept queue full, what happens to a SYN or a final
// ACK that arrives now, when does a client retransmit its SYN and when does it give up.
// It holds no state of its own; the numbers come from `KernelKnobs`, whose defaults are
// each kernel's and which a scenario may override one by one (`kernel:` in YAML).
// Every rule cites the source it follows.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "sim/time.h"

namespace model {

enum class Os : std::uint8_t { kLinux, kWindows, kFreeBSD, kMacOS };

std::string_view os_name(Os os);
std::span<const Os> all_oses();

// Tunables of one host's stack. Integer knobs mirror sysctls where the OS has one.
struct KernelKnobs {
  // Linux net.core.somaxconn; Windows: the "maximum reasonable value" listen(SOMAXCONN)
  // gives, which also caps plain backlog values.
  std::int64_t somaxconn = 0;
  std::int64_t tcp_syncookies = 0;         // Linux: 0 off, 1 when the SYN queue is full, 2 always
  std::int64_t tcp_abort_on_overflow = 0;  // Linux: 1 = RST a final ACK that finds the accept queue full
  std::int64_t tcp_max_syn_backlog = 0;    // Linux: half-open limit without syncookies
  std::int64_t tcp_syn_retries = 0;        // client SYN retransmissions before connect() fails
  std::int64_t tcp_syn_linear_timeouts = 0;  // Linux >= 6.5: first SYN retransmissions without backoff
  std::int64_t tcp_synack_retries = 0;     // server SYN-ACK retransmissions
  sim::Duration syn_rto_initial;           // first retransmission timeout of a SYN or SYN-ACK
  sim::Duration rto_max;                   // retransmission timeouts double up to this
  // BSD net.inet.tcp.keepinit: a connection not established after this is dropped, on
  // both ends. Infinite where the OS has no such limit.
  sim::Duration keepinit = sim::Duration::infinite();
  std::int64_t syncache_limit = 0;          // FreeBSD: half-open entries the syncache keeps
  std::int64_t rst_on_sock_fail = 0;        // FreeBSD: RST a final ACK that finds the queue full
  std::int64_t connect_response_retransmissions = 0;  // Windows: SYN re-sends after a RST
  sim::Duration rst_retry_interval;         // Windows: wait before re-sending a SYN after RST
  std::int64_t hz = 0;                      // Linux CONFIG_HZ: the timer wheel's tick rate
};

KernelKnobs default_knobs(Os os);

// The `kernel:` map's entries: one row per knob, read by config/ for validation and by
// documentation. `oses` lists the personalities the knob means something to.
struct KnobInfo {
  std::string_view name;
  enum class Kind : std::uint8_t { kInteger, kDuration } kind;
  std::int64_t KernelKnobs::*integer = nullptr;
  sim::Duration KernelKnobs::*duration = nullptr;
  std::int64_t min = 0;  // for durations: nanoseconds
  std::int64_t max = 0;
  std::uint8_t os_mask = 0;  // bit (1 << Os)
  std::string_view doc;

  bool applies_to(Os os) const { return (os_mask >> static_cast<unsigned>(os)) & 1u; }
};
std::span<const KnobInfo> knob_table();

// What the listening host does with an arriving SYN.
enum class SynVerdict : std::uint8_t {
  kQueue,   // keep a request (half-open) and answer SYN-ACK
  kCookie,  // answer with a SYN cookie; keep no state
  kDrop,    // ignore it: the client will retransmit
  kRefuse,  // answer RST: the client's connect() fails with "connection refused"
};
enum class SynReason : std::uint8_t {
  kAccepted,          // room in both queues
  kAcceptQueueFull,   // Linux ListenOverflows; Windows: the queue of pending connections
  kSynQueueFull,      // half-open requests at the backlog
  kSynBacklogPressure,  // Linux without cookies: fewer than tcp_max_syn_backlog/4 slots left
  kCookiesAlways,     // Linux tcp_syncookies=2
};
struct SynDecision {
  SynVerdict verdict;
  SynReason reason;
};

// What the listening host does with the client's final ACK of a request it holds.
enum class AckVerdict : std::uint8_t {
  kComplete,  // the connection enters the accept queue
  kDrop,      // accept queue full: ignore the ACK, keep the request, retransmit SYN-ACK later
  kReset,     // accept queue full and abort_on_overflow: RST
};

// When a client retransmits its SYN: after rto(0), then rto(1) more, ...: the initial
// timeout times a backoff multiplier (doubling, or the BSD tcp_syn_backoff table) up to
// `max`. connect() fails after `retries` retransmissions and one more timeout, or at
// `deadline` (BSD keepinit), whichever comes first.
struct SynRetransmitSchedule {
  sim::Duration initial;
  sim::Duration max;
  int retries = 0;
  std::span<const std::int64_t> backoff;  // empty: doubling
  // Linux >= 6.5 (tcp_syn_linear_timeouts): this many retransmissions keep the initial
  // timeout before doubling starts.
  int linear = 0;
  sim::Duration deadline = sim::Duration::infinite();
  // Windows: after a RST to its SYN the client re-sends the SYN this many times, each
  // after `rst_interval`, before connect() fails with WSAECONNREFUSED.
  int rst_retries = 0;
  sim::Duration rst_interval;

  // The timeout that follows transmission k (0 = the first SYN).
  sim::Duration rto(int k) const;
  // Time from connect() to the k-th retransmission (k >= 1), or to giving up (k = retries + 1).
  sim::Duration offset(int k) const;
  sim::Duration give_up_after() const { return std::min(offset(retries + 1), deadline); }
};

class Personality {
 public:
  Personality(Os os, const KernelKnobs& knobs) : os_(os), knobs_(knobs) {}

  Os os() const { return os_; }
  const KernelKnobs& knobs() const { return knobs_; }

  // The value of SOMAXCONN in the OS's headers (what listen(s, SOMAXCONN) passes).
  std::int64_t somaxconn_constant() const;

  // The backlog limit after listen(s, requested). `current` is the limit of a socket that
  // is already listening (nullopt on the first call).
  std::int64_t listen_backlog(std::int64_t requested, std::optional<std::int64_t> current) const;

  // Whether a listener with `accept_len` completed connections waiting is full.
  bool accept_queue_full(std::int64_t accept_len, std::int64_t backlog) const;
  // Whether the half-open (SYN) queue is at its limit.
  bool syn_queue_full(std::int64_t syn_len, std::int64_t backlog) const;

  SynDecision on_syn(std::int64_t accept_len, std::int64_t syn_len, std::int64_t backlog) const;
  AckVerdict on_final_ack(std::int64_t accept_len, std::int64_t backlog) const;

  // Server: how many times a half-open request's SYN-ACK is retransmitted before it is
  // forgotten, given the SYN queue's length and how many of its requests are young
  // (have not timed out yet).
  int synack_retries(std::int64_t syn_len, std::int64_t young, std::int64_t backlog) const;
  // The timeout before SYN-ACK retransmission k + 1 (k retransmissions made so far).
  sim::Duration synack_timeout(int k) const;

  // Client side. `syn_retries_override` replaces tcp_syn_retries (and the Windows
  // re-sends after RST) when set.
  SynRetransmitSchedule syn_schedule(std::optional<int> syn_retries_override) const;

  // When a retransmission timer armed at `now` for `timeout` really fires. Linux timers
  // live in a timer wheel whose outer levels have coarse slots (kernel/time/timer.c
  // calc_wheel_index): a 1 s timer at HZ=250 fires on the next 32 ms boundary after its
  // expiry, so retransmissions armed within one slot fire together.
  sim::Time timer_fire_time(sim::Time now, sim::Duration timeout) const;

 private:
  Os os_;
  KernelKnobs knobs_;
};

}  // namespace model

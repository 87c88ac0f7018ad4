// model/personality.h — what an operating system's TCP stack decides during a handshake.
//
// A Personality answers the questions a listener and a client ask at each step: what
// backlog does listen(n) give, is the accept queue full, what happens to a SYN or a final
// ACK that arrives now, when does a client retransmit its SYN and when does it give up.
// It holds no state of its own; the numbers come from `KernelKnobs`, whose defaults are
// each kernel's and which a scenario may override one by one (`kernel:` in YAML).
// Every rule cites the source it follows, and every verdict comes with a record of what
// was compared (quantity, operator, limit, deciding knob, source): narration and viewer
// format that record and never restate a rule. Records hold integers and views of static
// strings only, so building one on every SYN and ACK costs no allocation.
#pragma once

#include <algorithm>
#include <array>
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
  std::int64_t tcp_syncookies = 0;           // Linux: 0 off, 1 when the SYN queue is full, 2 always
  std::int64_t tcp_abort_on_overflow = 0;    // Linux: 1 = RST a final ACK that finds the accept queue full
  std::int64_t tcp_max_syn_backlog = 0;      // Linux: half-open limit without syncookies
  std::int64_t tcp_syn_retries = 0;          // client SYN retransmissions before connect() fails
  std::int64_t tcp_syn_linear_timeouts = 0;  // Linux >= 6.5: first SYN retransmissions without backoff
  std::int64_t tcp_synack_retries = 0;       // server SYN-ACK retransmissions
  sim::Duration syn_rto_initial;             // first retransmission timeout of a SYN or SYN-ACK
  sim::Duration rto_max;                     // retransmission timeouts double up to this
  // BSD net.inet.tcp.keepinit: a connection not established after this is dropped, on
  // both ends. Infinite where the OS has no such limit.
  sim::Duration keepinit = sim::Duration::infinite();
  std::int64_t syncache_limit = 0;                    // FreeBSD: half-open entries the syncache keeps
  std::int64_t rst_on_sock_fail = 0;                  // FreeBSD: RST a final ACK that finds the queue full
  std::int64_t connect_response_retransmissions = 0;  // Windows: SYN re-sends after a RST
  sim::Duration rst_retry_interval;                   // Windows: wait before re-sending a SYN after RST
  std::int64_t hz = 0;                                // Linux CONFIG_HZ: the timer wheel's tick rate
  std::int64_t tcp_migrate_req = 0;  // Linux: 1 = a closed SO_REUSEPORT socket's requests move to a sibling
};

KernelKnobs default_knobs(Os os);

// The `kernel:` map's entries: one row per knob, read by config/ for validation and by
// documentation. `os_mask` lists the personalities the knob means something to, `side`
// which end of a handshake reads it: a host's listeners, a client group's connecting
// sockets, or both.
struct KnobInfo {
  std::string_view name;
  enum class Kind : std::uint8_t { kInteger, kDuration } kind;
  enum class Side : std::uint8_t { kListener, kClient, kBoth } side;
  std::int64_t KernelKnobs::*integer = nullptr;
  sim::Duration KernelKnobs::*duration = nullptr;
  std::int64_t min = 0;  // for durations: nanoseconds
  std::int64_t max = 0;
  std::uint8_t os_mask = 0;  // bit (1 << Os)
  std::string_view doc;

  bool applies_to(Os os) const { return (os_mask >> static_cast<unsigned>(os)) & 1u; }
  bool read_by_listener() const { return side != Side::kClient; }
  bool read_by_client() const { return side != Side::kListener; }
};
std::span<const KnobInfo> knob_table();

// ---- decision records -----------------------------------------------------------------

// How a rule compares its quantity with its limit.
enum class Compare : std::uint8_t { kGreater, kGreaterEqual, kLess, kLessEqual };
std::string_view compare_symbol(Compare c);  // ">", ">=", "<", "<="
std::string_view negated_symbol(Compare c);  // the comparison that holds when `c` does not: "<=" for ">"

// One comparison a rule made, `quantity op limit`, with the numbers it saw.
struct Comparison {
  std::string_view queue;     // what it is about: "accept queue", "SYN queue", "syncache", ...
  std::string_view quantity;  // what was counted: "accept", "SYN", "accept + half-open", ...
  std::int64_t value = 0;
  // A quantity made of two numbers (accept + half-open): both, and '+' or '-'; else 0.
  std::int64_t left = 0;
  std::int64_t right = 0;
  char combine = 0;
  Compare op = Compare::kGreater;
  std::string_view limit;  // "backlog", "3*backlog/2", "syncache_limit", "tcp_max_syn_backlog/4"
  std::int64_t limit_value = 0;
  bool held = false;
  std::string_view source;  // where the kernel writes this comparison
};

// A knob whose value decided a verdict (tcp_syncookies=0, tcp_abort_on_overflow=1, ...).
struct KnobCondition {
  std::string_view name;  // empty: no knob took part
  std::int64_t value = 0;
};

// Why a verdict is what it is: the comparisons that decided it, in the kernel's order (the
// last one decided a refusal; an admission lists every room it found), the knob that
// chose between outcomes, and the source of the verdict as a whole.
struct Rule {
  std::array<Comparison, 2> compared{};
  std::uint8_t count = 0;
  KnobCondition knob;
  std::string_view source;

  std::span<const Comparison> comparisons() const { return {compared.data(), count}; }
};

// The first queue length at which a queue counts as full, and what the queue holds.
struct QueueLimit {
  std::string_view queue;  // "accept queue", "queue of pending connections (half-open + complete)", ...
  std::int64_t full_at = 0;
  std::string_view source;
};

// What listen(s, n) made of n.
enum class BacklogRule : std::uint8_t {
  kAsRequested,          // a legal value, kept
  kClampedToSomaxconn,   // Linux, BSD: negative or above somaxconn -> somaxconn
  kSomaxconnConstant,    // Windows listen(SOMAXCONN): the "maximum reasonable value" (knob somaxconn)
  kHintRange,            // Windows SOMAXCONN_HINT(n): n clamped to [200, 65535]
  kLegalRange,           // Windows: a plain value clamped to [1, somaxconn]
  kUnchangedOnRelisten,  // Windows: listen() on a listening socket keeps its backlog
};
struct BacklogDecision {
  std::int64_t requested = 0;  // the argument listen() received
  std::int64_t backlog = 0;    // the limit the socket gets
  BacklogRule rule = BacklogRule::kAsRequested;
  std::string_view source;
};

// What the listening host does with an arriving SYN.
enum class SynVerdict : std::uint8_t {
  kQueue,   // keep a request (half-open) and answer SYN-ACK
  kCookie,  // answer with a SYN cookie; keep no state
  kDrop,    // ignore it: the client will retransmit
  kRefuse,  // answer RST: the client's connect() fails with "connection refused"
};
enum class SynReason : std::uint8_t {
  kAccepted,            // room in both queues
  kAcceptQueueFull,     // Linux ListenOverflows; Windows: the queue of pending connections
  kSynQueueFull,        // half-open requests at the backlog
  kSynBacklogPressure,  // Linux without cookies: fewer than tcp_max_syn_backlog/4 slots left
  kCookiesAlways,       // Linux tcp_syncookies=2
};
struct SynVerdictReason {
  SynVerdict verdict = SynVerdict::kQueue;
  SynReason reason = SynReason::kAccepted;
};
struct SynDecision {
  SynVerdict verdict = SynVerdict::kQueue;
  SynReason reason = SynReason::kAccepted;
  Rule rule;
};

// Which state a final ACK finds on the listening host: the path it takes in the kernel.
enum class AckPath : std::uint8_t {
  kRequest,  // a request kept since the SYN (Linux request sock, FreeBSD syncache entry, XNU embryonic socket)
  kCookie,   // no state: the ACK answers a SYN cookie, which the kernel validates and rebuilds
};

// What the listening host does with the client's final ACK.
enum class AckVerdict : std::uint8_t {
  kComplete,  // the connection enters the accept queue
  kDrop,      // accept queue full: ignore the ACK, keep the request, retransmit SYN-ACK later
  kForget,    // accept queue full: ignore the ACK and keep nothing (no RST): the client believes it is connected
  kReset,     // accept queue full: RST (Linux tcp_abort_on_overflow, FreeBSD rst_on_sock_fail)
  kDefer,     // Linux TCP_DEFER_ACCEPT: a bare ACK is ignored, the request stays in the SYN queue marked acked
};

// What an ACK that reaches a held request carries, and the listener's TCP_DEFER_ACCEPT,
// for the Linux test in tcp_check_req. `defer_retransmits` 0: the socket does not defer.
struct DeferState {
  int defer_retransmits = 0;  // rskq_defer_accept: TCP_DEFER_ACCEPT seconds as SYN-ACK retransmissions
  int num_timeout = 0;        // req->num_timeout: SYN-ACK timeouts of the request so far
  bool carries_data = false;  // the segment carries the client's first request bytes
};

// What a half-open request's SYN-ACK timer does when it fires (Linux syn_ack_recalc and
// reqsk_timer_handler): forget the request, or keep it, retransmitting the SYN-ACK or not.
struct SynAckTimerVerdict {
  bool expire = false;
  bool resend = true;
};
struct SynAckTimerDecision {
  bool expire = false;
  bool resend = true;
  Rule rule;
};
struct AckDecision {
  AckVerdict verdict = AckVerdict::kComplete;
  AckPath path = AckPath::kRequest;
  Rule rule;
};

// Why a client's connect() ends when its SYN retransmission timer fires.
enum class SynGiveUp : std::uint8_t {
  kNo,     // retransmit the SYN
  kCount,  // the retransmissions are used up
  kTime,   // Linux: the time bound since the first SYN has passed (retransmits_timed_out)
};

// When a client retransmits its SYN: after rto(0), then rto(1) more, ...: the initial
// timeout times a backoff multiplier (doubling, or the BSD tcp_syn_backoff table) up to
// `max`. Each time the timer fires, before it retransmits, connect() fails if `retries`
// retransmissions have been made or (Linux) `time_bound` has passed since the first SYN;
// it also fails at `deadline` (BSD keepinit), a timer of its own.
struct SynRetransmitSchedule {
  sim::Duration initial;
  sim::Duration max;
  int retries = 0;
  std::span<const std::int64_t> backoff;  // empty: doubling
  // Linux >= 6.5 (tcp_syn_linear_timeouts): this many retransmissions keep the initial
  // timeout before doubling starts.
  int linear = 0;
  // Linux net/ipv4/tcp_timer.c retransmits_timed_out: tcp_model_timeout(tcp_syn_retries,
  // initial RTO), the time `tcp_syn_retries` doubling timeouts would take. Linear timeouts
  // do not extend it. Infinite elsewhere.
  sim::Duration time_bound = sim::Duration::infinite();
  sim::Duration deadline = sim::Duration::infinite();
  // Windows: after a RST to its SYN the client re-sends the SYN this many times, each
  // after `rst_interval`, before connect() fails with WSAECONNREFUSED.
  int rst_retries = 0;
  sim::Duration rst_interval;

  // The timeout that follows transmission k (0 = the first SYN).
  sim::Duration rto(int k) const;
  // Time from connect() to the k-th retransmission (k >= 1), as the timeouts add up.
  sim::Duration offset(int k) const;
  // The timer fires `elapsed` after the first SYN, `retransmissions` made: give up?
  // (net/ipv4/tcp_timer.c tcp_write_timeout, called by tcp_retransmit_timer before it
  // retransmits.)
  SynGiveUp give_up(int retransmissions, sim::Duration elapsed) const;
  // Time from connect() to its failure when nothing answers (timers firing on time).
  sim::Duration give_up_after() const;
};

// Where a client's connect() takes its source port from: the OS's ephemeral range and the
// order its allocator walks it (model/addressing.h applies it).
enum class PortOrder : std::uint8_t {
  // Linux net/ipv4/inet_hashtables.c __inet_hash_connect (RFC 6056 algorithm 4, double
  // hash): a per-destination offset plus that destination's table_perturb entry; ports of
  // the range's low parity first (step 2), then the other parity; a port in use is
  // skipped; after a success the entry grows by max(i, random(8)*2) + 2.
  kLinuxDoubleHash,
  // FreeBSD sys/netinet/in_pcb.c in_pcb_lport_dest with net.inet.ip.portrange.randomized=1
  // (the default), XNU bsd/netinet/in_pcb.c in_pcbbind (randomport): a random start in
  // [first, last), then ++ (wrapping to first past last) until a port is free.
  kRandomStartIncrement,
};
struct EphemeralPorts {
  std::uint16_t low = 0;   // first port of the range
  std::uint16_t high = 0;  // last port of the range (inclusive)
  PortOrder order = PortOrder::kRandomStartIncrement;
  std::string_view source;
};

// SO_REUSEPORT: several listening sockets bound to one port (model/reuseport.h).
enum class ReuseportBalance : std::uint8_t {
  // Linux: a hash of the 4-tuple (inet_ehashfn), reciprocal_scale over the group's array.
  kHash4Tuple,
  // FreeBSD SO_REUSEPORT_LB: a Jenkins hash of the foreign address, xor the two ports,
  // modulo the group's count.
  kHashForeignPorts,
  // macOS: SO_REUSEPORT shares the port without balancing: the socket that listened last
  // receives every SYN.
  kLastListening,
  // Windows: no such thing; a second bind() to the port fails (WSAEADDRINUSE).
  kNone,
};
struct ReuseportRule {
  ReuseportBalance balance = ReuseportBalance::kNone;
  // When one socket of the group closes: its half-open requests and its accept queue's
  // connections go to the sibling their 4-tuple selects now (else they are reset).
  bool migrate_requests = false;
  bool migrate_accepted = false;
  std::string_view source;        // where the kernel selects the socket
  std::string_view close_source;  // what closing one socket does to what it holds
  std::string_view knob;          // the knob that decided the close (empty: none)
  std::int64_t knob_value = 0;
};
// The socket a SYN found: the hash computed, the index it gave in the group's array of
// `sockets` listening sockets.
struct ReuseportChoice {
  std::uint32_t hash = 0;
  std::uint32_t index = 0;
  std::uint32_t sockets = 0;
};

// ---- who wakes when a connection is ready on a socket several loops wait on ----------

// How the loops of an event-loop application wait on one shared listening socket.
enum class Wakeup : std::uint8_t {
  kAccept,          // each loop blocks in accept() when it has nothing else to do
  kEpoll,           // each loop's own epoll set holds the socket (EPOLLIN, level-triggered)
  kEpollExclusive,  // the same, registered with EPOLLEXCLUSIVE (Linux >= 4.5)
  kKqueue,          // each loop's own kqueue holds the socket (EVFILT_READ): FreeBSD, macOS
};
std::string_view wakeup_name(Wakeup w);  // "accept", "epoll", "epoll_exclusive", "kqueue"

// Which waiting loops a ready connection wakes, in the order the kernel wakes them.
enum class WakeOrder : std::uint8_t {
  kLongestWaiting,       // one: the loop that has waited longest (FIFO of blocked accept() calls)
  kAllRace,              // all; they race to accept() and the scheduler decides who wins
  kFirstIdleRegistered,  // one: the first loop in registration order that is waiting now
  kOnlyWaiter,           // one loop on the socket: nothing to choose
};

// A loop as the wake-up sees it. Loops are numbered in the order they registered with the
// socket (started their epoll set or first called accept()).
struct LoopWaiter {
  bool waiting = false;             // in epoll_wait() / accept() with the socket enabled
  std::uint64_t waiting_since = 0;  // a sequence number: smaller began waiting earlier
};

// The loops one ready connection woke, and the rule that chose them.
struct WakeDecision {
  WakeOrder order = WakeOrder::kOnlyWaiter;
  std::uint32_t waiting = 0;  // loops that were waiting
  std::uint32_t woken = 0;    // loops woken (written to the caller's array in wake order)
  std::string_view rule;      // the rule in a sentence
  std::string_view source;    // where the kernel makes it
};

class Personality {
 public:
  Personality(Os os, const KernelKnobs& knobs) : os_(os), knobs_(knobs) {}

  Os os() const { return os_; }
  const KernelKnobs& knobs() const { return knobs_; }

  // The value of SOMAXCONN in the OS's headers (what listen(s, SOMAXCONN) passes).
  std::int64_t somaxconn_constant() const;

  // The backlog limit after listen(s, requested), and the rule that gave it. `current` is
  // the limit of a socket that is already listening (nullopt on the first call).
  BacklogDecision listen_decision(std::int64_t requested, std::optional<std::int64_t> current) const;
  std::int64_t listen_backlog(std::int64_t requested, std::optional<std::int64_t> current) const {
    return listen_decision(requested, current).backlog;
  }

  // Whether a listener with `accept_len` completed connections waiting is full: the
  // comparison made, or (on the simulator's hot path) only its answer.
  Comparison accept_queue_test(std::int64_t accept_len, std::int64_t backlog) const;
  bool accept_queue_full(std::int64_t accept_len, std::int64_t backlog) const;
  // Whether the half-open (SYN) queue is at its limit.
  Comparison syn_queue_test(std::int64_t syn_len, std::int64_t backlog) const;
  bool syn_queue_full(std::int64_t syn_len, std::int64_t backlog) const;

  // The first length at which accept_queue_full (syn_queue_full) holds for `backlog`.
  QueueLimit accept_limit(std::int64_t backlog) const;
  QueueLimit syn_limit(std::int64_t backlog) const;

  // What happens to a SYN, and to the final ACK of a request, with the rule that decided.
  SynDecision on_syn(std::int64_t accept_len, std::int64_t syn_len, std::int64_t backlog) const;
  // The final ACK of a connection, arriving on `path`, finds `accept_len` completed
  // connections waiting.
  // `defer`: a Linux listener's TCP_DEFER_ACCEPT and what the segment carries (a bare
  // ACK, or the first data).
  AckDecision on_final_ack(AckPath path, std::int64_t accept_len, std::int64_t backlog, DeferState defer = {}) const;
  // The same decisions, made by the same code, without building their rules: what the
  // simulator asks when nobody watches the run.
  SynVerdictReason syn_verdict(std::int64_t accept_len, std::int64_t syn_len, std::int64_t backlog) const;
  AckVerdict ack_verdict(AckPath path, std::int64_t accept_len, std::int64_t backlog, DeferState defer = {}) const;

  // Linux TCP_DEFER_ACCEPT: the retransmission count setsockopt stores for `seconds`
  // (net/ipv4/tcp.c secs_to_retrans with TCP_TIMEOUT_INIT and TCP_RTO_MAX); 0 for 0.
  // Other OSes have no such option (0).
  int defer_accept_retransmits(std::int64_t seconds) const;

  // A held request's SYN-ACK timer fires after `num_timeout` timeouts, the request
  // `acked` (a bare ACK was ignored under TCP_DEFER_ACCEPT, or found the accept queue
  // full), with `max_retries` (synack_retries) and the listener's defer_retransmits.
  SynAckTimerDecision on_synack_timer(int num_timeout, int max_retries, int defer_retransmits, bool acked) const;
  SynAckTimerVerdict synack_timer_verdict(int num_timeout, int max_retries, int defer_retransmits, bool acked) const;

  // Server: how many times a half-open request's SYN-ACK is retransmitted before it is
  // forgotten, given the SYN queue's length and how many of its requests are young
  // (have not timed out yet).
  int synack_retries(std::int64_t syn_len, std::int64_t young, std::int64_t backlog) const;
  // The timeout before SYN-ACK retransmission k + 1 (k retransmissions made so far).
  sim::Duration synack_timeout(int k) const;
  // The timeout before retransmission k + 1 of the client's first data, after a handshake
  // whose round trip was `rtt`: Linux's first RTO m + max(2m, TCP_RTO_MIN)
  // (tcp_rtt_estimator, __tcp_set_rto), doubled per retransmission up to rto_max
  // (tcp_retransmit_timer). Applied to every client OS.
  sim::Duration data_rto(sim::Duration rtt, int k) const;

  // Client side. `syn_retries_override` (a scenario's `syn_retries:`) replaces the total
  // number of SYN retransmissions (on Linux tcp_syn_retries + tcp_syn_linear_timeouts;
  // on Windows also the re-sends after RST). It does not move Linux's time bound, which
  // is tcp_syn_retries' (the knob's).
  SynRetransmitSchedule syn_schedule(std::optional<int> syn_retries_override) const;

  // Whether the wake-up rule `mode` of `loops` loops sharing one socket is modelled for
  // this OS, and if not, why (one loop: always, there is no choice to make).
  struct WakeupSupport {
    bool modelled = true;
    std::string_view why;  // when not: the OS's mechanism and what is missing
  };
  WakeupSupport wakeup_support(Wakeup mode, int loops) const;
  // A connection became ready on a socket `loops` wait on: which of them wake, written to
  // `woken` (size >= loops.size()), the one that takes the connection first. `race` is a
  // uniform draw in [0, 1) that picks the winner when several woken loops race (plain
  // epoll): which one gets to accept() first is the scheduler's, not the socket's.
  // Requires: wakeup_support(mode, loops.size()).modelled.
  WakeDecision wake(Wakeup mode, std::span<const LoopWaiter> loops, std::span<std::uint32_t> woken, double race) const;

  // When a retransmission timer armed at `now` for `timeout` really fires. Linux timers
  // live in a timer wheel whose outer levels have coarse slots (kernel/time/timer.c
  // calc_wheel_index): a 1 s timer at HZ=250 fires on the next 32 ms boundary after its
  // expiry, so retransmissions armed within one slot fire together.
  sim::Time timer_fire_time(sim::Time now, sim::Duration timeout) const;

  // The ephemeral port range a connect() without bind() takes its source port from, and
  // the order the allocator walks it.
  EphemeralPorts ephemeral_ports() const;

  // How an SO_REUSEPORT group shares its SYNs, and what closing one of its sockets does.
  ReuseportRule reuseport_rule() const;
  ReuseportBalance reuseport_balance() const;
  // Which of `sockets` (> 0) listening sockets of a group a segment from (faddr, fport) to
  // (laddr, lport) finds; `secret` is the host's hash secret (random per boot).
  ReuseportChoice reuseport_select(std::uint32_t laddr, std::uint16_t lport, std::uint32_t faddr, std::uint16_t fport,
                                   std::uint32_t secret, std::uint32_t sockets) const;

 private:
  // Each decision is written once, as a template over whether it records its rule
  // (personality.cpp); the public functions above are its two instantiations.
  template <bool kRecord>
  auto accept_check(std::int64_t accept_len, std::int64_t backlog) const;
  template <bool kRecord>
  auto syn_check(std::int64_t syn_len, std::int64_t backlog) const;
  template <bool kRecord>
  auto decide_syn(std::int64_t accept_len, std::int64_t syn_len, std::int64_t backlog) const;
  template <bool kRecord>
  auto decide_final_ack(AckPath path, std::int64_t accept_len, std::int64_t backlog, DeferState defer) const;
  template <bool kRecord>
  auto decide_synack_timer(int num_timeout, int max_retries, int defer_retransmits, bool acked) const;

  Os os_;
  KernelKnobs knobs_;
};

struct BacklogRequest;  // model/spec.h

// The argument listen() receives for the backlog an application wrote: the number, the
// OS's SOMAXCONN constant, or winsock2.h's SOMAXCONN_HINT(b) = -(b).
std::int64_t backlog_argument(const Personality& p, const BacklogRequest& b);

}  // namespace model

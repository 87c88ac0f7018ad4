#include "model/personality.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <type_traits>

#include "model/addressing.h"
#include "model/reuseport.h"
#include "model/spec.h"

namespace model {

namespace {

constexpr std::array<Os, 4> kOses = {Os::kLinux, Os::kWindows, Os::kFreeBSD, Os::kMacOS};

constexpr std::uint8_t bit(Os os) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(os)); }
constexpr std::uint8_t kLinux = bit(Os::kLinux);
constexpr std::uint8_t kWindows = bit(Os::kWindows);
constexpr std::uint8_t kFreeBSD = bit(Os::kFreeBSD);
constexpr std::uint8_t kMacOS = bit(Os::kMacOS);
constexpr std::uint8_t kBsd = kFreeBSD | kMacOS;
constexpr std::uint8_t kAll = kLinux | kWindows | kBsd;

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kHour = 3600LL * 1'000'000'000;

using K = KnobInfo::Kind;
using S = KnobInfo::Side;
const std::array<KnobInfo, 16> kKnobs = {{
    {"somaxconn", K::kInteger, S::kListener, &KernelKnobs::somaxconn, nullptr, 0, 65535, kAll,
     "Linux net.core.somaxconn, BSD kern.ipc.somaxconn / soacceptqueue: listen() clamps its backlog to it; "
     "Windows: the backlog listen(SOMAXCONN) gives, also the cap on plain values"},
    {"tcp_syncookies", K::kInteger, S::kListener, &KernelKnobs::tcp_syncookies, nullptr, 0, 2, kLinux | kFreeBSD,
     "0 never, 1 when the SYN queue (FreeBSD: syncache) is full, 2 always"},
    {"tcp_abort_on_overflow", K::kInteger, S::kListener, &KernelKnobs::tcp_abort_on_overflow, nullptr, 0, 1, kLinux,
     "1: answer a final ACK that finds the accept queue full with RST"},
    {"tcp_max_syn_backlog", K::kInteger, S::kListener, &KernelKnobs::tcp_max_syn_backlog, nullptr, 1, 1 << 30, kLinux,
     "half-open requests kept when syncookies are off"},
    {"tcp_syn_retries", K::kInteger, S::kClient, &KernelKnobs::tcp_syn_retries, nullptr, 0, 127, kAll,
     "SYN retransmissions before connect() gives up (Windows TcpMaxConnectRetransmissions)"},
    {"tcp_syn_linear_timeouts", K::kInteger, S::kClient, &KernelKnobs::tcp_syn_linear_timeouts, nullptr, 0, 255, kLinux,
     "Linux >= 6.5: SYN retransmissions made at the initial timeout before backing off (0: older kernels)"},
    {"tcp_synack_retries", K::kInteger, S::kListener, &KernelKnobs::tcp_synack_retries, nullptr, 0, 255, kLinux | kBsd,
     "SYN-ACK retransmissions for a request before it is forgotten (FreeBSD syncache.rexmtlimit)"},
    {"syn_rto_initial", K::kDuration, S::kBoth, nullptr, &KernelKnobs::syn_rto_initial, kMs, kHour, kAll,
     "first SYN and SYN-ACK retransmission timeout"},
    {"rto_max", K::kDuration, S::kBoth, nullptr, &KernelKnobs::rto_max, kMs, kHour, kAll,
     "retransmission timeouts grow up to this"},
    {"tcp_keepinit", K::kDuration, S::kBoth, nullptr, &KernelKnobs::keepinit, kMs, kHour, kBsd,
     "net.inet.tcp.keepinit: a connection not established by then is dropped"},
    {"syncache_limit", K::kInteger, S::kListener, &KernelKnobs::syncache_limit, nullptr, 1, 1 << 30, kFreeBSD,
     "net.inet.tcp.syncache.cachelimit: half-open entries kept"},
    {"rst_on_sock_fail", K::kInteger, S::kListener, &KernelKnobs::rst_on_sock_fail, nullptr, 0, 1, kFreeBSD,
     "net.inet.tcp.syncache.rst_on_sock_fail: RST a final ACK that finds the listen queue full"},
    {"connect_response_retransmissions", K::kInteger, S::kClient, &KernelKnobs::connect_response_retransmissions,
     nullptr, 0, 255, kWindows, "TcpMaxConnectResponseRetransmissions: SYN re-sends after a RST"},
    {"rst_retry_interval", K::kDuration, S::kClient, nullptr, &KernelKnobs::rst_retry_interval, kMs, kHour, kWindows,
     "wait before re-sending a SYN that was answered by RST"},
    {"hz", K::kInteger, S::kBoth, &KernelKnobs::hz, nullptr, 100, 1000, kLinux,
     "CONFIG_HZ: the tick of the timer wheel that rounds retransmission timers"},
    {"tcp_migrate_req", K::kInteger, S::kListener, &KernelKnobs::tcp_migrate_req, nullptr, 0, 1, kLinux,
     "Linux net.ipv4.tcp_migrate_req: when one socket of an SO_REUSEPORT group closes, 1 moves its requests "
     "(half-open and accept queue) to the sibling the 4-tuple hashes to; 0 (default) resets them "
     "(net/ipv4/inet_connection_sock.c inet_csk_listen_stop, net/core/sock_reuseport.c reuseport_migrate_sock)"},
}};

// tcp_syn_backoff[] of FreeBSD sys/netinet/tcp_timer.c and XNU bsd/netinet/tcp_timer.c.
constexpr std::array<std::int64_t, 13> kBsdSynBackoff = {1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64, 64, 64};

// winsock2.h: #define SOMAXCONN 0x7fffffff; #define SOMAXCONN_HINT(b) (-(b)).
constexpr std::int64_t kWinsockSomaxconn = 0x7fffffff;
// Winsock listen page: SOMAXCONN_HINT(N) is "adjusted to be within the range (200, 65535)".
constexpr std::int64_t kWinsockHintMin = 200;
constexpr std::int64_t kWinsockHintMax = 65535;
// glibc bits/socket.h (Debian 12): #define SOMAXCONN 4096. FreeBSD and XNU sys/socket.h: 128.
constexpr std::int64_t kLinuxHeaderSomaxconn = 4096;
constexpr std::int64_t kBsdHeaderSomaxconn = 128;

// kernel/time/timer.c: LVL_CLK_SHIFT 3, LVL_BITS 6.
constexpr int kWheelClkShift = 3;
constexpr std::int64_t kWheelLevelSize = 64;

}  // namespace

std::string_view os_name(Os os) {
  switch (os) {
    case Os::kLinux: return "linux";
    case Os::kWindows: return "windows";
    case Os::kFreeBSD: return "freebsd";
    case Os::kMacOS: return "macos";
  }
  return "?";
}

std::span<const Os> all_oses() { return kOses; }

KernelKnobs default_knobs(Os os) {
  KernelKnobs k;
  switch (os) {
    case Os::kLinux:
      k.somaxconn = 4096;  // net.core.somaxconn default since Linux 5.4 (128 before)
      k.tcp_syncookies = 1;
      k.tcp_abort_on_overflow = 0;
      // net/ipv4/tcp_ipv4.c tcp_sk_init: max(128, ehash_entries / 128); 1024 on a small host.
      k.tcp_max_syn_backlog = 1024;
      k.tcp_syn_retries = 6;  // include/net/tcp.h TCP_SYN_RETRIES
      // net/ipv4/tcp_timer.c (Linux 6.5, "tcp: make the first N SYN RTO backoffs
      // linear"): 4 more retransmissions, the first 4 at 1 s, so SYNs go out at 1, 2, 3,
      // 4, 5, 7, 11, 19, 35, 67 s and connect() fails at 131 s. Measured on this
      // machine's Linux 6.18 (docs/fidelity.md).
      k.tcp_syn_linear_timeouts = 4;
      k.tcp_synack_retries = 5;             // TCP_SYNACK_RETRIES
      k.syn_rto_initial = sim::seconds(1);  // TCP_TIMEOUT_INIT (RFC 6298)
      k.rto_max = sim::seconds(120);        // TCP_RTO_MAX
      k.hz = 250;                           // Debian's and most distributions' CONFIG_HZ
      break;
    case Os::kWindows:
      k.somaxconn = 200;                    // the "maximum reasonable value" of the Winsock listen page
      k.tcp_syn_retries = 2;                // TcpMaxConnectRetransmissions
      k.syn_rto_initial = sim::seconds(3);  // TcpInitialRTT: 3 s, doubling (21 s in all)
      k.rto_max = sim::seconds(240);
      // KB175523: after a RST the SYN is re-sent after the base timeout, not doubled.
      // A refused loopback connect takes ~2.0 s on current Windows: 4 re-sends 500 ms apart.
      k.connect_response_retransmissions = 4;
      k.rst_retry_interval = sim::milliseconds(500);
      break;
    case Os::kFreeBSD:
    case Os::kMacOS:
      k.somaxconn = 128;                                   // kern.ipc.soacceptqueue / kern.ipc.somaxconn
      k.tcp_syncookies = os == Os::kFreeBSD ? 1 : 0;       // net.inet.tcp.syncookies
      k.tcp_syn_retries = 12;                              // TCP_MAXRXTSHIFT; keepinit ends it first
      k.tcp_synack_retries = os == Os::kFreeBSD ? 3 : 12;  // SYNCACHE_MAXREXMTS; XNU: keepinit
      k.syn_rto_initial = sim::seconds(1);                 // tcp_rexmit_initial / TCPTV_RTOBASE
      k.rto_max = sim::seconds(64);                        // TCPTV_REXMTMAX
      k.keepinit = sim::seconds(75);                       // TCPTV_KEEP_INIT
      k.syncache_limit = 512 * 30;                         // TCP_SYNCACHE_HASHSIZE * TCP_SYNCACHE_BUCKETLIMIT
      k.rst_on_sock_fail = 1;
      break;
  }
  return k;
}

std::span<const KnobInfo> knob_table() { return kKnobs; }

sim::Duration SynRetransmitSchedule::rto(int k) const {
  sim::Duration t = initial;
  if (linear > 0) {
    // tcp_retransmit_timer: while icsk_retransmits <= linear the RTO is not backed off.
    if (k <= linear) return std::min(t, max);
    for (int i = linear; i < k && t < max; ++i) t = t * 2;
    return std::min(t, max);
  }
  if (!backoff.empty()) {
    t = initial * backoff[static_cast<std::size_t>(std::min<int>(k, static_cast<int>(backoff.size()) - 1))];
  } else {
    for (int i = 0; i < k && t < max; ++i) t = t * 2;
  }
  return std::min(t, max);
}

sim::Duration SynRetransmitSchedule::offset(int k) const {
  sim::Duration total = sim::Duration::zero();
  for (int i = 0; i < k; ++i) total += rto(i);
  return total;
}

SynGiveUp SynRetransmitSchedule::give_up(int retransmissions, sim::Duration elapsed) const {
  // tcp_write_timeout: expired = icsk_retransmits >= tcp_syn_retries + linear timeouts;
  // if not, retransmits_timed_out: false before the first retransmission, else whether
  // the time since retrans_stamp (the first SYN) reached tcp_model_timeout.
  if (retransmissions >= retries) return SynGiveUp::kCount;
  if (retransmissions > 0 && elapsed >= time_bound) return SynGiveUp::kTime;
  return SynGiveUp::kNo;
}

sim::Duration SynRetransmitSchedule::give_up_after() const {
  // The timer fires offset(k) after the first SYN, with k - 1 retransmissions made.
  for (int k = 1;; ++k) {
    const sim::Duration at = offset(k);
    if (at >= deadline) return deadline;
    if (give_up(k - 1, at) != SynGiveUp::kNo) return at;
  }
}

std::int64_t Personality::somaxconn_constant() const {
  switch (os_) {
    case Os::kWindows: return kWinsockSomaxconn;
    case Os::kLinux: return kLinuxHeaderSomaxconn;
    case Os::kFreeBSD:
    case Os::kMacOS: return kBsdHeaderSomaxconn;
  }
  return kLinuxHeaderSomaxconn;
}

std::string_view compare_symbol(Compare c) {
  switch (c) {
    case Compare::kGreater: return ">";
    case Compare::kGreaterEqual: return ">=";
    case Compare::kLess: return "<";
    case Compare::kLessEqual: return "<=";
  }
  return "?";
}

std::string_view negated_symbol(Compare c) {
  switch (c) {
    case Compare::kGreater: return "<=";
    case Compare::kGreaterEqual: return "<";
    case Compare::kLess: return ">=";
    case Compare::kLessEqual: return ">";
  }
  return "?";
}

namespace {

bool holds(std::int64_t value, Compare op, std::int64_t limit) {
  switch (op) {
    case Compare::kGreater: return value > limit;
    case Compare::kGreaterEqual: return value >= limit;
    case Compare::kLess: return value < limit;
    case Compare::kLessEqual: return value <= limit;
  }
  return false;
}

// Each decision below is written once, as a template over whether it records why: with
// kRecord it returns every comparison it made and its rule (for whoever watches the run);
// without, the same code keeps only whether each comparison held, which is all the
// simulator needs on its hot path when nobody watches.
struct Held {
  bool held = false;
};
struct NoRule {};
template <bool kRecord>
using CheckOf = std::conditional_t<kRecord, Comparison, Held>;
template <bool kRecord>
using RuleOf = std::conditional_t<kRecord, Rule, NoRule>;
struct SynChoice {
  SynVerdict verdict;
  SynReason reason;
  NoRule rule;
};
struct AckChoice {
  AckVerdict verdict;
  AckPath path;
  NoRule rule;
};
template <bool kRecord>
using SynOf = std::conditional_t<kRecord, SynDecision, SynChoice>;
template <bool kRecord>
using AckOf = std::conditional_t<kRecord, AckDecision, AckChoice>;

// `queue` `quantity` = value, compared with limit `limit` = limit_value.
Comparison compare_recorded(std::string_view queue, std::string_view quantity, std::int64_t value, Compare op,
                            std::string_view limit, std::int64_t limit_value, std::string_view source) {
  Comparison c;
  c.queue = queue;
  c.quantity = quantity;
  c.value = value;
  c.op = op;
  c.limit = limit;
  c.limit_value = limit_value;
  c.held = holds(value, op, limit_value);
  c.source = source;
  return c;
}

template <bool kRecord>
CheckOf<kRecord> compare(std::string_view queue, std::string_view quantity, std::int64_t value, Compare op,
                         std::string_view limit, std::int64_t limit_value, std::string_view source) {
  if constexpr (kRecord) {
    return compare_recorded(queue, quantity, value, op, limit, limit_value, source);
  } else {
    return Held{holds(value, op, limit_value)};
  }
}

// A quantity made of two numbers: left + right or left - right.
template <bool kRecord>
CheckOf<kRecord> compare_combined(std::string_view queue, std::string_view quantity, std::int64_t left, char combine,
                                  std::int64_t right, Compare op, std::string_view limit, std::int64_t limit_value,
                                  std::string_view source) {
  CheckOf<kRecord> c =
      compare<kRecord>(queue, quantity, combine == '+' ? left + right : left - right, op, limit, limit_value, source);
  if constexpr (kRecord) {
    c.left = left;
    c.right = right;
    c.combine = combine;
  }
  return c;
}

Rule recorded_rule(std::string_view source, KnobCondition knob = {}) {
  Rule r;
  r.knob = knob;
  r.source = source;
  return r;
}
Rule recorded_rule(std::string_view source, const Comparison& c, KnobCondition knob = {}) {
  Rule r = recorded_rule(source, knob);
  r.compared[0] = c;
  r.count = 1;
  return r;
}
Rule recorded_rule(std::string_view source, const Comparison& first, const Comparison& second) {
  Rule r = recorded_rule(source, first);
  r.compared[1] = second;
  r.count = 2;
  return r;
}

// The rule of a verdict: its source, the comparisons that decided, the knob that chose.
template <bool kRecord, class... Parts>
RuleOf<kRecord> rule_of(std::string_view source, const Parts&... parts) {
  if constexpr (kRecord) {
    return recorded_rule(source, parts...);
  } else {
    return NoRule{};
  }
}

// The first length at which a comparison of a growing length with a fixed limit holds.
std::int64_t first_full(Compare op, std::int64_t limit) {
  return std::max<std::int64_t>(0, op == Compare::kGreater ? limit + 1 : limit);
}

constexpr std::string_view kAcceptQueue = "accept queue";
constexpr std::string_view kPendingQueue = "queue of pending connections";
constexpr std::string_view kPendingQueueCounts = "queue of pending connections (half-open + complete)";
constexpr std::string_view kSynQueue = "SYN queue";
constexpr std::string_view kSyncache = "syncache";

constexpr std::string_view kSrcLinuxListen = "net/socket.c __sys_listen";
constexpr std::string_view kSrcFreeBSDListen = "sys/kern/uipc_socket.c solisten_proto";
constexpr std::string_view kSrcMacListen = "XNU bsd/kern/uipc_socket.c solisten";
constexpr std::string_view kSrcWinsockListen = "Winsock listen page (winsock2.h SOMAXCONN, SOMAXCONN_HINT)";
constexpr std::string_view kSrcLinuxAcceptFull = "include/net/sock.h sk_acceptq_is_full";
constexpr std::string_view kSrcFreeBSDAcceptFull = "sys/kern/uipc_socket.c sonewconn (sol_qlen > 3 * sol_qlimit / 2)";
constexpr std::string_view kSrcWinsockQueue = "Winsock listen page: the queue of pending connections";
constexpr std::string_view kSrcMacQueue = "XNU bsd/kern/uipc_socket.c sonewconn_internal (so_qlen >= so_qlimit)";
constexpr std::string_view kSrcLinuxSynFull = "include/net/inet_connection_sock.h inet_csk_reqsk_queue_is_full";
constexpr std::string_view kSrcSyncache = "sys/netinet/tcp_syncache.c syncache_add (cachelimit)";
constexpr std::string_view kSrcLinuxConnRequest = "net/ipv4/tcp_input.c tcp_conn_request";
constexpr std::string_view kSrcLinuxCheckReq = "net/ipv4/tcp_minisocks.c tcp_check_req (listen_overflow)";
constexpr std::string_view kSrcLinuxDeferCheck =
    "net/ipv4/tcp_minisocks.c tcp_check_req (TCP_DEFER_ACCEPT: drop bare ACK)";
constexpr std::string_view kSrcSynAckTimerOther =
    "the SYN-ACK retransmission limit (FreeBSD sys/netinet/tcp_syncache.c syncache_timer)";
constexpr std::string_view kSrcLinuxSynAckRecalc =
    "net/ipv4/inet_connection_sock.c syn_ack_recalc (reqsk_timer_handler)";
constexpr std::string_view kSrcLinuxCookieCheck =
    "net/ipv4/syncookies.c cookie_v4_check -> tcp_get_cookie_sock (tcp_v4_syn_recv_sock: accept queue full)";
constexpr std::string_view kSrcFreeBSDExpand =
    "sys/netinet/tcp_syncache.c syncache_expand (syncache_socket: sonewconn failed), tcp_input.c rst_on_sock_fail";
constexpr std::string_view kSrcMacAck = "XNU bsd/netinet/tcp_input.c: the socket was made at the SYN (sonewconn)";

}  // namespace

BacklogDecision Personality::listen_decision(std::int64_t requested, std::optional<std::int64_t> current) const {
  BacklogDecision d;
  d.requested = requested;
  const auto clamp_to_somaxconn = [&](std::string_view source) {
    // Linux: net/socket.c __sys_listen: if ((unsigned int)backlog > somaxconn) backlog = somaxconn;
    // so a negative backlog (also SOMAXCONN_HINT(n) = -n) becomes somaxconn. A second
    // listen() on a listening socket sets the new value (inet_listen).
    // FreeBSD: sys/kern/uipc_socket.c solisten_proto: backlog < 0 || backlog > somaxconn ->
    // somaxconn; a second listen() sets sol_qlimit again. XNU solisten: the same clamp.
    d.source = source;
    if (requested < 0 || requested > knobs_.somaxconn) {
      d.backlog = knobs_.somaxconn;
      d.rule = BacklogRule::kClampedToSomaxconn;
    } else {
      d.backlog = requested;
      d.rule = BacklogRule::kAsRequested;
    }
    return d;
  };
  switch (os_) {
    case Os::kLinux: return clamp_to_somaxconn(kSrcLinuxListen);
    case Os::kFreeBSD: return clamp_to_somaxconn(kSrcFreeBSDListen);
    case Os::kMacOS: return clamp_to_somaxconn(kSrcMacListen);
    case Os::kWindows:
      d.source = kSrcWinsockListen;
      // Winsock listen page: on an already-listening socket listen() "will return success
      // without changing the value for the backlog parameter".
      if (current) {
        d.backlog = *current;
        d.rule = BacklogRule::kUnchangedOnRelisten;
      } else if (requested == kWinsockSomaxconn) {
        d.backlog = knobs_.somaxconn;
        d.rule = BacklogRule::kSomaxconnConstant;
      } else if (requested < 0) {
        d.backlog = std::clamp(-requested, kWinsockHintMin, kWinsockHintMax);
        d.rule = BacklogRule::kHintRange;
      } else {
        // "Illegal values are replaced by the nearest legal value": a queue holds at least
        // one pending connection, and plain values stop at SOMAXCONN's.
        d.backlog = std::clamp<std::int64_t>(requested, 1, knobs_.somaxconn);
        d.rule = d.backlog == requested ? BacklogRule::kAsRequested : BacklogRule::kLegalRange;
      }
      return d;
  }
  d.backlog = requested;
  return d;
}

template <bool kRecord>
auto Personality::accept_check(std::int64_t accept_len, std::int64_t backlog) const {
  switch (os_) {
    case Os::kLinux:
      // sk_acceptq_is_full: sk_ack_backlog > sk_max_ack_backlog, so backlog + 1 completed
      // connections fit.
      return compare<kRecord>(kAcceptQueue, "accept", accept_len, Compare::kGreater, "backlog", backlog,
                              kSrcLinuxAcceptFull);
    case Os::kFreeBSD:
      // sonewconn / solisten_clone: over = sol_qlen > 3 * sol_qlimit / 2.
      return compare<kRecord>(kAcceptQueue, "accept", accept_len, Compare::kGreater, "3*backlog/2", 3 * backlog / 2,
                              kSrcFreeBSDAcceptFull);
    case Os::kWindows:
      return compare<kRecord>(kAcceptQueue, "accept", accept_len, Compare::kGreaterEqual, "backlog", backlog,
                              kSrcWinsockQueue);
    case Os::kMacOS:
      return compare<kRecord>(kAcceptQueue, "accept", accept_len, Compare::kGreaterEqual, "backlog", backlog,
                              kSrcMacQueue);
  }
  return CheckOf<kRecord>{};
}

template <bool kRecord>
auto Personality::syn_check(std::int64_t syn_len, std::int64_t backlog) const {
  switch (os_) {
    case Os::kLinux:
      // inet_csk_reqsk_queue_is_full: qlen > backlog since "tcp/dccp: allow a connection
      // when sk_max_ack_backlog is zero" (2025); older kernels used >=.
      return compare<kRecord>(kSynQueue, "SYN", syn_len, Compare::kGreater, "backlog", backlog, kSrcLinuxSynFull);
    case Os::kFreeBSD:
      // The syncache is sized on its own (cachelimit), not by the backlog.
      return compare<kRecord>(kSyncache, "syncache", syn_len, Compare::kGreaterEqual, "syncache_limit",
                              knobs_.syncache_limit, kSrcSyncache);
    case Os::kWindows:
      return compare<kRecord>(kSynQueue, "SYN", syn_len, Compare::kGreaterEqual, "backlog", backlog, kSrcWinsockQueue);
    case Os::kMacOS:
      return compare<kRecord>(kSynQueue, "SYN", syn_len, Compare::kGreaterEqual, "backlog", backlog, kSrcMacQueue);
  }
  return CheckOf<kRecord>{};
}

Comparison Personality::accept_queue_test(std::int64_t accept_len, std::int64_t backlog) const {
  return accept_check<true>(accept_len, backlog);
}
bool Personality::accept_queue_full(std::int64_t accept_len, std::int64_t backlog) const {
  return accept_check<false>(accept_len, backlog).held;
}
Comparison Personality::syn_queue_test(std::int64_t syn_len, std::int64_t backlog) const {
  return syn_check<true>(syn_len, backlog);
}
bool Personality::syn_queue_full(std::int64_t syn_len, std::int64_t backlog) const {
  return syn_check<false>(syn_len, backlog).held;
}

QueueLimit Personality::accept_limit(std::int64_t backlog) const {
  switch (os_) {
    case Os::kLinux: return {kAcceptQueue, first_full(Compare::kGreater, backlog), kSrcLinuxAcceptFull};
    case Os::kFreeBSD: return {kAcceptQueue, first_full(Compare::kGreater, 3 * backlog / 2), kSrcFreeBSDAcceptFull};
    // The backlog counts half-open and completed connections together.
    case Os::kWindows: return {kPendingQueueCounts, first_full(Compare::kGreaterEqual, backlog), kSrcWinsockQueue};
    case Os::kMacOS: return {kPendingQueueCounts, first_full(Compare::kGreaterEqual, backlog), kSrcMacQueue};
  }
  return {};
}

QueueLimit Personality::syn_limit(std::int64_t backlog) const {
  switch (os_) {
    case Os::kLinux: return {kSynQueue, first_full(Compare::kGreater, backlog), kSrcLinuxSynFull};
    case Os::kFreeBSD: return {kSyncache, first_full(Compare::kGreaterEqual, knobs_.syncache_limit), kSrcSyncache};
    case Os::kWindows: return {kSynQueue, first_full(Compare::kGreaterEqual, backlog), kSrcWinsockQueue};
    case Os::kMacOS: return {kSynQueue, first_full(Compare::kGreaterEqual, backlog), kSrcMacQueue};
  }
  return {};
}

template <bool kRecord>
auto Personality::decide_syn(std::int64_t accept_len, std::int64_t syn_len, std::int64_t backlog) const {
  using Result = SynOf<kRecord>;
  const KnobCondition cookies{"tcp_syncookies", knobs_.tcp_syncookies};
  switch (os_) {
    case Os::kWindows: {
      // Winsock listen page: "If a connection request arrives and the queue is full, the
      // client will receive an error with an indication of WSAECONNREFUSED." The queue of
      // pending connections counts both half-open and completed ones.
      const CheckOf<kRecord> pending =
          compare_combined<kRecord>(kPendingQueue, "accept + half-open", accept_len, '+', syn_len,
                                    Compare::kGreaterEqual, "backlog", backlog, kSrcWinsockQueue);
      if (pending.held)
        return Result{SynVerdict::kRefuse, SynReason::kAcceptQueueFull, rule_of<kRecord>(kSrcWinsockListen, pending)};
      return Result{SynVerdict::kQueue, SynReason::kAccepted, rule_of<kRecord>(kSrcWinsockListen, pending)};
    }
    case Os::kMacOS: {
      // XNU creates the new socket at the SYN (sonewconn in tcp_input), and
      // sonewconn_internal fails when so_qlen, counting incomplete and complete
      // connections, reaches so_qlimit (kern.ipc.soqlimitcompat=1). The SYN is dropped.
      // (tcp_dropdropablreq, which may evict an old embryonic connection first, is not
      // modelled.)
      const CheckOf<kRecord> pending =
          compare_combined<kRecord>(kPendingQueue, "accept + half-open", accept_len, '+', syn_len,
                                    Compare::kGreaterEqual, "backlog", backlog, kSrcMacQueue);
      if (pending.held)
        return Result{SynVerdict::kDrop, SynReason::kAcceptQueueFull, rule_of<kRecord>(kSrcMacQueue, pending)};
      return Result{SynVerdict::kQueue, SynReason::kAccepted, rule_of<kRecord>(kSrcMacQueue, pending)};
    }
    case Os::kFreeBSD: {
      // sys/netinet/tcp_syncache.c syncache_add: the listen queue is not looked at for a
      // SYN; the syncache answers, with a cookie once it is full (or always with
      // syncookies_only, our tcp_syncookies=2).
      if (knobs_.tcp_syncookies == 2) {
        return Result{SynVerdict::kCookie, SynReason::kCookiesAlways, rule_of<kRecord>(kSrcSyncache, cookies)};
      }
      const CheckOf<kRecord> cache = syn_check<kRecord>(syn_len, backlog);
      if (cache.held) {
        const SynVerdict v = knobs_.tcp_syncookies == 0 ? SynVerdict::kDrop : SynVerdict::kCookie;
        return Result{v, SynReason::kSynQueueFull, rule_of<kRecord>(kSrcSyncache, cache, cookies)};
      }
      return Result{SynVerdict::kQueue, SynReason::kAccepted, rule_of<kRecord>(kSrcSyncache, cache)};
    }
    case Os::kLinux: break;
  }
  // Linux, net/ipv4/tcp_input.c tcp_conn_request, in the kernel's order.
  bool want_cookie = false;
  CheckOf<kRecord> syn_queue{};
  if (knobs_.tcp_syncookies != 2) {
    syn_queue = syn_check<kRecord>(syn_len, backlog);
    if (syn_queue.held) {
      // tcp_syn_flood_action: cookies if enabled, otherwise drop.
      if (knobs_.tcp_syncookies == 0) {
        return Result{SynVerdict::kDrop, SynReason::kSynQueueFull,
                      rule_of<kRecord>(kSrcLinuxConnRequest, syn_queue, cookies)};
      }
      want_cookie = true;
    }
  }
  const CheckOf<kRecord> accept_queue = accept_check<kRecord>(accept_len, backlog);
  if (accept_queue.held) {  // LINUX_MIB_LISTENOVERFLOWS
    return Result{SynVerdict::kDrop, SynReason::kAcceptQueueFull, rule_of<kRecord>(kSrcLinuxConnRequest, accept_queue)};
  }
  if (knobs_.tcp_syncookies == 2) {
    return Result{SynVerdict::kCookie, SynReason::kCookiesAlways, rule_of<kRecord>(kSrcLinuxConnRequest, cookies)};
  }
  if (want_cookie) {
    return Result{SynVerdict::kCookie, SynReason::kSynQueueFull,
                  rule_of<kRecord>(kSrcLinuxConnRequest, syn_queue, cookies)};
  }
  // "Kill the following clause, if you dislike this way": without syncookies, keep a
  // quarter of tcp_max_syn_backlog free.
  if (knobs_.tcp_syncookies == 0) {
    const std::int64_t max_syn = knobs_.tcp_max_syn_backlog;
    const CheckOf<kRecord> pressure =
        compare_combined<kRecord>(kSynQueue, "tcp_max_syn_backlog - SYN queue", max_syn, '-', syn_len, Compare::kLess,
                                  "tcp_max_syn_backlog/4", max_syn >> 2, kSrcLinuxConnRequest);
    if (pressure.held) {
      return Result{SynVerdict::kDrop, SynReason::kSynBacklogPressure,
                    rule_of<kRecord>(kSrcLinuxConnRequest, pressure, cookies)};
    }
  }
  return Result{SynVerdict::kQueue, SynReason::kAccepted,
                rule_of<kRecord>(kSrcLinuxConnRequest, syn_queue, accept_queue)};
}

template <bool kRecord>
auto Personality::decide_final_ack(AckPath path, std::int64_t accept_len, std::int64_t backlog,
                                   DeferState defer) const {
  using Result = AckOf<kRecord>;
  switch (os_) {
    case Os::kMacOS:
      // The socket was made at the SYN; the ACK only completes it: nothing is compared.
      // (XNU has no SYN cookies: every ACK finds its embryonic socket.)
      return Result{AckVerdict::kComplete, path, rule_of<kRecord>(kSrcMacAck)};
    case Os::kWindows: {
      const CheckOf<kRecord> accept_queue = accept_check<kRecord>(accept_len, backlog);
      return Result{accept_queue.held ? AckVerdict::kReset : AckVerdict::kComplete, path,
                    rule_of<kRecord>(kSrcWinsockQueue, accept_queue)};
    }
    case Os::kFreeBSD: {
      // sys/netinet/tcp_syncache.c syncache_expand takes a syncache entry out of its bucket
      // (or rebuilds a cookie's) before syncache_socket asks sonewconn for a socket, and
      // frees it whether or not one came: both paths end alike. tcp_input.c then answers
      // RST when tcp_sc_rst_sock_fail is set, else drops the ACK, with nothing kept.
      const CheckOf<kRecord> accept_queue = accept_check<kRecord>(accept_len, backlog);
      if (!accept_queue.held) {
        return Result{AckVerdict::kComplete, path, rule_of<kRecord>(kSrcFreeBSDExpand, accept_queue)};
      }
      return Result{knobs_.rst_on_sock_fail ? AckVerdict::kReset : AckVerdict::kForget, path,
                    rule_of<kRecord>(kSrcFreeBSDExpand, accept_queue,
                                     KnobCondition{"rst_on_sock_fail", knobs_.rst_on_sock_fail})};
    }
    case Os::kLinux: break;
  }
  if (path == AckPath::kRequest && defer.defer_retransmits > 0) {
    // tcp_check_req, before it asks for a child socket: "While TCP_DEFER_ACCEPT is active,
    // drop bare ACK": req->num_timeout < rskq_defer_accept and end_seq == rcv_isn + 1 (no
    // data). The request is marked acked and stays in the SYN queue
    // (LINUX_MIB_TCPDEFERACCEPTDROP). Data, or any ACK once num_timeout has reached the
    // limit, goes on to tcp_v4_syn_recv_sock like a plain final ACK. A cookie's ACK never
    // comes here: cookie_v4_check -> tcp_get_cookie_sock makes the child at once.
    const CheckOf<kRecord> deferring =
        compare<kRecord>(kSynQueue, "request num_timeout", defer.num_timeout, Compare::kLess,
                         "TCP_DEFER_ACCEPT retransmissions", defer.defer_retransmits, kSrcLinuxDeferCheck);
    if (deferring.held && !defer.carries_data) {
      return Result{AckVerdict::kDefer, path,
                    rule_of<kRecord>(kSrcLinuxDeferCheck, deferring, KnobCondition{"data bytes", 0})};
    }
  }
  const CheckOf<kRecord> accept_queue = accept_check<kRecord>(accept_len, backlog);
  if (path == AckPath::kCookie) {
    // net/ipv4/syncookies.c cookie_v4_check -> tcp_get_cookie_sock ->
    // tcp_v4_syn_recv_sock, which fails on a full accept queue (sk_acceptq_is_full):
    // the child is NULL, tcp_v4_do_rcv discards the ACK. tcp_abort_on_overflow is read
    // only in tcp_check_req, which a cookie never reaches: no RST, whatever its value.
    if (!accept_queue.held)
      return Result{AckVerdict::kComplete, path, rule_of<kRecord>(kSrcLinuxCookieCheck, accept_queue)};
    return Result{AckVerdict::kForget, path, rule_of<kRecord>(kSrcLinuxCookieCheck, accept_queue)};
  }
  if (!accept_queue.held) return Result{AckVerdict::kComplete, path, rule_of<kRecord>(kSrcLinuxCheckReq, accept_queue)};
  // net/ipv4/tcp_minisocks.c tcp_check_req, listen_overflow: with tcp_abort_on_overflow=0
  // the request is marked acked and kept; the SYN-ACK timer retries later. With 1,
  // embryonic_reset: RST, and the request is dropped.
  return Result{knobs_.tcp_abort_on_overflow ? AckVerdict::kReset : AckVerdict::kDrop, path,
                rule_of<kRecord>(kSrcLinuxCheckReq, accept_queue,
                                 KnobCondition{"tcp_abort_on_overflow", knobs_.tcp_abort_on_overflow})};
}

SynDecision Personality::on_syn(std::int64_t accept_len, std::int64_t syn_len, std::int64_t backlog) const {
  return decide_syn<true>(accept_len, syn_len, backlog);
}
SynVerdictReason Personality::syn_verdict(std::int64_t accept_len, std::int64_t syn_len, std::int64_t backlog) const {
  const SynChoice c = decide_syn<false>(accept_len, syn_len, backlog);
  return {c.verdict, c.reason};
}
AckDecision Personality::on_final_ack(AckPath path, std::int64_t accept_len, std::int64_t backlog,
                                      DeferState defer) const {
  return decide_final_ack<true>(path, accept_len, backlog, defer);
}
AckVerdict Personality::ack_verdict(AckPath path, std::int64_t accept_len, std::int64_t backlog,
                                    DeferState defer) const {
  return decide_final_ack<false>(path, accept_len, backlog, defer).verdict;
}

int Personality::defer_accept_retransmits(std::int64_t seconds) const {
  if (os_ != Os::kLinux || seconds <= 0) return 0;
  // net/ipv4/tcp.c secs_to_retrans(val, TCP_TIMEOUT_INIT / HZ, TCP_RTO_MAX / HZ): the
  // number of SYN-ACK timeouts (1, 2, 4, ... s, capped at 120 s) whose sum first reaches
  // `seconds`, at most 255. The kernel's constants, not the knobs: setsockopt uses them.
  constexpr std::int64_t kTimeoutInit = 1;
  constexpr std::int64_t kRtoMax = 120;
  std::int64_t timeout = kTimeoutInit;
  std::int64_t period = timeout;
  int res = 1;
  while (seconds > period && res < 255) {
    ++res;
    timeout = std::min(timeout << 1, kRtoMax);
    period += timeout;
  }
  return res;
}

template <bool kRecord>
auto Personality::decide_synack_timer(int num_timeout, int max_retries, int defer_retransmits, bool acked) const {
  std::conditional_t<kRecord, SynAckTimerDecision, SynAckTimerVerdict> d;
  const CheckOf<kRecord> retries =
      compare<kRecord>(kSynQueue, "request num_timeout", num_timeout, Compare::kGreaterEqual, "SYN-ACK retries",
                       max_retries, kSrcLinuxSynAckRecalc);
  if (os_ != Os::kLinux || defer_retransmits == 0) {
    // syn_ack_recalc without TCP_DEFER_ACCEPT (FreeBSD syncache_timer alike): expire once
    // the retries are used up, else retransmit.
    d.expire = retries.held;
    d.resend = true;
    if constexpr (kRecord) {
      d.rule = recorded_rule(os_ == Os::kLinux ? kSrcLinuxSynAckRecalc : kSrcSynAckTimerOther, retries);
    }
    return d;
  }
  // syn_ack_recalc with rskq_defer_accept: an acked request (its bare ACK was ignored)
  // is kept past its retries until num_timeout reaches the defer limit, and gets no
  // SYN-ACK while it waits for data, except from num_timeout >= defer - 1 on, "to give
  // last chance for data or ACK to create established socket".
  const CheckOf<kRecord> deferred =
      compare<kRecord>(kSynQueue, "request num_timeout", num_timeout, Compare::kGreaterEqual,
                       "TCP_DEFER_ACCEPT retransmissions", defer_retransmits, kSrcLinuxSynAckRecalc);
  d.expire = retries.held && (!acked || deferred.held);
  d.resend = !acked || num_timeout >= defer_retransmits - 1;
  if constexpr (kRecord) {
    d.rule =
        acked ? recorded_rule(kSrcLinuxSynAckRecalc, retries, deferred) : recorded_rule(kSrcLinuxSynAckRecalc, retries);
    d.rule.knob = KnobCondition{"acked", acked ? 1 : 0};
  }
  return d;
}

SynAckTimerDecision Personality::on_synack_timer(int num_timeout, int max_retries, int defer_retransmits,
                                                 bool acked) const {
  return decide_synack_timer<true>(num_timeout, max_retries, defer_retransmits, acked);
}
SynAckTimerVerdict Personality::synack_timer_verdict(int num_timeout, int max_retries, int defer_retransmits,
                                                     bool acked) const {
  return decide_synack_timer<false>(num_timeout, max_retries, defer_retransmits, acked);
}

std::int64_t backlog_argument(const Personality& p, const BacklogRequest& b) {
  switch (b.kind) {
    case BacklogRequest::Kind::kValue: return b.value;
    case BacklogRequest::Kind::kSomaxconn: return p.somaxconn_constant();
    case BacklogRequest::Kind::kHint: return -b.value;  // winsock2.h SOMAXCONN_HINT(b) = -(b)
  }
  return b.value;
}

int Personality::synack_retries(std::int64_t syn_len, std::int64_t young, std::int64_t backlog) const {
  int max_retries = static_cast<int>(knobs_.tcp_synack_retries);
  if (os_ != Os::kLinux) return max_retries;
  // net/ipv4/inet_connection_sock.c reqsk_timer_handler: when the SYN queue is more than
  // half full, "reserve half of room for young embrions; and abort old ones without
  // pity": each halving of the young share removes one retry, down to 2.
  if ((syn_len << 1) > std::max<std::int64_t>(8, backlog)) {
    std::int64_t doubled_young = young << 1;
    while (max_retries > 2) {
      if (syn_len < doubled_young) break;
      --max_retries;
      doubled_young <<= 1;
    }
  }
  return max_retries;
}

sim::Duration Personality::synack_timeout(int k) const {
  // reqsk_timeout: TCP_TIMEOUT_INIT << num_timeout, capped at TCP_RTO_MAX; the BSDs
  // back off the same way (tcp_backoff[]).
  const int shift = std::min(k, 62);
  return std::min(knobs_.syn_rto_initial * (std::int64_t{1} << shift), knobs_.rto_max);
}

sim::Duration Personality::data_rto(sim::Duration rtt, int k) const {
  // tcp_rtt_estimator, first sample m: srtt = m, rttvar = max(mdev = 2m, tcp_rto_min);
  // __tcp_set_rto: rto = srtt + rttvar ("make sure rto = 3*rtt").
  constexpr sim::Duration kRtoMin = sim::milliseconds(200);  // TCP_RTO_MIN
  sim::Duration rto = rtt + std::max(rtt * 2, kRtoMin);
  for (int i = 0; i < k && rto < knobs_.rto_max; ++i) rto = rto * 2;
  return std::min(rto, knobs_.rto_max);
}

namespace {

// net/ipv4/tcp_timer.c tcp_model_timeout: how long `boundary` retransmissions take when
// the timeout starts at rto_base and doubles up to rto_max:
// linear_backoff_thresh = ilog2(TCP_RTO_MAX / rto_base); below it (2^(boundary+1) - 1)
// timeouts of rto_base, past it rto_max for each further retransmission.
sim::Duration model_timeout(std::int64_t boundary, sim::Duration rto_base, sim::Duration rto_max) {
  const std::int64_t ratio = rto_max.ns() / std::max<std::int64_t>(1, rto_base.ns());
  std::int64_t thresh = 0;
  while ((ratio >> (thresh + 1)) > 0) ++thresh;  // ilog2
  if (boundary <= thresh) return rto_base * ((std::int64_t{2} << boundary) - 1);
  return rto_base * ((std::int64_t{2} << thresh) - 1) + rto_max * (boundary - thresh);
}

}  // namespace

SynRetransmitSchedule Personality::syn_schedule(std::optional<int> syn_retries_override) const {
  SynRetransmitSchedule s;
  s.initial = knobs_.syn_rto_initial;
  s.max = knobs_.rto_max;
  const int syn_retries = static_cast<int>(knobs_.tcp_syn_retries);
  s.retries = syn_retries_override.value_or(syn_retries);
  s.deadline = knobs_.keepinit;
  switch (os_) {
    case Os::kLinux: {
      // tcp_write_timeout: a SYN_SENT socket may make tcp_syn_retries +
      // tcp_syn_linear_timeouts retransmissions, but the time bound (retransmits_timed_out,
      // rto_base = tcp_timeout_init) is tcp_syn_retries' alone. A scenario's syn_retries
      // is the total count; the bound stays the knob's.
      const int linear = static_cast<int>(knobs_.tcp_syn_linear_timeouts);
      s.retries = syn_retries_override.value_or(syn_retries + linear);
      s.linear = std::min(linear, s.retries);
      s.time_bound = model_timeout(syn_retries, knobs_.syn_rto_initial, knobs_.rto_max);
      break;
    }
    case Os::kFreeBSD:
    case Os::kMacOS:
      // tcp_timer_rexmt: t_rxtshift > TCP_MAXRXTSHIFT drops; the keep timer armed at
      // connect with TP_KEEPINIT (tcp_timer_keep: not yet established) ends it first.
      s.backoff = kBsdSynBackoff;
      break;
    case Os::kWindows:
      // TcpMaxConnectRetransmissions counts retransmissions; no time bound of its own.
      s.rst_retries =
          syn_retries_override ? *syn_retries_override : static_cast<int>(knobs_.connect_response_retransmissions);
      s.rst_interval = knobs_.rst_retry_interval;
      break;
  }
  return s;
}

sim::Time Personality::timer_fire_time(sim::Time now, sim::Duration timeout) const {
  if (os_ != Os::kLinux || knobs_.hz <= 0) return now + timeout;
  // kernel/time/timer.c calc_wheel_index / calc_index: the expiry in jiffies picks a
  // level by its distance (level n holds distances below 63 << 3n and has slots of
  // 8^n jiffies), and is rounded up to the start of the next slot of that level, so a
  // timer never fires early and may fire up to one slot late. Jiffies count from t = 0.
  const std::int64_t jiffy_ns = 1'000'000'000 / knobs_.hz;
  const std::int64_t now_j = now.ns() / jiffy_ns;
  const std::int64_t delta_j = (timeout.ns() + jiffy_ns - 1) / jiffy_ns;
  const std::int64_t expires_j = now_j + delta_j;
  int level = 0;
  while (level < 8 && delta_j >= ((kWheelLevelSize - 1) << (kWheelClkShift * level))) ++level;
  const int shift = kWheelClkShift * level;
  const std::int64_t bucket_j = ((expires_j >> shift) + 1) << shift;
  return sim::Time::from_ns(bucket_j * jiffy_ns);
}

EphemeralPorts Personality::ephemeral_ports() const {
  switch (os_) {
    case Os::kLinux:
      // net.ipv4.ip_local_port_range "32768 60999" (net/ipv4/af_inet.c inet_init_net);
      // the walk is __inet_hash_connect's (net/ipv4/inet_hashtables.c).
      return {32768, 60999, PortOrder::kLinuxDoubleHash,
              "net/ipv4/inet_hashtables.c __inet_hash_connect, ip_local_port_range 32768-60999"};
    case Os::kFreeBSD:
      // net.inet.ip.portrange.first/last: IPPORT_EPHEMERALFIRST 10000, IPPORT_EPHEMERALLAST
      // 65535 (sys/netinet/in.h); random start, then ++ (in_pcb_lport_dest).
      return {10000, 65535, PortOrder::kRandomStartIncrement,
              "sys/netinet/in_pcb.c in_pcb_lport_dest, portrange.first/last 10000-65535"};
    case Os::kMacOS:
      // net.inet.ip.portrange.first/last: IPPORT_HIFIRSTAUTO 49152, IPPORT_HILASTAUTO 65535
      // (bsd/netinet/in.h); random start, then ++ (in_pcbbind, randomport).
      return {49152, 65535, PortOrder::kRandomStartIncrement,
              "bsd/netinet/in_pcb.c in_pcbbind (randomport), portrange 49152-65535"};
    case Os::kWindows:
      // The dynamic port range 49152-65535 (Vista and later, `netsh int ipv4 show
      // dynamicport tcp`). The allocation order is not published: assumed the BSD one, a
      // random start then ++ (docs/reuseport.md, "Client source ports").
      return {49152, 65535, PortOrder::kRandomStartIncrement,
              "Windows dynamic port range 49152-65535; order assumed (not published)"};
  }
  return {};
}

ReuseportBalance Personality::reuseport_balance() const {
  switch (os_) {
    case Os::kLinux: return ReuseportBalance::kHash4Tuple;
    case Os::kFreeBSD: return ReuseportBalance::kHashForeignPorts;
    case Os::kMacOS: return ReuseportBalance::kLastListening;
    case Os::kWindows: return ReuseportBalance::kNone;
  }
  return ReuseportBalance::kNone;
}

ReuseportRule Personality::reuseport_rule() const {
  switch (os_) {
    case Os::kLinux: {
      // net/core/sock_reuseport.c reuseport_stop_listen_sock: with tcp_migrate_req the
      // closing socket moves to the group's closed section, and inet_csk_listen_stop hands
      // each accept-queue child to reuseport_migrate_sock (the sibling its sk_hash selects,
      // inet_csk_reqsk_queue_add: no backlog check); half-open requests follow on their
      // next timer or ACK (reqsk_timer_handler, tcp_v4_rcv). Without it the children are
      // disconnected (inet_child_forget: RST) and a request's ACK finds no request: RST.
      const bool migrate = knobs_.tcp_migrate_req != 0;
      return {reuseport_balance(),
              migrate,
              migrate,
              "net/ipv4/inet_hashtables.c inet_lhash2_lookup -> inet_lookup_reuseport (inet_ehashfn) -> "
              "net/core/sock_reuseport.c reuseport_select_sock (reciprocal_scale)",
              "net/ipv4/inet_connection_sock.c inet_csk_listen_stop, net/core/sock_reuseport.c "
              "reuseport_stop_listen_sock / reuseport_migrate_sock",
              "tcp_migrate_req",
              knobs_.tcp_migrate_req};
    }
    case Os::kFreeBSD:
      // Syncache entries are not the listener's: the ACK's lookup finds a sibling of the
      // group and syncache_expand completes the connection there. Completed connections in
      // the closed socket's queue are aborted (soclose -> soabort: RST).
      return {reuseport_balance(),
              true,
              false,
              "sys/netinet/in_pcb.c in_pcblookup_lbgroup (INP_PCBLBGROUP_PKTHASH % il_inpcnt)",
              "sys/kern/uipc_socket.c soclose (soabort of so_comp), sys/netinet/tcp_syncache.c syncache_expand",
              {},
              0};
    case Os::kMacOS:
      // XNU in_pcbinshash inserts at the head of the port's hash chain and in_pcblookup_hash
      // returns the first wildcard match: the socket bound last. Embryonic and completed
      // connections live on the closed socket's queues and are aborted with it.
      return {reuseport_balance(),
              false,
              false,
              "bsd/netinet/in_pcb.c in_pcbinshash (LIST_INSERT_HEAD), in_pcblookup_hash (first wildcard match)",
              "bsd/kern/uipc_socket.c soclose_locked (soabort of so_incomp and so_comp)",
              {},
              0};
    case Os::kWindows:
      return {reuseport_balance(),
              false,
              false,
              "Winsock listen reference, WSAEADDRINUSE: a second bind to the port fails unless address reuse "
              "is asked for",
              {},
              {},
              0};
  }
  return {};
}

ReuseportChoice Personality::reuseport_select(std::uint32_t laddr, std::uint16_t lport, std::uint32_t faddr,
                                              std::uint16_t fport, std::uint32_t secret, std::uint32_t sockets) const {
  // The rule of each balance, with the listening half folded in, is model/reuseport.h's:
  // a group computes that half once, not per SYN.
  return reuseport_choose(reuseport_key(reuseport_balance(), laddr, lport, secret), faddr, fport, sockets);
}

// ---- wake-ups on a socket several event loops share --------------------------------------

std::string_view wakeup_name(Wakeup w) {
  switch (w) {
    case Wakeup::kAccept: return "accept";
    case Wakeup::kEpoll: return "epoll";
    case Wakeup::kEpollExclusive: return "epoll_exclusive";
    case Wakeup::kKqueue: return "kqueue";
  }
  return "?";
}

Personality::WakeupSupport Personality::wakeup_support(Wakeup mode, int loops) const {
  if (loops <= 1) return {};  // one waiter: whichever the mechanism, it is the one woken
  const bool epoll = mode == Wakeup::kEpoll || mode == Wakeup::kEpollExclusive;
  switch (os_) {
    case Os::kLinux:
      if (mode == Wakeup::kKqueue) {
        return {false,
                "kqueue is the BSDs' (freebsd, macos): on linux loops wait with accept, epoll or "
                "epoll_exclusive"};
      }
      return {};
    case Os::kFreeBSD:
      if (epoll) return {false, "epoll is Linux's: on freebsd loops wait with kqueue (the default there) or accept"};
      return {};
    case Os::kMacOS:
      if (epoll) return {false, "epoll is Linux's: on macos loops wait with kqueue (the default there)"};
      if (mode == Wakeup::kAccept) {
        return {false,
                "which of several threads blocked in accept() XNU's wakeup_one(&so_timeo) wakes is not "
                "modelled on macos; use wakeup: kqueue"};
      }
      return {};
    case Os::kWindows:
      // Windows servers post AcceptEx on an I/O completion port, whose waiting threads
      // the system releases last in, first out (Microsoft, "I/O Completion Ports"); which
      // pending AcceptEx a connection completes is not documented.
      return {false,
              "several loops on one socket are not modelled on windows: its servers wait with AcceptEx on an "
              "I/O completion port, and which pending AcceptEx a connection completes is not documented"};
  }
  return {false, "unknown OS"};
}

namespace {

// Every waiting loop is woken; `race` picks the one that gets to accept() first.
void herd(std::span<const LoopWaiter> loops, std::span<std::uint32_t> woken, double race, WakeDecision& d) {
  for (std::uint32_t i = 0; i < loops.size(); ++i) {
    if (loops[i].waiting) woken[d.woken++] = i;
  }
  if (d.woken > 1) {
    const auto winner = std::min(d.woken - 1, static_cast<std::uint32_t>(race * d.woken));
    std::swap(woken[0], woken[winner]);
  }
}

}  // namespace

WakeDecision Personality::wake(Wakeup mode, std::span<const LoopWaiter> loops, std::span<std::uint32_t> woken,
                               double race) const {
  assert(wakeup_support(mode, static_cast<int>(loops.size())).modelled && woken.size() >= loops.size());
  WakeDecision d;
  for (const LoopWaiter& w : loops) d.waiting += w.waiting ? 1 : 0;
  const auto n = static_cast<std::uint32_t>(loops.size());
  if (n == 1) {
    d.order = WakeOrder::kOnlyWaiter;
    d.rule = "one loop waits on the socket";
    d.source = "the socket's wait queue holds one waiter";
    if (loops[0].waiting) woken[d.woken++] = 0;
    return d;
  }
  switch (mode) {
    case Wakeup::kAccept: {
      // net/ipv4/inet_connection_sock.c inet_csk_wait_for_connect: each accept() that finds
      // the queue empty waits with prepare_to_wait_exclusive (kernel/sched/wait.c), which
      // adds it at the tail of the socket's wait queue; the data-ready wake-up
      // (sock_def_readable -> __wake_up_common with nr_exclusive = 1) wakes the first
      // exclusive waiter from the head, and autoremove_wake_function takes it off the
      // queue. So the loop that has waited longest takes the connection.
      // FreeBSD, sys/kern/uipc_socket.c: solisten_dequeue sleeps with msleep(&sol_comp,
      // PSOCK), solisten_wakeup calls wakeup_one(&sol_comp), and sys/kern/subr_sleepqueue.c
      // sleepq_signal resumes the highest-priority sleeper, on a tie the first in the queue,
      // "as it has been sleeping the longest": the same FIFO at equal priority.
      d.order = WakeOrder::kLongestWaiting;
      d.rule = "blocked accept() calls wait exclusively, in FIFO order: the longest waiting one wakes";
      d.source = os_ == Os::kFreeBSD ? "solisten_dequeue (msleep on sol_comp), solisten_wakeup (wakeup_one), "
                                       "sleepq_signal"
                                     : "inet_csk_wait_for_connect (prepare_to_wait_exclusive), __wake_up_common";
      std::uint32_t best = n;
      for (std::uint32_t i = 0; i < n; ++i) {
        if (loops[i].waiting && (best == n || loops[i].waiting_since < loops[best].waiting_since)) best = i;
      }
      if (best < n) woken[d.woken++] = best;
      return d;
    }
    case Wakeup::kKqueue:
      // FreeBSD, sys/kern/uipc_socket.c solisten_wakeup: KNOTE_LOCKED(&sol->so_rdsel.si_note)
      // runs sys/kern/kern_event.c knote(), which walks every knote on the socket's list (one
      // per kqueue that registered it) and activates each whose filter fires; KNOTE_ACTIVATE
      // -> kqueue_wakeup calls wakeup(kq) for every kqueue a thread sleeps on (KQ_SLEEP).
      // macOS (XNU bsd/kern/uipc_socket2.c sorwakeup -> sowakeup -> KNOTE on the receive
      // buffer's knotes; bsd/kern/kern_event.c kqueue_wakeup -> waitq_wakeup64_all) does the
      // same. No flag makes it exclusive: every waiting loop wakes and they race, as with
      // plain epoll; the model draws the winner uniformly among the woken.
      d.order = WakeOrder::kAllRace;
      d.rule = "every loop's kqueue is activated (thundering herd); they race to accept() and one wins";
      d.source = os_ == Os::kMacOS ? "sowakeup (KNOTE), kqueue_wakeup (waitq_wakeup64_all)"
                                   : "solisten_wakeup (KNOTE_LOCKED), knote, kqueue_wakeup (wakeup(kq))";
      herd(loops, woken, race, d);
      return d;
    case Wakeup::kEpoll: {
      // fs/eventpoll.c ep_ptable_queue_proc: without EPOLLEXCLUSIVE each epoll set's entry
      // joins the socket's wait queue with add_wait_queue, once, when the socket is added;
      // ep_poll_callback returns 1 for a non-exclusive entry, so __wake_up_common wakes
      // every epoll set that has a waiter (the thundering herd). Each woken thread re-polls
      // the socket in ep_send_events (ep_item_poll) and calls accept(); the first to get
      // there takes the connection, the others find it gone and sleep again (or get
      // EAGAIN): wasted wake-ups. Who gets there first is the scheduler's choice; the
      // model draws it uniformly among the woken (docs/fidelity.md shows the split a
      // real machine gave, which leaned towards the first registered).
      d.order = WakeOrder::kAllRace;
      d.rule = "every loop's epoll set is woken (thundering herd); they race to accept() and one wins";
      d.source = "ep_ptable_queue_proc (add_wait_queue), ep_poll_callback returns 1 for every entry";
      herd(loops, woken, race, d);
      return d;
    }
    case Wakeup::kEpollExclusive:
      // fs/eventpoll.c, commit df0108c5da56 ("epoll: add EPOLLEXCLUSIVE flag", Linux 4.5):
      // ep_ptable_queue_proc adds an EPOLLEXCLUSIVE entry with add_wait_queue_exclusive,
      // at the tail, so the entries keep registration order; ep_poll_callback returns
      // ewake = 1 only when its epoll set has a waiter (waitqueue_active(&ep->wq)), and
      // __wake_up_common stops at the first exclusive entry that returns 1. A busy loop
      // (not in epoll_wait) is passed over: the first waiting loop in registration order
      // is woken, so the first loop takes every connection while it keeps up.
      d.order = WakeOrder::kFirstIdleRegistered;
      d.rule =
          "EPOLLEXCLUSIVE wakes one epoll set: the first registered one that is waiting (busy loops are passed over)";
      d.source = "ep_poll_callback (ewake only when waitqueue_active), add_wait_queue_exclusive";
      for (std::uint32_t i = 0; i < n; ++i) {
        if (loops[i].waiting) {
          woken[d.woken++] = i;
          break;
        }
      }
      return d;
  }
  return d;
}

}  // namespace model

#include "model/personality.h"

#include <algorithm>
#include <array>

namespace model {

namespace {

constexpr std::array<Os, 2> kOses = {Os::kLinux, Os::kWindows};

constexpr std::uint8_t bit(Os os) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(os)); }
constexpr std::uint8_t kLinuxOnly = bit(Os::kLinux);
constexpr std::uint8_t kAll = bit(Os::kLinux) | bit(Os::kWindows);

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

const std::array<KnobInfo, 8> kKnobs = {{
    {"somaxconn", KnobInfo::Kind::kInteger, &KernelKnobs::somaxconn, nullptr, 0, 65535, kAll,
     "Linux net.core.somaxconn (listen() clamps its backlog to it); Windows: the backlog "
     "listen(SOMAXCONN) gives, also the cap on plain values"},
    {"tcp_syncookies", KnobInfo::Kind::kInteger, &KernelKnobs::tcp_syncookies, nullptr, 0, 2, kLinuxOnly,
     "0 never, 1 when the SYN queue is full, 2 always"},
    {"tcp_abort_on_overflow", KnobInfo::Kind::kInteger, &KernelKnobs::tcp_abort_on_overflow, nullptr, 0, 1,
     kLinuxOnly, "1: answer a final ACK that finds the accept queue full with RST"},
    {"tcp_max_syn_backlog", KnobInfo::Kind::kInteger, &KernelKnobs::tcp_max_syn_backlog, nullptr, 1,
     1 << 30, kLinuxOnly, "half-open requests kept when syncookies are off"},
    {"tcp_syn_retries", KnobInfo::Kind::kInteger, &KernelKnobs::tcp_syn_retries, nullptr, 0, 127, kAll,
     "SYN retransmissions before connect() gives up (Windows TcpMaxConnectRetransmissions)"},
    {"tcp_synack_retries", KnobInfo::Kind::kInteger, &KernelKnobs::tcp_synack_retries, nullptr, 0, 255,
     kLinuxOnly, "SYN-ACK retransmissions for a request before it is forgotten"},
    {"syn_rto_initial", KnobInfo::Kind::kDuration, nullptr, &KernelKnobs::syn_rto_initial,
     1'000'000, 3600 * kNsPerSecond, kAll, "first SYN retransmission timeout"},
    {"rto_max", KnobInfo::Kind::kDuration, nullptr, &KernelKnobs::rto_max, 1'000'000, 3600 * kNsPerSecond,
     kAll, "retransmission timeouts double up to this"},
}};

// winsock2.h: #define SOMAXCONN 0x7fffffff; #define SOMAXCONN_HINT(b) (-(b)).
constexpr std::int64_t kWinsockSomaxconn = 0x7fffffff;
// Winsock listen page: SOMAXCONN_HINT(N) is "adjusted to be within the range (200, 65535)".
constexpr std::int64_t kWinsockHintMin = 200;
constexpr std::int64_t kWinsockHintMax = 65535;
// glibc bits/socket.h (Debian 12): #define SOMAXCONN 4096.
constexpr std::int64_t kLinuxHeaderSomaxconn = 4096;

}  // namespace

std::string_view os_name(Os os) {
  switch (os) {
    case Os::kLinux: return "linux";
    case Os::kWindows: return "windows";
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
      k.tcp_syn_retries = 6;     // include/net/tcp.h TCP_SYN_RETRIES
      k.tcp_synack_retries = 5;  // TCP_SYNACK_RETRIES
      k.syn_rto_initial = sim::seconds(1);  // TCP_TIMEOUT_INIT (RFC 6298)
      k.rto_max = sim::seconds(120);        // TCP_RTO_MAX
      break;
    case Os::kWindows:
      k.somaxconn = 200;  // the "maximum reasonable value" of the Winsock listen page
      k.tcp_syn_retries = 2;  // TcpMaxConnectRetransmissions
      k.syn_rto_initial = sim::seconds(3);  // TcpInitialRTT / InitialRto 3000 ms
      k.rto_max = sim::seconds(240);
      break;
  }
  return k;
}

std::span<const KnobInfo> knob_table() { return kKnobs; }

sim::Duration SynRetransmitSchedule::rto(int k) const {
  sim::Duration t = initial;
  for (int i = 0; i < k && t < max; ++i) t = t * 2;
  return std::min(t, max);
}

sim::Duration SynRetransmitSchedule::offset(int k) const {
  sim::Duration total = sim::Duration::zero();
  for (int i = 0; i < k; ++i) total += rto(i);
  return total;
}

std::int64_t Personality::somaxconn_constant() const {
  return os_ == Os::kWindows ? kWinsockSomaxconn : kLinuxHeaderSomaxconn;
}

std::int64_t Personality::listen_backlog(std::int64_t requested, std::optional<std::int64_t> current) const {
  switch (os_) {
    case Os::kLinux:
      // net/socket.c __sys_listen: if ((unsigned int)backlog > somaxconn) backlog = somaxconn;
      // so a negative backlog (also SOMAXCONN_HINT(n) = -n) becomes somaxconn. A second
      // listen() on a listening socket sets the new value (inet_listen).
      if (requested < 0 || requested > knobs_.somaxconn) return knobs_.somaxconn;
      return requested;
    case Os::kWindows:
      // Winsock listen page: on an already-listening socket listen() "will return success
      // without changing the value for the backlog parameter".
      if (current) return *current;
      if (requested == kWinsockSomaxconn) return knobs_.somaxconn;
      if (requested < 0) return std::clamp(-requested, kWinsockHintMin, kWinsockHintMax);
      // "Illegal values are replaced by the nearest legal value": a queue holds at least
      // one pending connection, and plain values stop at SOMAXCONN's.
      return std::clamp<std::int64_t>(requested, 1, knobs_.somaxconn);
  }
  return requested;
}

bool Personality::accept_queue_full(std::int64_t accept_len, std::int64_t backlog) const {
  switch (os_) {
    case Os::kLinux:
      // include/net/sock.h sk_acceptq_is_full: sk_ack_backlog > sk_max_ack_backlog, so
      // backlog + 1 completed connections fit.
      return accept_len > backlog;
    case Os::kWindows:
      return accept_len >= backlog;
  }
  return false;
}

bool Personality::syn_queue_full(std::int64_t syn_len, std::int64_t backlog) const {
  switch (os_) {
    case Os::kLinux:
      // include/net/inet_connection_sock.h inet_csk_reqsk_queue_is_full: qlen > backlog
      // since "tcp/dccp: allow a connection when sk_max_ack_backlog is zero" (2025);
      // older kernels used >=.
      return syn_len > backlog;
    case Os::kWindows:
      return syn_len >= backlog;
  }
  return false;
}

SynDecision Personality::on_syn(std::int64_t accept_len, std::int64_t syn_len, std::int64_t backlog) const {
  if (os_ == Os::kWindows) {
    // Winsock listen page: "If a connection request arrives and the queue is full, the
    // client will receive an error with an indication of WSAECONNREFUSED." The queue of
    // pending connections counts both half-open and completed ones.
    if (accept_len + syn_len >= backlog) return {SynVerdict::kRefuse, SynReason::kAcceptQueueFull};
    return {SynVerdict::kQueue, SynReason::kAccepted};
  }
  // Linux, net/ipv4/tcp_input.c tcp_conn_request, in the kernel's order.
  bool want_cookie = false;
  SynReason cookie_reason = SynReason::kAccepted;
  if (knobs_.tcp_syncookies == 2 || syn_queue_full(syn_len, backlog)) {
    cookie_reason = knobs_.tcp_syncookies == 2 ? SynReason::kCookiesAlways : SynReason::kSynQueueFull;
    // tcp_syn_flood_action: cookies if enabled, otherwise drop.
    if (knobs_.tcp_syncookies == 0) return {SynVerdict::kDrop, SynReason::kSynQueueFull};
    want_cookie = true;
  }
  if (accept_queue_full(accept_len, backlog)) {
    return {SynVerdict::kDrop, SynReason::kAcceptQueueFull};  // LINUX_MIB_LISTENOVERFLOWS
  }
  if (want_cookie) return {SynVerdict::kCookie, cookie_reason};
  // "Kill the following clause, if you dislike this way": without syncookies, keep a
  // quarter of tcp_max_syn_backlog free.
  const std::int64_t max_syn = knobs_.tcp_max_syn_backlog;
  if (knobs_.tcp_syncookies == 0 && max_syn - syn_len < (max_syn >> 2)) {
    return {SynVerdict::kDrop, SynReason::kSynBacklogPressure};
  }
  return {SynVerdict::kQueue, SynReason::kAccepted};
}

AckVerdict Personality::on_final_ack(std::int64_t accept_len, std::int64_t backlog) const {
  if (!accept_queue_full(accept_len, backlog)) return AckVerdict::kComplete;
  if (os_ == Os::kWindows) return AckVerdict::kReset;
  // net/ipv4/tcp_minisocks.c tcp_check_req, listen_overflow: with tcp_abort_on_overflow=0
  // the request is marked acked and kept; the SYN-ACK timer retries later.
  return knobs_.tcp_abort_on_overflow ? AckVerdict::kReset : AckVerdict::kDrop;
}

SynRetransmitSchedule Personality::syn_schedule(std::optional<int> syn_retries_override) const {
  SynRetransmitSchedule s;
  s.initial = knobs_.syn_rto_initial;
  s.max = knobs_.rto_max;
  s.retries = syn_retries_override ? *syn_retries_override : static_cast<int>(knobs_.tcp_syn_retries);
  return s;
}

}  // namespace model

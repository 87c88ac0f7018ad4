// Checked against the real kernel: connection storms on 127.0.0.1, measured, then played
// by synstorm's Linux personality with the same parameters, and compared — exactly where
// the kernel is exact, within a band measured from repeated runs where scheduling decides
// (docs/fidelity.md). Every comparison is printed and, with SYNSTORM_FIDELITY_REPORT=path,
// written as docs/fidelity.md (scripts/fidelity.sh). A kernel that behaves differently
// from the model fails here with both sides printed. A test that cannot do its work (no
// sockets, too few descriptors, no network namespace for the counter checks) reports a
// ctest skip naming what was missing (report::skip), never a pass; CI, which can, sets
// SYNSTORM_KERNEL_REQUIRED=1 and a skip fails there.
//
// Bounds: at most 400 connects and 12 s per experiment, 127.0.0.1 only, about 36 s for
// the whole label; every descriptor is closed and no sysctl is written.
#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "loopback.h"
#include "report.h"
#include "simulate.h"

using namespace kernel;

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kS = 1'000'000'000;

// Runs the kernel side. nullopt, with the test reported skipped, only when the
// environment cannot.
std::optional<Observation> observe(const Experiment& x) {
  try {
    Observation o = run(x);
    report::environment(o);
    // Where the tests are required (CI, as root), the namespace is part of the work.
    if (!o.isolated && report::required()) report::skip("no fresh network namespace: " + o.isolation_note);
    return o;
  } catch (const EnvironmentError& e) {
    report::skip("this environment cannot run the experiment: " + e.what);
    return std::nullopt;
  }
}

// Whether the TCP counters count this experiment alone; if not, the test is reported
// skipped, naming the counter checks (`which`) that did not run.
bool counters_exact(const Observation& o, const std::string& which) {
  if (o.isolated) return true;
  report::skip("no fresh network namespace (" + o.isolation_note +
               "): the TCP counters are the host's, so these checks did not run: " + which);
  return false;
}

// The spacing of the simulated connect() calls. A loop of connect() calls on loopback
// completes each handshake inside connect() itself (the SYN, SYN-ACK and ACK are all
// processed in softirq context before the call returns), so the next SYN always finds
// the previous connection in the accept queue; any gap above zero makes the simulation
// do the same. We use the measured mean gap rather than a round 1 ms because when the
// retransmission timers fire depends on it: 100 connects 13 µs apart arm their timers in
// one 32 ms slot of the kernel's timer wheel, 1 ms apart they would span four.
std::int64_t sim_connect_gap(const Experiment& x, const Observation& o) {
  if (x.connect_interval_ns > 0) return x.connect_interval_ns;  // paced: the schedule itself
  return std::max<std::int64_t>(1'000, o.mean_connect_gap_ns());
}

Simulated play(const Experiment& x, const Observation& o) {
  Realised r;
  r.sysctls = o.sysctls;
  r.connect_gap_ns = sim_connect_gap(x, o);
  // The server thread's real period is accept_interval plus its wake-up latency (about
  // 0.2 ms per 10 ms here): the simulated worker gets the measured one, as the connects
  // get their measured spacing, so that only the kernel's rules differ between the sides.
  r.service_ns = o.realised_service_ns() > 0 ? o.realised_service_ns() : x.accept_interval_ns.value_or(0);
  r.hz = kernel_hz();
  return simulate(x, r);
}

template <class T>
std::int64_t i64(T v) {
  return static_cast<std::int64_t>(v);
}

std::string us_text(std::int64_t ns) { return std::to_string(ns / 1000) + " µs"; }

// Clients still trying at the deadline, confirmed by the socket's own state.
std::int64_t in_syn_sent(const Observation& o) {
  std::int64_t n = 0;
  for (const auto& c : o.clients) n += c.end == ClientEnd::kInProgress && c.tcp_state == 2 ? 1 : 0;
  return n;
}

std::int64_t failed(const Observation& o) {
  return i64(o.count(ClientEnd::kRefused) + o.count(ClientEnd::kTimedOut) + o.count(ClientEnd::kReset) +
             o.count(ClientEnd::kOtherError));
}

std::int64_t sim_failed(const Simulated& s) {
  const auto& k = s.client().counts;
  return i64(k.refused + k.timed_out + k.reset);
}

std::vector<std::int64_t> connect_times(const Observation& o) {
  std::vector<std::int64_t> t;
  for (const auto& c : o.clients)
    if (c.end == ClientEnd::kConnected) t.push_back(c.end_ns);
  return t;
}

// Milliseconds with one decimal, for notes.
std::string ms1(std::int64_t ns) {
  const std::int64_t tenths = (ns + 50'000) / 100'000;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " ms";
}

int whole_seconds(std::int64_t ns) { return static_cast<int>((ns + kS - 1) / kS); }

// A band derived from measurements: the largest |kernel - synstorm| over the runs recorded
// in tests/kernel/series.tsv (scripts/fidelity-series.sh; 20 runs on the 2-CPU machine at
// load 9 to 11, docs/fidelity.md "Recorded spread"), plus a margin for what the record may
// not hold, justified where the band is used.
struct Band {
  std::int64_t recorded;
  std::int64_t margin;
  std::string why;
};

void within(report::Experiment& r, const std::string& parameter, std::int64_t kernel, std::int64_t synstorm,
            const Band& b) {
  r.within(parameter, kernel, synstorm, b.recorded + b.margin,
           "recorded " + std::to_string(b.recorded) + " + margin " + std::to_string(b.margin) + ": " + b.why);
}

// (a) listen(b), never accepting, 40 connects one by one.
void backlog_never_accepting(int b) {
  Experiment x;
  x.backlog = b;
  x.connects = 40;
  // Past the first SYN retransmission (1 s, plus up to one 32 ms timer-wheel slot): the
  // clients that are still waiting have had a second chance and been dropped again.
  x.observe_ns = 2500 * kMs;
  const auto o = observe(x);
  if (!o) return;
  const Simulated s = play(x, *o);
  const std::int64_t fit = b + 1;  // sk_acceptq_is_full: the accept queue is full when len > backlog

  report::Experiment r("(a) listen(" + std::to_string(b) + ")",
                       "never accepting, 40 connects one by one, observed 2.5 s");
  r.fact("connects completed", i64(o->count(ClientEnd::kConnected)), i64(s.client().counts.established), fit);
  r.fact("still in SYN_SENT at 2.5 s", in_syn_sent(*o), s.in_progress(), 40 - fit);
  r.exact("refused, timed out or reset", failed(*o), sim_failed(s));
  r.exact("accepted", i64(o->accepts_ns.size()), i64(s.client().counts.accepted));
  // The counters count every dropped SYN, retransmissions included, so they depend on the
  // SYN retransmission schedule, which (a2) checks; here they are shown.
  r.shown("ListenOverflows", std::to_string(o->counters.listen_overflows),
          std::to_string(s.listener().listen_overflows), "depends on the SYN schedule, checked in (a2)");
  r.shown("SYN retransmissions", std::to_string(o->counters.retrans_segs), std::to_string(s.client().syn_retransmits),
          "depends on the SYN schedule, checked in (a2)");
  r.shown("mean gap between connect() calls", us_text(o->mean_connect_gap_ns()), us_text(sim_connect_gap(x, *o)),
          "synstorm's arrivals use the measured gap");
}

}  // namespace

TEST_CASE("kernel: listen(0) never accepting, 40 connects one by one: exactly 1 completes", "[kernel][backlog]") {
  backlog_never_accepting(0);
}
TEST_CASE("kernel: listen(1) never accepting, 40 connects one by one: exactly 2 complete", "[kernel][backlog]") {
  backlog_never_accepting(1);
}
TEST_CASE("kernel: listen(5) never accepting, 40 connects one by one: exactly 6 complete", "[kernel][backlog]") {
  backlog_never_accepting(5);
}
TEST_CASE("kernel: listen(16) never accepting, 40 connects one by one: exactly 17 complete", "[kernel][backlog]") {
  backlog_never_accepting(16);
}

TEST_CASE("kernel: SYN retransmission schedule, listen(0), never accepting, 20 connects, 5.5 s", "[kernel][schedule]") {
  Experiment x;
  x.backlog = 0;
  x.connects = 20;
  // Linux >= 6.5 (tcp_syn_linear_timeouts=4) retransmits a SYN at 1, 2, 3, 4, 5 s, then 7,
  // 11, ...; before, at 1, 3, 7, 15, ... s. At 5.5 s that is 5 retransmissions against 2:
  // no timer-wheel rounding (at most 32 ms each) can move one across.
  x.observe_ns = 5500 * kMs;
  const auto o = observe(x);
  if (!o) return;
  const Simulated s = play(x, *o);
  const auto& l = s.listener();

  report::Experiment r("(a2) SYN schedule", "listen(0), never accepting, 20 connects one by one, 5.5 s");
  r.fact("connects completed", i64(o->count(ClientEnd::kConnected)), i64(s.client().counts.established), 1);
  r.exact("still in SYN_SENT at 5.5 s", in_syn_sent(*o), s.in_progress());
  // Per socket, from TCP_INFO: exact with or without a namespace of our own.
  std::int64_t retransmits = 0;
  for (const auto& c : o->clients)
    if (c.end == ClientEnd::kInProgress) retransmits += std::max(0, c.retransmits);
  r.exact("SYN retransmissions of the 19 waiting clients", retransmits, i64(s.client().syn_retransmits));
  if (counters_exact(*o, "ListenOverflows, RetransSegs")) {
    r.exact("ListenOverflows (every SYN dropped on the full queue)", o->counters.listen_overflows,
            i64(l.listen_overflows));
    r.exact("RetransSegs", o->counters.retrans_segs, i64(s.client().syn_retransmits + l.synacks_retransmitted));
  }
  for (const auto& c : o->clients) {
    if (c.end != ClientEnd::kInProgress) continue;
    r.shown("one waiting client's retransmission timeout at 5.5 s", std::to_string(c.rto_us / 1000) + " ms", "—",
            "TCP_INFO tcpi_rto");
    break;
  }
  if (o->sysctls.tcp_syn_linear_timeouts > 0) {
    r.note("This kernel has net.ipv4.tcp_syn_linear_timeouts=" + std::to_string(o->sysctls.tcp_syn_linear_timeouts) +
           " (Linux 6.5, commit ccce324dabfe \"tcp: make the first N SYN RTO backoffs linear\"): the first " +
           std::to_string(o->sysctls.tcp_syn_linear_timeouts + 1) +
           " SYN retransmission timeouts are all the initial RTO (1 s), doubling only after, and connect() gives up "
           "after tcp_syn_retries + tcp_syn_linear_timeouts retransmissions.");
  }
  if (retransmits != i64(s.client().syn_retransmits)) {
    r.note("synstorm disagrees: by 5.5 s each waiting client has retransmitted its SYN " +
           std::to_string(retransmits / std::max<std::int64_t>(1, in_syn_sent(*o))) + " times in the kernel and " +
           std::to_string(i64(s.client().syn_retransmits) / std::max<std::int64_t>(1, s.in_progress())) +
           " times in synstorm. Every comparison that depends on when refused SYNs come back (ListenOverflows in "
           "(a), the [1, 3) and [3, 7) buckets and the accepted count in (c)) inherits this.");
  }
}

TEST_CASE("kernel: slow acceptor and a burst, listen(8), accept every 20 ms, 100 connects, 12 s", "[kernel][burst]") {
  Experiment x;
  x.backlog = 8;
  x.connects = 100;
  x.accept_interval_ns = 20 * kMs;
  x.observe_ns = 12 * kS;
  const auto o = observe(x);
  if (!o) return;
  const Simulated s = play(x, *o);
  const auto& k = s.client().counts;
  const auto& l = s.listener();

  report::Experiment r("(b) burst", "listen(8), one worker accepting every 20 ms, 100 connects one by one, 12 s");
  // Every client sees connect() succeed within 2 s. The SYNs dropped on the
  // full accept queue are retransmitted after 1 s; their timers share one timer-wheel slot,
  // so they arrive as one batch, all pass the accept-queue check (it is not full when they
  // arrive) and get SYN-ACKs, most of them cookies.
  // Bands: over the 20 recorded runs every client connected within 2 s on both sides, and
  // the other figures differed by at most 1 to 3 (whether the first burst leaves 9 or 10
  // queued is a race between the server thread's wake-up and the connect loop). The margin
  // is the one case the record lacks: a batch that straddles a wheel-slot boundary arrives
  // as two, and the second finds room in the accept queue again (at most its 9 slots,
  // backlog + 1), so up to 9 more are accepted, cookied or dropped differently (one run of 15
  // seen by the audit of issue 19: accepted 28 against 20, cookies 72 against 81). It
  // leaves no room for the connects, which no batch split delays past 2 s. Removing the
  // wheel rounding moves every one of these rows by 30 to 250 (docs/fidelity.md).
  const std::string straddle = "a batch split across two wheel slots finds the 9-slot accept queue with room twice";
  within(r, "connects completed within 2 s", i64(o->connected_by(2 * kS)), s.established_by(2 * kS),
         {0, 0, "every client connected within 2 s in every recorded run"});
  within(r, "connects completed within 12 s", i64(o->count(ClientEnd::kConnected)), i64(k.established),
         {0, 0, "as above"});
  // The server accepts only about 20: the batch's final ACKs find the accept
  // queue full and are dropped, and cookie connections are forgotten for good.
  within(r, "accepted within 12 s", i64(o->accepts_ns.size()), i64(k.accepted), {2, 9, straddle});
  // The README's headline effect (`reset` in synstorm's outcomes).
  within(r, "clients connected but never accepted", i64(o->count(ClientEnd::kConnected)) - i64(o->accepts_ns.size()),
         i64(k.established) - i64(k.accepted), {2, 9, straddle});
  if (counters_exact(*o, "SyncookiesSent, ListenOverflows")) {
    within(r, "SYN cookies sent (SyncookiesSent)", o->counters.syncookies_sent, i64(l.syncookies_sent),
           {1, 9, straddle});
    within(r, "ListenOverflows", o->counters.listen_overflows, i64(l.listen_overflows),
           {3, 9, "dropped SYNs + dropped ACKs; " + straddle});
  }
  r.shown("SYN retransmissions", std::to_string(o->counters.retrans_segs),
          std::to_string(s.client().syn_retransmits + l.synacks_retransmitted), "kernel: RetransSegs");
  r.shown("server period (accept_interval + wake-up)", us_text(o->realised_service_ns()),
          us_text(o->realised_service_ns() > 0 ? o->realised_service_ns() : 20 * kMs), "synstorm's service time");
  const int secs = whole_seconds(x.observe_ns);
  r.histogram("connect() successes", per_second(connect_times(*o), secs), s.established_per_second);
  r.histogram("accept()s", per_second(o->accepts_ns, secs), s.accepted_per_second);
  // Evidence of the batch: when the clients that did not get in at once connected.
  std::int64_t first = -1, last = -1;
  for (const auto& c : o->clients) {
    if (c.end != ClientEnd::kConnected || c.end_ns < 500 * kMs) continue;
    first = first < 0 ? c.end_ns : std::min(first, c.end_ns);
    last = std::max(last, c.end_ns);
  }
  const auto late = i64(o->count(ClientEnd::kConnected)) - i64(o->connected_by(500 * kMs));
  r.note("Kernel: " + std::to_string(o->connected_by(500 * kMs)) +
         " connects completed inside the first burst (backlog 8 holds 9; the server thread may take one first); "
         "the other SYNs found the accept queue full and were dropped. Their retransmissions fired together: " +
         std::to_string(late) + " clients connected " +
         (first == last ? "at " + ms1(first) + " (all seen by one epoll wake-up)"
                        : "between " + ms1(first) + " and " + ms1(last)) +
         ", in one slot of the timer wheel. The batch found the accept queue with room, so every SYN got a SYN-ACK "
         "(" +
         std::to_string(o->counters.syncookies_sent) +
         " of them cookies, the SYN queue being full), and the final ACKs beyond the queue's room were dropped: "
         "those clients hold connections the server never accepts.");
}

TEST_CASE("kernel: steady overload, listen(16), accept every 10 ms, 200 connects per second for 2 s, 8 s",
          "[kernel][steady]") {
  Experiment x;
  x.backlog = 16;
  x.connects = 400;
  x.connect_interval_ns = 5 * kMs;  // paced on an absolute schedule, so lateness never accumulates
  x.accept_interval_ns = 10 * kMs;
  x.observe_ns = 8 * kS;
  const auto o = observe(x);
  if (!o) return;
  const Simulated s = play(x, *o);
  const auto& k = s.client().counts;
  const auto& l = s.listener();

  report::Experiment r("(c) steady", "listen(16), one worker accepting every 10 ms, 200 connects/s for 2 s, 8 s");
  // Bands: the kernel's timer wheel fires retransmissions in 32 ms slots whose phase
  // relative to the first connect() is arbitrary (synstorm's start at t = 0), and the
  // server thread's wake-up latency varies from one accept to the next around the mean
  // that synstorm's worker gets. Over the 20 recorded runs, at load 9 to 11 on 2 CPUs, the
  // realised server period ranged from 10.3 to 14.9 ms, the kernel accepted 231 to 325 and
  // synstorm followed it within 30 (its largest gap, in a run whose period was 13.2 ms and
  // whose paced connect()s ran 38 ms late); the time buckets within 9. The margin, half the
  // recorded gap, is for a machine more loaded still; the record is itself the worst case
  // CI should see. A wrong SYN schedule (no linear timeouts) moves accepted by 50 and the
  // [1, 3) and [3, 7) buckets by 51 and 52: still caught (docs/fidelity.md).
  const std::string why = "wheel-slot phase, server wake-up jitter";
  within(r, "accepted within 8 s", i64(o->accepts_ns.size()), i64(k.accepted), {30, 15, why});
  // The README's headline effect (`reset` in synstorm's outcomes).
  within(r, "clients connected but never accepted", i64(o->count(ClientEnd::kConnected)) - i64(o->accepts_ns.size()),
         i64(k.established) - i64(k.accepted), {30, 15, why});
  within(r, "connects completed within 8 s", i64(o->count(ClientEnd::kConnected)), i64(k.established),
         {0, 0, "all 400 connected in every recorded run"});
  within(r, "connect succeeded in [0, 1) s after its connect()", i64(o->connected_after_call(0, kS)),
         s.connected_after_call(0, kS), {9, 5, why});
  within(r, "connect succeeded in [1, 3) s after its connect()", i64(o->connected_after_call(kS, 3 * kS)),
         s.connected_after_call(kS, 3 * kS), {9, 5, why});
  within(r, "connect succeeded in [3, 7) s after its connect()", i64(o->connected_after_call(3 * kS, 7 * kS)),
         s.connected_after_call(3 * kS, 7 * kS), {8, 4, why});
  if (o->isolated) {
    r.shown("ListenOverflows", std::to_string(o->counters.listen_overflows), std::to_string(l.listen_overflows),
            "dropped SYNs + dropped ACKs");
    r.shown("SYN cookies sent", std::to_string(o->counters.syncookies_sent), std::to_string(l.syncookies_sent),
            "SyncookiesSent");
  }
  r.shown("SYN retransmissions", std::to_string(o->counters.retrans_segs),
          std::to_string(s.client().syn_retransmits + l.synacks_retransmitted), "kernel: RetransSegs (SYN + SYN-ACK)");
  r.shown("worst lateness of a paced connect()", us_text(o->max_connect_lateness_ns), "0",
          "the client loop's scheduling");
  r.shown("server period (accept_interval + wake-up)", us_text(o->realised_service_ns()),
          us_text(o->realised_service_ns() > 0 ? o->realised_service_ns() : 10 * kMs), "synstorm's service time");
  const int secs = whole_seconds(x.observe_ns);
  r.histogram("connect() successes", per_second(connect_times(*o), secs), s.established_per_second);
  r.histogram("accept()s", per_second(o->accepts_ns, secs), s.accepted_per_second);
  r.note(
      "Kernel: the server takes about one connection per period while two arrive, so the accept queue stays "
      "full and about half the SYNs are dropped. Each dropped SYN is retransmitted by the client's own timer; "
      "the retransmissions of clients whose timers share a wheel slot arrive together, pass the accept-queue "
      "check together and complete or are cookied together, so clients connect in bursts whose final ACKs the "
      "server partly drops (clients connected but never accepted: " +
      std::to_string(i64(o->count(ClientEnd::kConnected)) - i64(o->accepts_ns.size())) + " in the kernel, " +
      std::to_string(i64(k.established) - i64(k.accepted)) +
      " in synstorm). When a retransmitted SYN comes back decides the [1, 3) and [3, 7) buckets.");
}

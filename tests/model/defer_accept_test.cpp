// TCP_DEFER_ACCEPT and the client's first data: each Linux rule against the kernel
// function it follows, then whole runs whose expected times come from the kernel's
// SYN-ACK timer schedule (1, 3, 7, 15, 31, 63 s, each rounded up by the timer wheel).
#include <catch2/catch.hpp>

#include "model/personality.h"
#include "model/world.h"
#include "scenario_builder.h"

using namespace model;
using namespace model::test;

namespace {

const Personality kLinux(Os::kLinux, default_knobs(Os::kLinux));

// The kernel's secs_to_retrans loop by hand: SYN-ACK timeouts 1, 2, 4, 8, 16, 32, 64, 120,
// 120 s add up to 1, 3, 7, 15, 31, 63, 127, 247, 367 s; the count is the first sum that
// reaches the seconds asked for.
TEST_CASE("TCP_DEFER_ACCEPT seconds become SYN-ACK retransmissions (net/ipv4/tcp.c secs_to_retrans)",
          "[defer][linux]") {
  CHECK(kLinux.defer_accept_retransmits(0) == 0);
  CHECK(kLinux.defer_accept_retransmits(1) == 1);
  CHECK(kLinux.defer_accept_retransmits(2) == 2);
  CHECK(kLinux.defer_accept_retransmits(3) == 2);
  CHECK(kLinux.defer_accept_retransmits(4) == 3);
  CHECK(kLinux.defer_accept_retransmits(5) == 3);
  CHECK(kLinux.defer_accept_retransmits(7) == 3);
  CHECK(kLinux.defer_accept_retransmits(8) == 4);
  CHECK(kLinux.defer_accept_retransmits(247) == 8);
  CHECK(kLinux.defer_accept_retransmits(248) == 9);              // the timeout stays at TCP_RTO_MAX = 120 s
  CHECK(kLinux.defer_accept_retransmits(1'000'000'000) == 255);  // a u8
  CHECK(Personality(Os::kFreeBSD, default_knobs(Os::kFreeBSD)).defer_accept_retransmits(5) == 0);
}

TEST_CASE("a bare ACK is kept as acked while num_timeout < the defer limit (net/ipv4/tcp_minisocks.c tcp_check_req)",
          "[defer][linux]") {
  const DeferState bare{3, 0, false};
  const AckDecision d = kLinux.on_final_ack(AckPath::kRequest, 0, 128, bare);
  CHECK(d.verdict == AckVerdict::kDefer);
  REQUIRE(d.rule.count == 1);
  CHECK(d.rule.compared[0].value == 0);
  CHECK(d.rule.compared[0].limit_value == 3);
  CHECK(d.rule.compared[0].held);
  CHECK(kLinux.ack_verdict(AckPath::kRequest, 0, 128, bare) == AckVerdict::kDefer);
  CHECK(kLinux.ack_verdict(AckPath::kRequest, 0, 128, {3, 2, false}) == AckVerdict::kDefer);
  // The limit reached: the bare ACK goes on to tcp_v4_syn_recv_sock like any final ACK.
  CHECK(kLinux.ack_verdict(AckPath::kRequest, 0, 128, {3, 3, false}) == AckVerdict::kComplete);
  // Data is never deferred: it completes, or meets the accept queue's own rule.
  CHECK(kLinux.ack_verdict(AckPath::kRequest, 0, 128, {3, 0, true}) == AckVerdict::kComplete);
  CHECK(kLinux.ack_verdict(AckPath::kRequest, 129, 128, {3, 0, true}) == AckVerdict::kDrop);
  // Without the option nothing is deferred.
  CHECK(kLinux.ack_verdict(AckPath::kRequest, 0, 128, {0, 0, false}) == AckVerdict::kComplete);
}

TEST_CASE("a SYN cookie's ACK is never deferred (net/ipv4/syncookies.c cookie_v4_check -> tcp_get_cookie_sock)",
          "[defer][linux]") {
  CHECK(kLinux.on_final_ack(AckPath::kCookie, 0, 128, {3, 0, false}).verdict == AckVerdict::kComplete);
  CHECK(kLinux.ack_verdict(AckPath::kCookie, 129, 128, {3, 0, false}) == AckVerdict::kForget);
}

TEST_CASE("the SYN-ACK timer of a deferred request (net/ipv4/inet_connection_sock.c syn_ack_recalc)",
          "[defer][linux]") {
  // Without TCP_DEFER_ACCEPT: expire = num_timeout >= max_retries, always resend.
  for (bool acked : {false, true}) {
    CHECK_FALSE(kLinux.synack_timer_verdict(4, 5, 0, acked).expire);
    CHECK(kLinux.synack_timer_verdict(4, 5, 0, acked).resend);
    CHECK(kLinux.synack_timer_verdict(5, 5, 0, acked).expire);
  }
  // Defer 3, retries 5, acked: no SYN-ACK at num_timeout 0 and 1; from defer - 1 = 2 on,
  // a SYN-ACK "to give last chance for data or ACK"; expire at num_timeout 5.
  CHECK_FALSE(kLinux.synack_timer_verdict(0, 5, 3, true).resend);
  CHECK_FALSE(kLinux.synack_timer_verdict(1, 5, 3, true).resend);
  CHECK(kLinux.synack_timer_verdict(2, 5, 3, true).resend);
  CHECK(kLinux.synack_timer_verdict(3, 5, 3, true).resend);
  CHECK_FALSE(kLinux.synack_timer_verdict(4, 5, 3, true).expire);
  CHECK(kLinux.synack_timer_verdict(5, 5, 3, true).expire);
  // Not acked: the plain rule.
  CHECK(kLinux.synack_timer_verdict(0, 5, 3, false).resend);
  CHECK(kLinux.synack_timer_verdict(5, 5, 3, false).expire);
  // An acked request outlives its retries until the defer limit ...
  CHECK_FALSE(kLinux.synack_timer_verdict(5, 5, 10, true).expire);
  CHECK_FALSE(kLinux.synack_timer_verdict(9, 5, 10, true).expire);
  CHECK(kLinux.synack_timer_verdict(10, 5, 10, true).expire);
  // ... also when the young/old pruning of reqsk_timer_handler has cut the retries to 2.
  CHECK_FALSE(kLinux.synack_timer_verdict(2, 2, 3, true).expire);
  CHECK(kLinux.synack_timer_verdict(3, 2, 3, true).expire);
  // The recorded decision says the same and names the acked flag.
  const SynAckTimerDecision d = kLinux.on_synack_timer(5, 5, 3, true);
  CHECK(d.expire);
  CHECK(d.rule.count == 2);
  CHECK(d.rule.knob.value == 1);
}

TEST_CASE("the recorded and the unrecorded timer and ACK decisions agree", "[defer][linux]") {
  for (const Os os : all_oses()) {
    const Personality p(os, default_knobs(os));
    for (int num = 0; num <= 12; ++num) {
      for (int retries = 2; retries <= 5; ++retries) {
        for (int defer = 0; defer <= 6; ++defer) {
          for (const bool flag : {false, true}) {
            const SynAckTimerDecision d = p.on_synack_timer(num, retries, defer, flag);
            const SynAckTimerVerdict v = p.synack_timer_verdict(num, retries, defer, flag);
            CHECK(d.expire == v.expire);
            CHECK(d.resend == v.resend);
            for (const AckPath path : {AckPath::kRequest, AckPath::kCookie}) {
              for (const std::int64_t accept_len : {0, 9}) {
                const DeferState s{defer, num, flag};
                CHECK(p.on_final_ack(path, accept_len, 8, s).verdict == p.ack_verdict(path, accept_len, 8, s));
              }
            }
          }
        }
      }
    }
  }
}

TEST_CASE("the first data's retransmission timeout (tcp_rtt_estimator, __tcp_set_rto, tcp_retransmit_timer)",
          "[defer][linux]") {
  CHECK(kLinux.data_rto(sim::Duration::zero(), 0) == sim::milliseconds(200));    // TCP_RTO_MIN
  CHECK(kLinux.data_rto(sim::milliseconds(100), 0) == sim::milliseconds(300));   // 3 * rtt
  CHECK(kLinux.data_rto(sim::milliseconds(100), 2) == sim::milliseconds(1200));  // doubled twice
  CHECK(kLinux.data_rto(sim::seconds(1), 10) == sim::seconds(120));              // TCP_RTO_MAX
}

ScenarioSpec deferring(std::int64_t seconds, int workers, std::int64_t backlog_value, ClientSpec c,
                       sim::Duration duration) {
  HostSpec h = host("web", Os::kLinux, backlog(backlog_value), workers);
  h.listeners[0].defer_accept_seconds = seconds;
  return scenario({h}, {std::move(c)}, duration);
}

ClientSpec silent(std::int64_t count) {
  ClientSpec c = client("silent", Os::kLinux, 0, one_by_one(count));
  c.first_data = sim::ConstantDist{sim::Duration::infinite()};
  return c;
}

// The request's timer, armed at the SYN (t ~ 0), fires at 1, 3 and 7 s; the Linux timer
// wheel (HZ 250) rounds each expiry up by at most one slot of its level (32, 32 and
// 256 ms), so the third fires within [7 s, 7.32 s].
TEST_CASE("a client that never sends: accepted when it ACKs the SYN-ACK sent at the defer limit (7 s for 5 s)",
          "[defer][world][linux]") {
  const auto before = run_scenario(deferring(5, 1, 128, silent(1), sim::milliseconds(6999)));
  CHECK(before.clients[0].counts.pending == 1);
  CHECK(before.listeners[0].defer_acks_kept == 1);
  CHECK(before.listeners[0].synacks_retransmitted == 0);  // none at 1 and 3 s
  CHECK(before.listeners[0].syn_queue.max == 1);
  CHECK(before.listeners[0].accept_queue.max == 0);
  const auto after = run_scenario(deferring(5, 1, 128, silent(1), sim::milliseconds(7320)));
  CHECK(after.clients[0].counts.accepted == 1);
  CHECK(after.listeners[0].synacks_retransmitted == 1);
  CHECK(after.listeners[0].defer_completed_without_data == 1);
  CHECK(after.listeners[0].defer_completed_by_data == 0);
}

TEST_CASE("first data 2 s after connect(): the data completes the deferred connection at 2 s",
          "[defer][world][linux]") {
  ClientSpec c = client("late", Os::kLinux, 0, one_by_one(1));
  c.first_data = sim::ConstantDist{sim::seconds(2)};
  const auto before = run_scenario(deferring(5, 1, 128, c, sim::milliseconds(1999)));
  CHECK(before.clients[0].counts.pending == 1);
  const auto after = run_scenario(deferring(5, 1, 128, c, sim::milliseconds(2001)));
  CHECK(after.clients[0].counts.accepted == 1);
  CHECK(after.clients[0].data_sent == 1);
  CHECK(after.listeners[0].defer_completed_by_data == 1);
  CHECK(after.listeners[0].synacks_retransmitted == 0);  // the timer at 1 s sent nothing
  // Without the option the final ACK completes it at once.
  const auto plain = run_scenario(deferring(0, 1, 128, c, sim::milliseconds(10)));
  CHECK(plain.clients[0].counts.accepted == 1);
}

// backlog 8, no worker: 10 silent clients, one after another. 9 requests fill the SYN
// queue (full past the backlog), the 10th gets a cookie, whose bare ACK completes at once.
// At ~7 s the 9 requests get their SYN-ACK; 8 ACKs complete (the accept queue holds
// backlog + 1 = 9), the 9th finds it full and stays acked. Its SYN-ACKs at ~15 and ~31 s meet the same full
// queue; at ~63 s num_timeout = 5 = tcp_synack_retries >= 3: it expires while acked.
TEST_CASE("an acked request expires at num_timeout >= max(retries, defer limit) (syn_ack_recalc)",
          "[defer][world][linux]") {
  const auto r = run_scenario(deferring(5, 0, 8, silent(10), sim::seconds(70)));
  const auto& l = r.listeners[0];
  CHECK(l.syncookies_sent == 1);
  CHECK(l.defer_acks_kept == 9);
  CHECK(l.defer_completed_without_data == 8);
  CHECK(l.acks_dropped == 3);
  CHECK(l.synacks_retransmitted == 9 + 2);
  CHECK(l.defer_expired_acked == 1);
  CHECK(r.clients[0].counts.reset == 1);
  CHECK(r.clients[0].counts.pending == 9);
}

}  // namespace

// Each rule of model/personality.h against the source it follows.
#include "model/personality.h"

#include <catch2/catch.hpp>
#include <string_view>

#include "model/spec.h"

using model::AckPath;
using model::AckVerdict;
using model::Os;
using model::Personality;
using model::SynGiveUp;
using model::SynReason;
using model::SynVerdict;

namespace {
Personality linux_with(void (*tweak)(model::KernelKnobs&)) {
  auto k = model::default_knobs(Os::kLinux);
  tweak(k);
  return Personality(Os::kLinux, k);
}
const Personality kLinux(Os::kLinux, model::default_knobs(Os::kLinux));
const Personality kWindows(Os::kWindows, model::default_knobs(Os::kWindows));
}  // namespace

TEST_CASE("Linux listen() clamps the backlog to somaxconn (net/socket.c __sys_listen)", "[personality][linux]") {
  CHECK(kLinux.listen_backlog(5, std::nullopt) == 5);
  CHECK(kLinux.listen_backlog(0, std::nullopt) == 0);
  CHECK(kLinux.listen_backlog(4096, std::nullopt) == 4096);
  CHECK(kLinux.listen_backlog(4097, std::nullopt) == 4096);
  SECTION("negative values are huge as unsigned, so they become somaxconn") {
    CHECK(kLinux.listen_backlog(-1, std::nullopt) == 4096);
    CHECK(kLinux.listen_backlog(-500, std::nullopt) == 4096);  // what SOMAXCONN_HINT(500) passes
  }
  SECTION("SOMAXCONN from glibc's header is 4096 and is clamped like any value") {
    CHECK(kLinux.somaxconn_constant() == 4096);
    const auto old = linux_with([](model::KernelKnobs& k) { k.somaxconn = 128; });  // before Linux 5.4
    CHECK(old.listen_backlog(old.somaxconn_constant(), std::nullopt) == 128);
  }
  SECTION("listen() again changes the backlog (inet_listen)") {
    CHECK(kLinux.listen_backlog(10, 5) == 10);
    CHECK(kLinux.listen_backlog(2, 5) == 2);
  }
}

TEST_CASE("Linux accept queue holds backlog+1 (include/net/sock.h sk_acceptq_is_full)", "[personality][linux]") {
  CHECK_FALSE(kLinux.accept_queue_full(5, 5));
  CHECK(kLinux.accept_queue_full(6, 5));
  CHECK_FALSE(kLinux.accept_queue_full(0, 0));  // backlog 0 still fits one connection
  CHECK(kLinux.accept_queue_full(1, 0));
}

TEST_CASE("Linux SYN handling follows tcp_conn_request's order (net/ipv4/tcp_input.c)", "[personality][linux]") {
  SECTION("room everywhere: keep a request") {
    const auto d = kLinux.on_syn(0, 0, 5);
    CHECK(d.verdict == SynVerdict::kQueue);
  }
  SECTION("accept queue full: the SYN is dropped (ListenOverflows)") {
    const auto d = kLinux.on_syn(6, 0, 5);
    CHECK(d.verdict == SynVerdict::kDrop);
    CHECK(d.reason == SynReason::kAcceptQueueFull);
  }
  SECTION("SYN queue full with syncookies=1: a cookie SYN-ACK") {
    const auto d = kLinux.on_syn(0, 6, 5);
    CHECK(d.verdict == SynVerdict::kCookie);
    CHECK(d.reason == SynReason::kSynQueueFull);
  }
  SECTION("a cookie is still refused room when the accept queue is full") {
    CHECK(kLinux.on_syn(6, 6, 5).verdict == SynVerdict::kDrop);
  }
  SECTION("SYN queue full without syncookies: dropped (tcp_syn_flood_action)") {
    const auto p = linux_with([](model::KernelKnobs& k) { k.tcp_syncookies = 0; });
    const auto d = p.on_syn(0, 6, 5);
    CHECK(d.verdict == SynVerdict::kDrop);
    CHECK(d.reason == SynReason::kSynQueueFull);
  }
  SECTION("syncookies=2 sends cookies even with room") {
    const auto p = linux_with([](model::KernelKnobs& k) { k.tcp_syncookies = 2; });
    const auto d = p.on_syn(0, 0, 5);
    CHECK(d.verdict == SynVerdict::kCookie);
    CHECK(d.reason == SynReason::kCookiesAlways);
  }
  SECTION("without cookies, a quarter of tcp_max_syn_backlog stays free") {
    const auto p = linux_with([](model::KernelKnobs& k) {
      k.tcp_syncookies = 0;
      k.tcp_max_syn_backlog = 100;
    });
    // 100 - 75 = 25 is not < 25: kept; 100 - 76 = 24 < 25: dropped.
    CHECK(p.on_syn(0, 75, 1000).verdict == SynVerdict::kQueue);
    const auto d = p.on_syn(0, 76, 1000);
    CHECK(d.verdict == SynVerdict::kDrop);
    CHECK(d.reason == SynReason::kSynBacklogPressure);
  }
  SECTION("the SYN queue is full once it holds more than the backlog (inet_csk_reqsk_queue_is_full, 2025)") {
    CHECK_FALSE(kLinux.syn_queue_full(5, 5));
    CHECK(kLinux.syn_queue_full(6, 5));
  }
}

TEST_CASE("Linux final ACK on a full accept queue (tcp_minisocks.c tcp_check_req)", "[personality][linux]") {
  CHECK(kLinux.on_final_ack(AckPath::kRequest, 5, 5).verdict == AckVerdict::kComplete);
  CHECK(kLinux.on_final_ack(AckPath::kRequest, 6, 5).verdict == AckVerdict::kDrop);
  const auto abort = linux_with([](model::KernelKnobs& k) { k.tcp_abort_on_overflow = 1; });
  CHECK(abort.on_final_ack(AckPath::kRequest, 6, 5).verdict == AckVerdict::kReset);
}

TEST_CASE("Linux 6.5+ client SYN retransmissions at 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s, giving up at 131 s",
          "[personality][linux]") {
  // net/ipv4/tcp_timer.c with tcp_syn_linear_timeouts=4 (measured on Linux 6.18,
  // docs/fidelity.md): 6 + 4 retransmissions, the first 4 without backoff.
  const auto s = kLinux.syn_schedule(std::nullopt);
  CHECK(s.retries == 10);
  const std::int64_t expected[] = {1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
  for (int k = 1; k <= 10; ++k) CHECK(s.offset(k) == sim::seconds(expected[k - 1]));
  CHECK(s.give_up_after() == sim::seconds(131));
  SECTION("before Linux 6.5 (tcp_syn_linear_timeouts=0): 1, 3, 7, 15, 31, 63 s, giving up at 127 s") {
    const auto old = linux_with([](model::KernelKnobs& k) { k.tcp_syn_linear_timeouts = 0; });
    const auto o = old.syn_schedule(std::nullopt);
    CHECK(o.retries == 6);
    const std::int64_t before[] = {1, 3, 7, 15, 31, 63};
    for (int k = 1; k <= 6; ++k) CHECK(o.offset(k) == sim::seconds(before[k - 1]));
    CHECK(o.give_up_after() == sim::seconds(127));
  }
  SECTION("syn_retries sets the total number of retransmissions; the time bound stays tcp_syn_retries'") {
    CHECK(kLinux.syn_schedule(0).give_up_after() == sim::seconds(1));
    CHECK(kLinux.syn_schedule(2).give_up_after() == sim::seconds(3));
    CHECK(kLinux.syn_schedule(6).give_up_after() == sim::seconds(11));  // 1+1+1+1+1+2+4
    CHECK(kLinux.syn_schedule(12).time_bound == sim::seconds(127));
    CHECK(kLinux.syn_schedule(12).give_up_after() == sim::seconds(131));  // at 131 s, 127 s have passed
  }
  SECTION("timeouts stop doubling at TCP_RTO_MAX (120 s)") {
    const auto old = linux_with([](model::KernelKnobs& k) { k.tcp_syn_linear_timeouts = 0; });
    const auto many = old.syn_schedule(10);
    CHECK(many.rto(6) == sim::seconds(64));
    CHECK(many.rto(7) == sim::seconds(120));
    CHECK(many.rto(9) == sim::seconds(120));
    CHECK(kLinux.syn_schedule(14).rto(12) == sim::seconds(120));
  }
}

TEST_CASE("Linux connect() gives up on a time bound as well as a count (tcp_timer.c tcp_write_timeout)",
          "[personality][linux]") {
  // tcp_write_timeout: expired when icsk_retransmits >= tcp_syn_retries +
  // tcp_syn_linear_timeouts, or when retransmits_timed_out(sk, tcp_syn_retries, 0): the time
  // since the first SYN reaches tcp_model_timeout(tcp_syn_retries, TCP_TIMEOUT_INIT) =
  // (2^(n+1) - 1) s for n <= ilog2(TCP_RTO_MAX / 1 s) = 6. Checked when the retransmission
  // timer fires, before it retransmits.
  const auto with = [](int retries, int linear) {
    auto k = model::default_knobs(Os::kLinux);
    k.tcp_syn_retries = retries;
    k.tcp_syn_linear_timeouts = linear;
    return Personality(Os::kLinux, k);
  };
  SECTION("tcp_syn_retries=2, linear 4: 5 retransmissions (1..5 s), gives up at 7 s (measured: 7.1 s)") {
    const auto s = with(2, 4).syn_schedule(std::nullopt);
    CHECK(s.time_bound == sim::seconds(7));
    CHECK(s.retries == 6);
    for (int k = 1; k <= 5; ++k) CHECK(s.give_up(k - 1, s.offset(k)) == SynGiveUp::kNo);
    CHECK(s.offset(6) == sim::seconds(7));
    CHECK(s.give_up(5, s.offset(6)) == SynGiveUp::kTime);
    CHECK(s.give_up_after() == sim::seconds(7));
  }
  SECTION("tcp_syn_retries=1, linear 4: gives up at 3 s after 2 retransmissions") {
    const auto s = with(1, 4).syn_schedule(std::nullopt);
    CHECK(s.time_bound == sim::seconds(3));
    CHECK(s.give_up(1, sim::seconds(2)) == SynGiveUp::kNo);
    CHECK(s.give_up(2, sim::seconds(3)) == SynGiveUp::kTime);
    CHECK(s.give_up_after() == sim::seconds(3));
  }
  SECTION("tcp_syn_retries=2, linear 0: the count and the bound meet at 7 s") {
    const auto s = with(2, 0).syn_schedule(std::nullopt);
    CHECK(s.give_up(2, sim::seconds(7)) == SynGiveUp::kCount);
    CHECK(s.give_up_after() == sim::seconds(7));
  }
  SECTION("no time bound before the first retransmission (retransmits_timed_out)") {
    const auto s = with(1, 4).syn_schedule(std::nullopt);
    CHECK(s.give_up(0, sim::seconds(100)) == SynGiveUp::kNo);
  }
  SECTION("the bound is measured when the timer fires: a late timer gives up at its firing") {
    const auto s = with(2, 4).syn_schedule(std::nullopt);
    CHECK(s.give_up(5, sim::seconds(7) - sim::Duration::from_ns(1)) == SynGiveUp::kNo);
    CHECK(s.give_up(5, sim::seconds(7) + sim::milliseconds(32)) == SynGiveUp::kTime);
  }
  SECTION("past ilog2(TCP_RTO_MAX / rto_base) each retransmission adds TCP_RTO_MAX") {
    const auto s = with(8, 0).syn_schedule(std::nullopt);
    CHECK(s.time_bound == sim::seconds(127 + 2 * 120));
  }
  SECTION("the other OSes count only; the BSDs' keepinit is a timer of its own") {
    for (Os os : {Os::kWindows, Os::kFreeBSD, Os::kMacOS}) {
      CHECK(Personality(os, model::default_knobs(os)).syn_schedule(std::nullopt).time_bound.is_infinite());
    }
  }
}

TEST_CASE("A cookie's final ACK never reads tcp_abort_on_overflow (syncookies.c cookie_v4_check)",
          "[personality][linux]") {
  // cookie_v4_check -> tcp_get_cookie_sock -> tcp_v4_syn_recv_sock, which returns NULL on
  // a full accept queue: tcp_v4_do_rcv discards the ACK, no RST. tcp_abort_on_overflow is
  // read only by tcp_check_req, for a request held in the SYN queue.
  for (int abort_on_overflow : {0, 1}) {
    auto k = model::default_knobs(Os::kLinux);
    k.tcp_abort_on_overflow = abort_on_overflow;
    const Personality p(Os::kLinux, k);
    INFO("tcp_abort_on_overflow=" << abort_on_overflow);
    const auto full = p.on_final_ack(AckPath::kCookie, 6, 5);
    CHECK(full.verdict == AckVerdict::kForget);
    CHECK(full.path == AckPath::kCookie);
    CHECK(full.rule.source.find("cookie_v4_check") != std::string_view::npos);
    CHECK(full.rule.knob.name.empty());
    CHECK(p.on_final_ack(AckPath::kCookie, 5, 5).verdict == AckVerdict::kComplete);
    CHECK(p.on_final_ack(AckPath::kRequest, 6, 5).verdict ==
          (abort_on_overflow ? AckVerdict::kReset : AckVerdict::kDrop));
  }
}

TEST_CASE("FreeBSD: entries and cookies take the same path (tcp_syncache.c syncache_expand)",
          "[personality][freebsd]") {
  // syncache_expand takes the entry out of its bucket (or rebuilds the cookie's) before
  // syncache_socket, and frees it whether or not sonewconn gave a socket; tcp_input.c
  // then sends RST if tcp_sc_rst_sock_fail, else drops the ACK: nothing is kept either way.
  for (AckPath path : {AckPath::kRequest, AckPath::kCookie}) {
    auto k = model::default_knobs(Os::kFreeBSD);
    CHECK(Personality(Os::kFreeBSD, k).on_final_ack(path, 16, 10).verdict == AckVerdict::kReset);
    k.rst_on_sock_fail = 0;
    CHECK(Personality(Os::kFreeBSD, k).on_final_ack(path, 16, 10).verdict == AckVerdict::kForget);
    CHECK(Personality(Os::kFreeBSD, k).on_final_ack(path, 15, 10).verdict == AckVerdict::kComplete);
  }
}

TEST_CASE("Windows listen() follows the Winsock listen page", "[personality][windows]") {
  SECTION("SOMAXCONN gives the maximum reasonable value (knob, default 200)") {
    CHECK(kWindows.somaxconn_constant() == 0x7fffffff);
    CHECK(kWindows.listen_backlog(0x7fffffff, std::nullopt) == 200);
  }
  SECTION("SOMAXCONN_HINT(N) = -N is adjusted to [200, 65535]") {
    CHECK(kWindows.listen_backlog(-100, std::nullopt) == 200);
    CHECK(kWindows.listen_backlog(-1000, std::nullopt) == 1000);
    CHECK(kWindows.listen_backlog(-100000, std::nullopt) == 65535);
    CHECK(kWindows.listen_backlog(-0, std::nullopt) == 1);  // SOMAXCONN_HINT(0) is plain 0
  }
  SECTION("plain values are silently clamped to the legal range") {
    CHECK(kWindows.listen_backlog(5, std::nullopt) == 5);
    CHECK(kWindows.listen_backlog(0, std::nullopt) == 1);
    CHECK(kWindows.listen_backlog(500, std::nullopt) == 200);
  }
  SECTION("listen() on a listening socket succeeds without changing the backlog") {
    CHECK(kWindows.listen_backlog(50, 5) == 5);
    CHECK(kWindows.listen_backlog(0, 5) == 5);
  }
}

TEST_CASE("Windows refuses a connection request when the queue is full (WSAECONNREFUSED)", "[personality][windows]") {
  CHECK(kWindows.on_syn(4, 0, 5).verdict == SynVerdict::kQueue);
  CHECK(kWindows.on_syn(5, 0, 5).verdict == SynVerdict::kRefuse);
  CHECK(kWindows.on_syn(3, 2, 5).verdict == SynVerdict::kRefuse);  // half-open requests count too
  CHECK(kWindows.accept_queue_full(5, 5));
  CHECK_FALSE(kWindows.accept_queue_full(4, 5));
}

TEST_CASE("Windows client: 2 SYN retransmissions, 3 s initial RTO doubling, gives up at 21 s",
          "[personality][windows]") {
  const auto s = kWindows.syn_schedule(std::nullopt);
  CHECK(s.retries == 2);
  CHECK(s.offset(1) == sim::seconds(3));
  CHECK(s.offset(2) == sim::seconds(9));
  CHECK(s.give_up_after() == sim::seconds(21));
}

TEST_CASE("knob table: every knob has a default inside its range for the OSes it applies to", "[personality]") {
  for (const auto& knob : model::knob_table()) {
    for (Os os : model::all_oses()) {
      if (!knob.applies_to(os)) continue;
      const auto k = model::default_knobs(os);
      const std::int64_t v =
          knob.kind == model::KnobInfo::Kind::kInteger ? k.*(knob.integer) : (k.*(knob.duration)).ns();
      INFO(knob.name << " on " << model::os_name(os));
      CHECK(v >= knob.min);
      CHECK(v <= knob.max);
    }
  }
}

TEST_CASE("FreeBSD listen() clamps like Linux but to 128 (uipc_socket.c solisten_proto)", "[personality][freebsd]") {
  const Personality p(Os::kFreeBSD, model::default_knobs(Os::kFreeBSD));
  CHECK(p.listen_backlog(5, std::nullopt) == 5);
  CHECK(p.listen_backlog(-1, std::nullopt) == 128);
  CHECK(p.listen_backlog(129, std::nullopt) == 128);
  CHECK(p.listen_backlog(p.somaxconn_constant(), std::nullopt) == 128);
  CHECK(p.listen_backlog(7, 5) == 7);  // a second listen() sets the new limit
}

TEST_CASE("FreeBSD overflows when qlen > 3*backlog/2 (uipc_socket.c sonewconn)", "[personality][freebsd]") {
  const Personality p(Os::kFreeBSD, model::default_knobs(Os::kFreeBSD));
  CHECK_FALSE(p.accept_queue_full(15, 10));
  CHECK(p.accept_queue_full(16, 10));
  CHECK_FALSE(p.accept_queue_full(1, 1));  // 3*1/2 = 1: two fit
  CHECK(p.accept_queue_full(2, 1));
  CHECK(p.on_final_ack(AckPath::kRequest, 16, 10).verdict == AckVerdict::kReset);  // rst_on_sock_fail=1
  auto k = model::default_knobs(Os::kFreeBSD);
  k.rst_on_sock_fail = 0;
  CHECK(Personality(Os::kFreeBSD, k).on_final_ack(AckPath::kRequest, 16, 10).verdict == AckVerdict::kForget);
}

TEST_CASE("FreeBSD's syncache answers SYNs whatever the listen queue (tcp_syncache.c syncache_add)",
          "[personality][freebsd]") {
  auto k = model::default_knobs(Os::kFreeBSD);
  k.syncache_limit = 100;
  const Personality p(Os::kFreeBSD, k);
  CHECK(p.on_syn(1000, 0, 5).verdict == SynVerdict::kQueue);  // the listen queue is not looked at
  CHECK(p.on_syn(0, 99, 5).verdict == SynVerdict::kQueue);
  CHECK(p.on_syn(0, 100, 5).verdict == SynVerdict::kCookie);  // full syncache: cookies
  k.tcp_syncookies = 0;
  CHECK(Personality(Os::kFreeBSD, k).on_syn(0, 100, 5).verdict == SynVerdict::kDrop);
}

TEST_CASE("macOS fails a SYN when incomplete + complete >= backlog (XNU sonewconn_internal)", "[personality][macos]") {
  const Personality p(Os::kMacOS, model::default_knobs(Os::kMacOS));
  CHECK(p.listen_backlog(-1, std::nullopt) == 128);
  CHECK(p.on_syn(2, 2, 5).verdict == SynVerdict::kQueue);
  CHECK(p.on_syn(3, 2, 5).verdict == SynVerdict::kDrop);
  CHECK(p.on_syn(0, 5, 5).verdict == SynVerdict::kDrop);
  CHECK(p.on_final_ack(AckPath::kRequest, 100, 5).verdict == AckVerdict::kComplete);  // the socket exists since the SYN
}

TEST_CASE("BSD clients back off on tcp_syn_backoff and give up at keepinit", "[personality][freebsd][macos]") {
  for (Os os : {Os::kFreeBSD, Os::kMacOS}) {
    const auto s = Personality(os, model::default_knobs(os)).syn_schedule(std::nullopt);
    const std::int64_t expected[] = {1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
    for (int k = 1; k <= 10; ++k) CHECK(s.offset(k) == sim::seconds(expected[k - 1]));
    CHECK(s.give_up_after() == sim::seconds(75));
  }
}

TEST_CASE("Windows re-sends a SYN answered by RST: 4 times, 500 ms apart (KB175523)", "[personality][windows]") {
  const auto s = kWindows.syn_schedule(std::nullopt);
  CHECK(s.rst_retries == 4);
  CHECK(s.rst_interval == sim::milliseconds(500));
  CHECK(kWindows.syn_schedule(0).rst_retries == 0);
  CHECK(kLinux.syn_schedule(std::nullopt).rst_retries == 0);
}

TEST_CASE("Linux retransmission timers fire on timer-wheel slot boundaries (kernel/time/timer.c)",
          "[personality][linux]") {
  // HZ=250: 4 ms jiffies. A 1 s timeout is 250 jiffies, level 1 (63 <= 250 < 504) with
  // 8-jiffy (32 ms) slots: expiry 250 rounds up to the next slot start, 256 = 1.024 s.
  const auto at = [](std::int64_t now_ms, std::int64_t timeout_ms) {
    return kLinux.timer_fire_time(sim::Time::zero() + sim::milliseconds(now_ms), sim::milliseconds(timeout_ms)).ns();
  };
  CHECK(at(0, 1000) == 1'024'000'000);
  CHECK(at(23, 1000) == 1'024'000'000);  // armed 23 ms later (jiffy 5): fires together
  CHECK(at(24, 1000) == 1'056'000'000);  // jiffy 6: expiry 256 is a slot start, so the next one
  SECTION("never early, at most one slot late") {
    for (std::int64_t now = 0; now < 2000; now += 7) {
      for (std::int64_t timeout : {10, 200, 1000, 3000, 16000}) {
        const std::int64_t fire = at(now, timeout);
        CHECK(fire >= (now + timeout) * 1'000'000);
        CHECK(fire <= (now + timeout) * 1'000'000 + (timeout < 252 ? 8 : timeout < 2016 ? 36 : 260) * 1'000'000);
      }
    }
  }
  SECTION("short timers land on the next jiffy") { CHECK(at(0, 200) == 204'000'000); }
  SECTION("other kernels fire exactly") {
    CHECK(kWindows.timer_fire_time(sim::Time::zero() + sim::milliseconds(5), sim::seconds(3)).ns() == 3'005'000'000);
  }
}

TEST_CASE("Linux prunes SYN-ACK retries of old requests when the SYN queue is half full (reqsk_timer_handler)",
          "[personality][linux]") {
  // Not half full (2*8 is not > max(8, 16)): the full tcp_synack_retries.
  CHECK(kLinux.synack_retries(8, 0, 16) == 5);
  // Half full, 10 of 20 young: one halving leaves young*2 = 20, not > 20 ... one retry less.
  CHECK(kLinux.synack_retries(20, 10, 16) == 4);
  // Half full, 2 of 20 young: retries fall to the floor of 2.
  CHECK(kLinux.synack_retries(20, 2, 16) == 2);
  // All young: nothing is pruned.
  CHECK(kLinux.synack_retries(20, 20, 16) == 5);
  // The BSDs keep their limit.
  CHECK(Personality(Os::kFreeBSD, model::default_knobs(Os::kFreeBSD)).synack_retries(1000, 0, 16) == 3);
}

TEST_CASE("SYN-ACK timeouts double from 1 s up to rto_max (reqsk_timeout)", "[personality]") {
  const std::int64_t expected[] = {1, 2, 4, 8, 16, 32, 64, 120, 120};
  for (int k = 0; k < 9; ++k) CHECK(kLinux.synack_timeout(k) == sim::seconds(expected[k]));
}

// ---- decision records: every verdict names what it compared and where the rule is written

namespace {
const Personality kFreeBSD(Os::kFreeBSD, model::default_knobs(Os::kFreeBSD));
const Personality kMacOS(Os::kMacOS, model::default_knobs(Os::kMacOS));

bool cites(std::string_view source, std::string_view what) { return source.find(what) != std::string_view::npos; }
}  // namespace

TEST_CASE("records: the accept-queue test names its comparison and source on every OS", "[personality][record]") {
  SECTION("Linux: accept > backlog (include/net/sock.h sk_acceptq_is_full)") {
    const model::Comparison c = kLinux.accept_queue_test(6, 5);
    CHECK(c.queue == "accept queue");
    CHECK(c.value == 6);
    CHECK(c.op == model::Compare::kGreater);
    CHECK(c.limit == "backlog");
    CHECK(c.limit_value == 5);
    CHECK(c.held);
    CHECK(c.source == "include/net/sock.h sk_acceptq_is_full");
    CHECK_FALSE(kLinux.accept_queue_test(5, 5).held);
  }
  SECTION("FreeBSD: qlen > 3*backlog/2 (sys/kern/uipc_socket.c sonewconn)") {
    const model::Comparison c = kFreeBSD.accept_queue_test(16, 10);
    CHECK(c.op == model::Compare::kGreater);
    CHECK(c.limit == "3*backlog/2");
    CHECK(c.limit_value == 15);
    CHECK(c.held);
    CHECK(cites(c.source, "sys/kern/uipc_socket.c sonewconn"));
  }
  SECTION("Windows and macOS: accept >= backlog") {
    for (const Personality* p : {&kWindows, &kMacOS}) {
      const model::Comparison c = p->accept_queue_test(5, 5);
      CHECK(c.op == model::Compare::kGreaterEqual);
      CHECK(c.limit_value == 5);
      CHECK(c.held);
    }
    CHECK(cites(kWindows.accept_queue_test(0, 5).source, "Winsock listen"));
    CHECK(cites(kMacOS.accept_queue_test(0, 5).source, "sonewconn_internal"));
  }
}

TEST_CASE("records: the SYN-queue test names its comparison and source", "[personality][record]") {
  const model::Comparison l = kLinux.syn_queue_test(6, 5);
  CHECK(l.queue == "SYN queue");
  CHECK(l.op == model::Compare::kGreater);
  CHECK(l.limit == "backlog");
  CHECK(l.held);
  CHECK(l.source == "include/net/inet_connection_sock.h inet_csk_reqsk_queue_is_full");
  // FreeBSD's syncache has its own size (TCP_SYNCACHE_HASHSIZE 512 * BUCKETLIMIT 30).
  const model::Comparison b = kFreeBSD.syn_queue_test(15360, 5);
  CHECK(b.queue == "syncache");
  CHECK(b.op == model::Compare::kGreaterEqual);
  CHECK(b.limit == "syncache_limit");
  CHECK(b.limit_value == 15360);
  CHECK(b.held);
  CHECK(cites(b.source, "sys/netinet/tcp_syncache.c"));
}

TEST_CASE("records: Linux SYN verdicts carry tcp_conn_request's comparisons and knobs",
          "[personality][record][linux]") {
  SECTION("room in both queues is two comparisons, the SYN queue's first") {
    const auto d = kLinux.on_syn(3, 2, 5);
    CHECK(d.rule.source == "net/ipv4/tcp_input.c tcp_conn_request");
    REQUIRE(d.rule.comparisons().size() == 2);
    const auto& syn = d.rule.comparisons()[0];
    const auto& acc = d.rule.comparisons()[1];
    CHECK(syn.queue == "SYN queue");
    CHECK(syn.value == 2);
    CHECK_FALSE(syn.held);
    CHECK(acc.queue == "accept queue");
    CHECK(acc.value == 3);
    CHECK_FALSE(acc.held);
    CHECK(d.rule.knob.name.empty());
  }
  SECTION("a full accept queue drops the SYN: its comparison decided") {
    const auto d = kLinux.on_syn(6, 0, 5);
    REQUIRE(d.rule.comparisons().size() == 1);
    CHECK(d.rule.comparisons()[0].queue == "accept queue");
    CHECK(d.rule.comparisons()[0].held);
  }
  SECTION("a full SYN queue without cookies drops it: tcp_syncookies=0 decided") {
    const auto p = linux_with([](model::KernelKnobs& k) { k.tcp_syncookies = 0; });
    const auto d = p.on_syn(0, 6, 5);
    REQUIRE(d.rule.comparisons().size() == 1);
    CHECK(d.rule.comparisons()[0].queue == "SYN queue");
    CHECK(d.rule.comparisons()[0].held);
    CHECK(d.rule.knob.name == "tcp_syncookies");
    CHECK(d.rule.knob.value == 0);
  }
  SECTION("with cookies (tcp_syncookies=1) the same SYN gets a cookie") {
    const auto d = kLinux.on_syn(0, 6, 5);
    CHECK(d.verdict == SynVerdict::kCookie);
    CHECK(d.rule.knob.name == "tcp_syncookies");
    CHECK(d.rule.knob.value == 1);
  }
  SECTION("tcp_syncookies=2: no comparison, the knob decided") {
    const auto p = linux_with([](model::KernelKnobs& k) { k.tcp_syncookies = 2; });
    const auto d = p.on_syn(0, 0, 5);
    CHECK(d.rule.comparisons().empty());
    CHECK(d.rule.knob.name == "tcp_syncookies");
    CHECK(d.rule.knob.value == 2);
  }
  SECTION("SYN backlog pressure: tcp_max_syn_backlog - qlen < tcp_max_syn_backlog/4") {
    const auto p = linux_with([](model::KernelKnobs& k) {
      k.tcp_syncookies = 0;
      k.tcp_max_syn_backlog = 100;
    });
    const auto d = p.on_syn(0, 76, 1000);
    REQUIRE(d.rule.comparisons().size() == 1);
    const auto& c = d.rule.comparisons()[0];
    CHECK(c.left == 100);
    CHECK(c.combine == '-');
    CHECK(c.right == 76);
    CHECK(c.value == 24);
    CHECK(c.op == model::Compare::kLess);
    CHECK(c.limit == "tcp_max_syn_backlog/4");
    CHECK(c.limit_value == 25);
    CHECK(c.held);
    CHECK(d.rule.knob.value == 0);
  }
}

TEST_CASE("records: Windows and macOS compare accept + half-open with the backlog", "[personality][record]") {
  const auto w = kWindows.on_syn(3, 2, 5);
  REQUIRE(w.rule.comparisons().size() == 1);
  const auto& c = w.rule.comparisons()[0];
  CHECK(c.queue == "queue of pending connections");
  CHECK(c.quantity == "accept + half-open");
  CHECK(c.left == 3);
  CHECK(c.combine == '+');
  CHECK(c.right == 2);
  CHECK(c.value == 5);
  CHECK(c.op == model::Compare::kGreaterEqual);
  CHECK(c.limit_value == 5);
  CHECK(c.held);
  CHECK(cites(w.rule.source, "Winsock listen"));
  const auto m = kMacOS.on_syn(2, 2, 5);
  REQUIRE(m.rule.comparisons().size() == 1);
  CHECK_FALSE(m.rule.comparisons()[0].held);
  CHECK(cites(m.rule.source, "sonewconn_internal"));
}

TEST_CASE("records: FreeBSD SYN verdicts name the syncache and tcp_syncookies", "[personality][record][freebsd]") {
  auto k = model::default_knobs(Os::kFreeBSD);
  k.syncache_limit = 100;
  const auto room = Personality(Os::kFreeBSD, k).on_syn(0, 99, 5);
  REQUIRE(room.rule.comparisons().size() == 1);
  CHECK(room.rule.comparisons()[0].queue == "syncache");
  CHECK_FALSE(room.rule.comparisons()[0].held);
  k.tcp_syncookies = 0;
  const auto full = Personality(Os::kFreeBSD, k).on_syn(0, 100, 5);
  CHECK(full.rule.comparisons()[0].held);
  CHECK(full.rule.knob.name == "tcp_syncookies");
  CHECK(full.rule.knob.value == 0);
  k.tcp_syncookies = 2;
  const auto always = Personality(Os::kFreeBSD, k).on_syn(0, 0, 5);
  CHECK(always.rule.comparisons().empty());
  CHECK(always.rule.knob.value == 2);
}

TEST_CASE("records: final-ACK verdicts name the accept-queue test and the knob", "[personality][record]") {
  SECTION("Linux: tcp_check_req, tcp_abort_on_overflow decides drop or RST") {
    const auto drop = kLinux.on_final_ack(AckPath::kRequest, 6, 5);
    CHECK(cites(drop.rule.source, "net/ipv4/tcp_minisocks.c tcp_check_req"));
    REQUIRE(drop.rule.comparisons().size() == 1);
    CHECK(drop.rule.comparisons()[0].held);
    CHECK(drop.rule.knob.name == "tcp_abort_on_overflow");
    CHECK(drop.rule.knob.value == 0);
    const auto abort = linux_with([](model::KernelKnobs& k) { k.tcp_abort_on_overflow = 1; });
    CHECK(abort.on_final_ack(AckPath::kRequest, 6, 5).rule.knob.value == 1);
    const auto ok = kLinux.on_final_ack(AckPath::kRequest, 5, 5);
    REQUIRE(ok.rule.comparisons().size() == 1);
    CHECK_FALSE(ok.rule.comparisons()[0].held);
    CHECK(ok.rule.knob.name.empty());
  }
  SECTION("FreeBSD: syncache_expand, rst_on_sock_fail decides") {
    const auto d = kFreeBSD.on_final_ack(AckPath::kRequest, 16, 10);
    CHECK(cites(d.rule.source, "syncache_expand"));
    CHECK(d.rule.comparisons()[0].limit == "3*backlog/2");
    CHECK(d.rule.knob.name == "rst_on_sock_fail");
    CHECK(d.rule.knob.value == 1);
  }
  SECTION("Windows: a full queue resets; no knob") {
    const auto d = kWindows.on_final_ack(AckPath::kRequest, 5, 5);
    CHECK(d.verdict == AckVerdict::kReset);
    CHECK(d.rule.comparisons()[0].held);
    CHECK(d.rule.knob.name.empty());
  }
  SECTION("macOS: nothing is compared at the ACK (the socket was made at the SYN)") {
    const auto d = kMacOS.on_final_ack(AckPath::kRequest, 100, 5);
    CHECK(d.rule.comparisons().empty());
    CHECK(cites(d.rule.source, "XNU"));
  }
}

TEST_CASE("records: the decisive comparison agrees with the verdict over a grid", "[personality][record]") {
  const auto len = GENERATE(0, 1, 4, 5, 6, 7, 15, 16);
  const auto syn = GENERATE(0, 1, 4, 5, 6);
  for (Os os : model::all_oses()) {
    const Personality p(os, model::default_knobs(os));
    INFO(model::os_name(os) << " accept " << len << " syn " << syn);
    const auto s = p.on_syn(len, syn, 5);
    const auto compared = s.rule.comparisons();
    if (s.verdict == SynVerdict::kQueue) {
      for (const auto& c : compared) CHECK_FALSE(c.held);
      CHECK_FALSE(compared.empty());
    } else if (!compared.empty()) {
      CHECK(compared.back().held);
    }
    const auto a = p.on_final_ack(AckPath::kRequest, len, 5);
    if (!a.rule.comparisons().empty()) {
      CHECK(a.rule.comparisons()[0].held == (a.verdict != AckVerdict::kComplete));
      CHECK(a.rule.comparisons()[0].value == len);
      CHECK(a.rule.comparisons()[0].held == p.accept_queue_full(len, 5));
    }
  }
}

TEST_CASE("records: listen() says what it made of the argument and why", "[personality][record]") {
  using model::BacklogRule;
  SECTION("Linux (net/socket.c __sys_listen)") {
    const auto big = kLinux.listen_decision(4097, std::nullopt);
    CHECK(big.requested == 4097);
    CHECK(big.backlog == 4096);
    CHECK(big.rule == BacklogRule::kClampedToSomaxconn);
    CHECK(big.source == "net/socket.c __sys_listen");
    CHECK(kLinux.listen_decision(-1, std::nullopt).rule == BacklogRule::kClampedToSomaxconn);
    CHECK(kLinux.listen_decision(5, std::nullopt).rule == BacklogRule::kAsRequested);
    CHECK(kLinux.listen_decision(2, 5).backlog == 2);  // listen() again sets the new value
  }
  SECTION("FreeBSD and macOS clamp to somaxconn 128") {
    CHECK(kFreeBSD.listen_decision(-1, std::nullopt).rule == BacklogRule::kClampedToSomaxconn);
    CHECK(cites(kFreeBSD.listen_decision(5, std::nullopt).source, "solisten_proto"));
    CHECK(kMacOS.listen_decision(129, std::nullopt).backlog == 128);
    CHECK(cites(kMacOS.listen_decision(5, std::nullopt).source, "XNU"));
  }
  SECTION("Windows (Winsock listen page)") {
    const auto some = kWindows.listen_decision(0x7fffffff, std::nullopt);
    CHECK(some.backlog == 200);
    CHECK(some.rule == BacklogRule::kSomaxconnConstant);
    CHECK(cites(some.source, "Winsock listen"));
    CHECK(kWindows.listen_decision(-1000, std::nullopt).rule == BacklogRule::kHintRange);
    CHECK(kWindows.listen_decision(-100, std::nullopt).backlog == 200);
    CHECK(kWindows.listen_decision(500, std::nullopt).rule == BacklogRule::kLegalRange);
    CHECK(kWindows.listen_decision(0, std::nullopt).rule == BacklogRule::kLegalRange);
    CHECK(kWindows.listen_decision(5, std::nullopt).rule == BacklogRule::kAsRequested);
    const auto again = kWindows.listen_decision(50, 5);
    CHECK(again.backlog == 5);
    CHECK(again.rule == BacklogRule::kUnchangedOnRelisten);
  }
}

TEST_CASE("records: listen()'s argument from the application's backlog (winsock2.h SOMAXCONN_HINT)", "[personality]") {
  model::BacklogRequest b;
  b.value = 500;
  CHECK(model::backlog_argument(kLinux, b) == 500);
  b.kind = model::BacklogRequest::Kind::kHint;
  CHECK(model::backlog_argument(kWindows, b) == -500);  // SOMAXCONN_HINT(b) = -(b)
  b.kind = model::BacklogRequest::Kind::kSomaxconn;
  CHECK(model::backlog_argument(kWindows, b) == 0x7fffffff);  // winsock2.h
  CHECK(model::backlog_argument(kLinux, b) == 4096);          // glibc bits/socket.h
  CHECK(model::backlog_argument(kFreeBSD, b) == 128);         // sys/socket.h
}

TEST_CASE("records: queue limits are the first full lengths, in closed form", "[personality][record]") {
  SECTION("each kernel's limit") {
    CHECK(kLinux.accept_limit(5).full_at == 6);  // backlog + 1 fit
    CHECK(kLinux.accept_limit(0).full_at == 1);  // backlog 0 still fits one
    CHECK(kLinux.syn_limit(5).full_at == 6);
    CHECK(kFreeBSD.accept_limit(10).full_at == 16);  // 3*10/2 + 1
    CHECK(kFreeBSD.syn_limit(10).full_at == 15360);  // the syncache's own size
    CHECK(kWindows.accept_limit(5).full_at == 5);
    CHECK(kMacOS.syn_limit(5).full_at == 5);
    CHECK(kLinux.accept_limit(5).queue == "accept queue");
    CHECK(kWindows.accept_limit(5).queue == "queue of pending connections (half-open + complete)");
  }
  SECTION("they agree with the predicates over many backlogs") {
    auto small_cache = model::default_knobs(Os::kFreeBSD);
    small_cache.syncache_limit = 7;
    const Personality bsd_small(Os::kFreeBSD, small_cache);
    for (const Personality* p : {&kLinux, &kWindows, &kFreeBSD, &kMacOS, &bsd_small}) {
      for (std::int64_t backlog = 0; backlog <= 2000; ++backlog) {
        INFO(model::os_name(p->os()) << " backlog " << backlog);
        const std::int64_t a = p->accept_limit(backlog).full_at;
        REQUIRE(p->accept_queue_full(a, backlog));
        if (a > 0) REQUIRE_FALSE(p->accept_queue_full(a - 1, backlog));
        const std::int64_t s = p->syn_limit(backlog).full_at;
        REQUIRE(p->syn_queue_full(s, backlog));
        if (s > 0) REQUIRE_FALSE(p->syn_queue_full(s - 1, backlog));
      }
    }
  }
}

TEST_CASE("records: comparison symbols and their negations", "[personality][record]") {
  CHECK(model::compare_symbol(model::Compare::kGreater) == ">");
  CHECK(model::negated_symbol(model::Compare::kGreater) == "<=");
  CHECK(model::compare_symbol(model::Compare::kGreaterEqual) == ">=");
  CHECK(model::negated_symbol(model::Compare::kGreaterEqual) == "<");
  CHECK(model::negated_symbol(model::Compare::kLess) == ">=");
  CHECK(model::negated_symbol(model::Compare::kLessEqual) == ">");
}

TEST_CASE("records: a decision's verdict is the same with and without its rule", "[personality][record]") {
  // The simulator asks for the verdict alone unless someone watches the run; both come
  // from one template in personality.cpp. Over every OS and the knobs that change a
  // verdict, and a grid of queue lengths around small backlogs, they must agree.
  for (const Os os : model::all_oses()) {
    for (const std::int64_t cookies : {0, 1, 2}) {
      for (const std::int64_t abort : {0, 1}) {
        auto k = model::default_knobs(os);
        k.tcp_syncookies = cookies;
        k.tcp_abort_on_overflow = abort;
        k.rst_on_sock_fail = abort;
        k.tcp_max_syn_backlog = 16;  // so that the Linux 3/4 rule is reached on the grid
        k.syncache_limit = 6;
        const Personality p(os, k);
        for (std::int64_t backlog = 0; backlog <= 8; ++backlog) {
          for (std::int64_t accept = 0; accept <= 14; ++accept) {
            CHECK(p.accept_queue_full(accept, backlog) == p.accept_queue_test(accept, backlog).held);
            CHECK(p.syn_queue_full(accept, backlog) == p.syn_queue_test(accept, backlog).held);
            for (const model::AckPath path : {model::AckPath::kRequest, model::AckPath::kCookie}) {
              CHECK(p.ack_verdict(path, accept, backlog) == p.on_final_ack(path, accept, backlog).verdict);
            }
            for (std::int64_t syn = 0; syn <= 14; ++syn) {
              const model::SynDecision full = p.on_syn(accept, syn, backlog);
              const model::SynVerdictReason bare = p.syn_verdict(accept, syn, backlog);
              CHECK(bare.verdict == full.verdict);
              CHECK(bare.reason == full.reason);
            }
          }
        }
      }
    }
  }
}

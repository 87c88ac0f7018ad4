// The handshake as World plays it: each backlog rule seen from the outside, the outcome
// invariant, determinism and stream independence.
#include "model/world.h"

#include <catch2/catch.hpp>

#include "scenario_builder.h"

using namespace model;
using namespace model::test;

namespace {
const ClientResults& group(const RunResults& r, const std::string& name) {
  for (const auto& c : r.clients)
    if (c.name == name) return c;
  FAIL("no client group " << name);
  return r.clients.front();
}
}  // namespace

TEST_CASE("Linux listen(5), never accepting, 40 connects: exactly 6 complete (loopback observation)",
          "[world][linux]") {
  // docs/fidelity.md, (a) listen(5): on a real Linux 6.x kernel, 6 connects complete and 34 stay in SYN_SENT.
  const auto r = run_scenario(scenario({host("web", Os::kLinux, backlog(5), 0)},
                                       {client("storm", Os::kLinux, 0, one_by_one(40))}, sim::seconds(10)));
  const auto& c = group(r, "storm");
  CHECK(c.counts.attempts == 40);
  CHECK(c.counts.established == 6);
  CHECK(c.counts.pending == 40);  // 6 waiting in the accept queue, 34 still retransmitting
  CHECK(r.listeners[0].accept_queue.max == 6);
  // The first SYN of each of the 34 and their retransmissions at 1, 2, 3, 4, 5 and 7 s.
  CHECK(r.listeners[0].syns_dropped == 34 * 7);
  CHECK(r.listeners[0].listen_overflows == 34 * 7);
  CHECK(c.syn_retransmits == 34 * 6);
}

TEST_CASE("SYNs that arrive together all find the accept queue empty (tcp_conn_request)", "[world][linux]") {
  // 40 SYNs in one batch: the accept queue fills only when their final ACKs come back,
  // so every SYN passes the accept-queue check. The first 6 become requests (the SYN
  // queue holds backlog + 1), the other 34 get SYN cookies. Then the ACKs: 6 complete,
  // and the 34 cookie ACKs find the queue full and are dropped with no state left: those
  // clients believe they are connected to a server that never had them.
  const auto r = run_scenario(scenario({host("web", Os::kLinux, backlog(5), 0)},
                                       {client("storm", Os::kLinux, 0, simultaneous(40))}, sim::seconds(10)));
  const auto& c = group(r, "storm");
  CHECK(c.counts.established == 40);
  CHECK(c.counts.reset == 34);
  CHECK(c.counts.pending == 6);
  CHECK(r.listeners[0].syncookies_sent == 34);
  CHECK(r.listeners[0].acks_dropped == 34);
  CHECK(r.listeners[0].syns_dropped == 0);
  SECTION("without syncookies the SYNs beyond the SYN queue are dropped and retried") {
    auto spec = scenario({host("web", Os::kLinux, backlog(5), 0)}, {client("storm", Os::kLinux, 0, simultaneous(40))},
                         sim::milliseconds(500));
    spec.hosts[0].kernel.tcp_syncookies = 0;
    const auto nc = run_scenario(spec);
    CHECK(group(nc, "storm").counts.established == 6);
    CHECK(nc.listeners[0].syns_dropped == 34);
    CHECK(nc.listeners[0].syncookies_sent == 0);
  }
}

TEST_CASE("Windows listen(5), never accepting, 40 connects: 5 queued, 35 refused", "[world][windows]") {
  const auto r = run_scenario(scenario({host("web", Os::kWindows, backlog(5), 0)},
                                       {client("storm", Os::kWindows, 0, one_by_one(40))}, sim::seconds(10)));
  const auto& c = group(r, "storm");
  CHECK(c.counts.established == 5);
  CHECK(c.counts.refused == 35);
  CHECK(c.counts.pending == 5);
  // Each refused client sent its SYN 5 times: KB175523's re-sends after RST.
  CHECK(r.listeners[0].resets_sent == 35 * 5);
  CHECK(c.counts.refusal_rate() == Approx(35.0 / 40.0));
}

TEST_CASE("a Windows client re-sends a refused SYN every 500 ms and gives up at 2 s (KB175523)", "[world][windows]") {
  auto spec = scenario({host("web", Os::kWindows, backlog(1), 0)}, {client("c", Os::kWindows, 0, one_by_one(2))},
                       sim::milliseconds(2'002));
  CHECK(group(run_scenario(spec), "c").counts.refused == 1);
  spec.duration = sim::milliseconds(2'000);  // the second connect was made at t = 1 ms
  CHECK(group(run_scenario(spec), "c").counts.refused == 0);
  SECTION("syn_retries: 0 also turns off the re-sends: refusals are immediate") {
    spec.clients[0].syn_retries = 0;
    spec.duration = sim::milliseconds(2);
    CHECK(group(run_scenario(spec), "c").counts.refused == 1);
  }
  SECTION("a Linux client takes the first RST as final") {
    spec.clients[0].os = Os::kLinux;
    spec.duration = sim::milliseconds(2);
    CHECK(group(run_scenario(spec), "c").counts.refused == 1);
  }
}

TEST_CASE("FreeBSD listen(5) holds 3*5/2+1 = 8 completed connections, then RSTs the final ACK", "[world][freebsd]") {
  // sys/kern/uipc_socket.c: sonewconn fails once sol_qlen > 3 * sol_qlimit / 2; the
  // syncache answered every SYN, so every client saw connect() succeed first
  // (tcp_input.c, rst_on_sock_fail=1).
  const auto r = run_scenario(scenario({host("web", Os::kFreeBSD, backlog(5), 0)},
                                       {client("storm", Os::kFreeBSD, 0, one_by_one(40))}, sim::seconds(5)));
  const auto& c = group(r, "storm");
  // The RST reaches ESTABLISHED clients: ECONNRESET after connect() succeeded, not a refusal.
  CHECK(c.counts.established == 40);
  CHECK(c.counts.pending == 8);
  CHECK(c.counts.refused == 0);
  CHECK(c.counts.reset == 32);
  CHECK(r.listeners[0].resets_sent == 32);
  CHECK(r.listeners[0].accept_queue.max == 8);
  CHECK(r.listeners[0].syns_dropped == 0);
  SECTION("with rst_on_sock_fail=0 the ACK is dropped and the entry is gone: no RST, no SYN-ACK retry") {
    // tcp_syncache.c syncache_expand removes the entry from its bucket before
    // syncache_socket and frees it when no socket came: nothing is left to retransmit.
    auto spec = scenario({host("web", Os::kFreeBSD, backlog(5), 0)}, {client("storm", Os::kFreeBSD, 0, one_by_one(40))},
                         sim::seconds(30));
    spec.hosts[0].kernel.rst_on_sock_fail = 0;
    const auto quiet = run_scenario(spec);
    CHECK(group(quiet, "storm").counts.reset == 32);
    CHECK(quiet.listeners[0].resets_sent == 0);
    CHECK(quiet.listeners[0].acks_dropped == 32);
    CHECK(quiet.listeners[0].synacks_retransmitted == 0);
  }
}

TEST_CASE("macOS listen(5) counts half-open and completed connections against the backlog", "[world][macos]") {
  // XNU sonewconn_internal: so_qlen (incomplete + complete) >= so_qlimit fails, and the
  // SYN is dropped; the client retransmits on tcp_syn_backoff (1, 1, 1, 1, 1, 2, ... s).
  const auto r = run_scenario(scenario({host("web", Os::kMacOS, backlog(5), 0)},
                                       {client("storm", Os::kMacOS, 0, one_by_one(40))}, sim::milliseconds(3'500)));
  const auto& c = group(r, "storm");
  CHECK(c.counts.established == 5);
  CHECK(c.counts.pending == 40);
  CHECK(c.syn_retransmits == 35 * 3);  // at 1, 2 and 3 s
}

TEST_CASE("a BSD client gives up at keepinit (75 s), after SYNs at 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s",
          "[world][bsd]") {
  const Os os = GENERATE(Os::kFreeBSD, Os::kMacOS);
  auto spec = scenario({host("web", Os::kLinux, backlog(0), 0)}, {client("c", os, 0, one_by_one(2))}, sim::seconds(80));
  const auto r = run_scenario(spec);
  CHECK(group(r, "c").counts.timed_out == 1);
  CHECK(group(r, "c").syn_retransmits == 10);
  spec.duration = sim::milliseconds(75'000);
  CHECK(group(run_scenario(spec), "c").counts.timed_out == 0);  // the connect was at t = 1 ms
}

TEST_CASE("backlog 0: Linux still completes one connection, Windows one (clamped to 1)", "[world]") {
  const Os os = GENERATE(Os::kLinux, Os::kWindows);
  const auto r =
      run_scenario(scenario({host("web", os, backlog(0), 0)}, {client("c", os, 0, one_by_one(3))}, sim::seconds(1)));
  CHECK(group(r, "c").counts.established == 1);
}

TEST_CASE("a Linux client whose SYNs are all dropped gives up at 131 s", "[world][linux]") {
  auto spec = scenario({host("web", Os::kLinux, backlog(0), 0)}, {client("c", Os::kLinux, 0, one_by_one(2))},
                       sim::seconds(200));
  const auto r = run_scenario(spec);
  const auto& c = group(r, "c");
  CHECK(c.counts.established == 1);
  CHECK(c.counts.timed_out == 1);
  CHECK(c.syn_retransmits == 10);
  SECTION("and at 130.9 s it is still trying") {
    spec.duration = sim::milliseconds(130'900);
    const auto early = run_scenario(spec);
    CHECK(group(early, "c").counts.timed_out == 0);
    CHECK(group(early, "c").counts.pending == 2);
  }
}

TEST_CASE("a Windows client gives up after 21 s, and with syn_retries 0 gives up after the first timeout",
          "[world][windows]") {
  auto spec = scenario({host("web", Os::kLinux, backlog(0), 0)}, {client("c", Os::kWindows, 0, one_by_one(2))},
                       sim::milliseconds(21'001));
  CHECK(group(run_scenario(spec), "c").counts.timed_out == 1);
  spec.duration = sim::milliseconds(20'999);
  CHECK(group(run_scenario(spec), "c").counts.timed_out == 0);
  spec.clients[0].syn_retries = 0;
  spec.duration = sim::milliseconds(3'001);
  const auto r = run_scenario(spec);
  CHECK(group(r, "c").counts.timed_out == 1);
  CHECK(group(r, "c").syn_retransmits == 0);
}

TEST_CASE("connect_timeout ends an unanswered attempt before the SYN retries run out", "[world]") {
  auto spec =
      scenario({host("web", Os::kLinux, backlog(0), 0)}, {client("c", Os::kLinux, 0, one_by_one(2))}, sim::seconds(5));
  spec.clients[0].connect_timeout = sim::seconds(2);
  const auto r = run_scenario(spec);
  CHECK(group(r, "c").counts.timed_out == 1);
  CHECK(group(r, "c").syn_retransmits == 1);  // at 1 s; the next would be at 3 s
}

TEST_CASE("application retries make new attempts after a refusal", "[world]") {
  auto spec = scenario({host("web", Os::kWindows, backlog(1), 0)}, {client("c", Os::kWindows, 0, one_by_one(3))},
                       sim::seconds(10));
  spec.clients[0].retry = RetrySpec{RetryPolicy::kExponential, 2, sim::milliseconds(100), 2.0, 0.0};
  const auto r = run_scenario(spec);
  const auto& c = group(r, "c");
  // 1 queued; 2 refused, each retried twice (at +100 ms and +200 ms): 4 more refusals.
  CHECK(c.counts.attempts == 3 + 4);
  CHECK(c.counts.refused == 6);
  CHECK(c.app_retries == 4);
  CHECK(c.counts.balanced());
}

TEST_CASE("workers accept and serve: a constant-service pipeline has no losses below capacity", "[world]") {
  // 2 workers, 10 ms service: capacity 200/s; constant arrivals at 100/s never queue.
  const auto r =
      run_scenario(scenario({host("web", Os::kLinux, backlog(8), 2, sim::ConstantDist{sim::milliseconds(10)})},
                            {client("c", Os::kLinux, 0, ConstantArrivals{100})}, sim::seconds(10)));
  const auto& c = group(r, "c");
  CHECK(c.counts.attempts == 999);  // arrivals at 10 ms, 20 ms, ... < 10 s
  CHECK(c.counts.accepted == 999);
  CHECK(r.listeners[0].accept_queue.max == 1);  // momentarily, before a worker takes it
  CHECK(r.listeners[0].accept_wait.max() == 0);
}

TEST_CASE("every run keeps attempts == accepted + refused + timed_out + reset + pending", "[world]") {
  const Os os = GENERATE(Os::kLinux, Os::kWindows);
  const std::uint64_t seed = GENERATE(1u, 7u, 42u);
  auto spec = scenario({host("web", os, backlog(16), 4, sim::ExponentialDist{sim::milliseconds(5)})},
                       {client("c", os, 0, PoissonArrivals{1500})}, sim::seconds(20), seed);
  spec.clients[0].retry = RetrySpec{RetryPolicy::kExponential, 3, sim::milliseconds(50), 2.0, 0.5};
  spec.clients[0].connect_timeout = sim::seconds(4);
  const auto r = run_scenario(spec);
  CHECK(r.totals.balanced());
  CHECK(r.totals.attempts > 20000);
}

TEST_CASE("determinism: same spec and seed, same digest, another seed another digest", "[world][determinism]") {
  auto spec = scenario({host("web", Os::kLinux, backlog(16), 4, sim::ExponentialDist{sim::milliseconds(5)})},
                       {client("c", Os::kLinux, 0, PoissonArrivals{1000})}, sim::seconds(5), 3);
  const auto a = run_scenario(spec);
  const auto b = run_scenario(spec);
  CHECK(a.digest == b.digest);
  CHECK(a.events == b.events);
  spec.seed = 4;
  CHECK(run_scenario(spec).digest != a.digest);
}

TEST_CASE("adding an entity does not change another's random draws", "[world][determinism]") {
  auto one = scenario({host("web", Os::kLinux, backlog(16), 4, sim::ExponentialDist{sim::milliseconds(5)})},
                      {client("c", Os::kLinux, 0, PoissonArrivals{500})}, sim::seconds(5), 9);
  auto two = one;
  two.hosts.push_back(host("other", Os::kWindows, backlog(4), 1, sim::ExponentialDist{sim::milliseconds(9)}));
  two.clients.push_back(client("d", Os::kWindows, 1, PoissonArrivals{300}));
  const auto a = run_scenario(one);
  const auto b = run_scenario(two);
  const auto& ca = group(a, "c");
  const auto& cb = group(b, "c");
  CHECK(ca.counts.attempts == cb.counts.attempts);
  CHECK(ca.counts.accepted == cb.counts.accepted);
  CHECK(a.listeners[0].accept_wait.mean() == b.listeners[0].accept_wait.mean());
}

TEST_CASE("Linux tcp_abort_on_overflow=1 RSTs a held request's final ACK, never a cookie's", "[world][linux]") {
  SECTION("held requests (tcp_check_req): RST, and the client, already connected, is reset") {
    // Three connections wait in the accept queue of listen(5); six simultaneous SYNs then
    // all become requests (the SYN queue holds 6), but only three of their ACKs fit.
    auto spec = scenario({host("web", Os::kLinux, backlog(5), 0)},
                         {client("early", Os::kLinux, 0, one_by_one(3)),
                          client("batch", Os::kLinux, 0, simultaneous(6, sim::Time::zero() + sim::milliseconds(100)))},
                         sim::milliseconds(200));
    spec.hosts[0].kernel.tcp_abort_on_overflow = 1;
    const auto r = run_scenario(spec);
    const auto& b = group(r, "batch");
    CHECK(b.counts.established == 6);
    CHECK(b.counts.pending == 3);
    CHECK(b.counts.reset == 3);
    CHECK(b.counts.refused == 0);
    CHECK(r.listeners[0].resets_sent == 3);
    CHECK(r.listeners[0].syncookies_sent == 0);
  }
  SECTION("cookies (cookie_v4_check -> tcp_v4_syn_recv_sock): dropped without RST whatever the knob") {
    // Ten simultaneous SYNs: 3 requests, 7 cookies. The 3 requests fill the accept queue;
    // the 7 cookie ACKs find it full and are dropped: no RST, the clients believe they are
    // connected (measured on Linux 6.18: docs/fidelity.md).
    auto spec = scenario({host("web", Os::kLinux, backlog(2), 0)}, {client("c", Os::kLinux, 0, simultaneous(10))},
                         sim::milliseconds(10));
    spec.hosts[0].kernel.tcp_abort_on_overflow = 1;
    const auto r = run_scenario(spec);
    const auto& c = group(r, "c");
    CHECK(c.counts.established == 10);
    CHECK(c.counts.pending == 3);
    CHECK(c.counts.reset == 7);
    CHECK(r.listeners[0].syncookies_sent == 7);
    CHECK(r.listeners[0].resets_sent == 0);
  }
}

TEST_CASE("Linux: a final ACK dropped on overflow is retried by the SYN-ACK timer; a cookie ACK is lost",
          "[world][linux]") {
  // One worker busy 3 s per connection, backlog 1 (two fit in the accept queue).
  // t=0: #1 is accepted at once. t=1ms: #2 waits in the accept queue. t=2ms: three SYNs
  // together: A and B become requests (the SYN queue holds backlog + 1), C gets a cookie.
  // A's ACK fills the accept queue; B's ACK is dropped and B stays a request (acked),
  // C's cookie ACK is dropped and C is forgotten. B's SYN-ACK is retransmitted at ~1 s
  // and ~3 s; at 3 s the worker has taken #2, so B's next ACK gets in. The worker serves
  // A at 6 s and B at 9 s.
  auto spec = scenario({host("web", Os::kLinux, backlog(1), 1, sim::ConstantDist{sim::seconds(3)})},
                       {client("first", Os::kLinux, 0, simultaneous(1)),
                        client("second", Os::kLinux, 0, simultaneous(1, sim::Time::zero() + sim::milliseconds(1))),
                        client("batch", Os::kLinux, 0, simultaneous(3, sim::Time::zero() + sim::milliseconds(2)))},
                       sim::seconds(10));
  const auto r = run_scenario(spec);
  const auto& batch = group(r, "batch");
  CHECK(batch.counts.established == 3);
  CHECK(batch.counts.reset == 1);     // C
  CHECK(batch.counts.accepted == 2);  // A and B
  CHECK(batch.counts.pending == 0);
  CHECK(r.listeners[0].syncookies_sent == 1);
  CHECK(r.listeners[0].acks_dropped >= 2);
  CHECK(r.listeners[0].synacks_retransmitted >= 1);
  CHECK(r.listeners[0].requests_expired == 0);
}

TEST_CASE("over a network path, connect latency is the round trip and losses show as retransmissions",
          "[world][network]") {
  auto spec = scenario({host("web", Os::kLinux, backlog(128), 4, sim::ConstantDist{sim::milliseconds(1)})},
                       {client("c", Os::kLinux, 0, ConstantArrivals{100})}, sim::seconds(10));
  NetworkSpec net;
  net.routers = {"edge"};
  net.links = {LinkSpec{"c", "edge", sim::milliseconds(10), sim::Duration::zero(), 0.0},
               LinkSpec{"edge", "web", sim::milliseconds(5), sim::Duration::zero(), 0.0}};
  spec.network = net;
  const auto r = run_scenario(spec);
  const auto& c = group(r, "c");
  CHECK(c.connect_latency.min() == sim::milliseconds(30).ns());  // SYN 15 ms out, SYN-ACK 15 ms back
  CHECK(c.connect_latency.max() == sim::milliseconds(30).ns());
  CHECK(c.segments_lost == 0);
  SECTION("a lossy link: every lost SYN or SYN-ACK costs a retransmission timeout") {
    spec.network->links[0].loss = 0.05;
    const auto lossy = run_scenario(spec);
    const auto& l = group(lossy, "c");
    CHECK(l.segments_lost > 0);
    CHECK(l.syn_retransmits > 0);
    CHECK(l.connect_latency.max() >= sim::seconds(1).ns());
    CHECK(l.counts.balanced());
  }
}

TEST_CASE("a client group's own kernel knobs reach its connects; a host's never do", "[world][linux]") {
  // listen(0), never accepting: the first connection fills the accept queue, every later
  // SYN is dropped (tcp_conn_request). With tcp_syn_retries=1 the clients' time bound is
  // tcp_model_timeout(1, 1 s) = 3 s: retransmissions at 1 and 2 s, giving up when the
  // timer fires at 3 s (tcp_write_timeout), though the count (1 + 4 linear) is not used up.
  auto spec =
      scenario({host("web", Os::kLinux, backlog(0), 0)}, {client("c", Os::kLinux, 0, one_by_one(3))}, sim::seconds(5));
  SECTION("the group's kernel: map") {
    auto knobs = model::default_knobs(Os::kLinux);
    knobs.tcp_syn_retries = 1;
    spec.clients[0].kernel = knobs;
    const auto r = run_scenario(spec);
    const auto& c = group(r, "c");
    CHECK(c.counts.established == 1);
    CHECK(c.counts.timed_out == 2);
    CHECK(c.syn_retransmits == 2 * 2);
  }
  SECTION("the host's map: the clients keep their defaults (1..5 s retransmissions, no give-up by 5 s)") {
    spec.hosts[0].kernel.tcp_syn_retries = 1;
    const auto r = run_scenario(spec);
    const auto& c = group(r, "c");
    CHECK(c.counts.timed_out == 0);
    CHECK(c.counts.pending == 3);  // the accepted-never one and the two still trying
  }
}

// A proxy's upstream keep-alive pool (model/proxy.h) on the backend's side: a pooled
// connection keeps the worker that accepted it (a worker blocked in read() on an idle
// keep-alive connection is not free: Apache's keep-alive) or a slot of its event loop; a
// request over it costs that worker one service time, or that loop one request_cost; an
// idle connection closes after the proxy's keepalive_timeout (nginx upstream
// `keepalive_timeout`, 60s by default: ngx_http_upstream_keepalive_init) and frees them.
// And two fixes of the proxy's queue: a backend whose down mark expires takes what waits,
// and a request that may not go does not hold back those behind it.
//
// Expected values come from theory (Little's law: the busy fraction of c workers serving
// λ requests per second of mean service E[S] is λ·E[S]/c) or from the timelines of small
// deterministic scenarios (constant costs, a network of zero latency), worked out below.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "../sim/theory.h"
#include "model/proxy.h"
#include "model/stepper.h"
#include "model/world.h"
#include "scenario_builder.h"
#include "sim/random.h"
#include "sim/stats.h"

using namespace model;
using namespace model::test;
using sim_test::kConfidence;

namespace {

sim::Time at_ms(std::int64_t ms) { return sim::Time::zero() + sim::milliseconds(ms); }

// A backend of one event loop: no accept cost, 10 ms per request, each connection kept
// `keepalive` after its response, room for 100.
HostSpec loop_host(std::string name, sim::Duration keepalive) {
  HostSpec h = host(std::move(name), Os::kLinux, backlog(128), 0);
  EventLoopSpec loops;
  loops.max_connections = 100;
  loops.request_cost = sim::ConstantDist{sim::milliseconds(10)};
  loops.keepalive = sim::ConstantDist{keepalive};
  h.listeners[0].loops = loops;
  return h;
}

HostSpec workers_host(std::string name, int workers, sim::DurationDist service) {
  return host(std::move(name), Os::kLinux, backlog(4096), workers, service);
}

// One request from a client group of its own at `at`.
ClientSpec one_request(std::string name, std::int64_t at_milliseconds) {
  return client(std::move(name), Os::kLinux, 0, simultaneous(1, at_ms(at_milliseconds)));
}

const ListenerSnapshot& listener_of(const Snapshot& s, const std::string& host) {
  for (const ListenerSnapshot& l : s.listeners) {
    if (l.host == host) return l;
  }
  FAIL("no listener on " << host);
  return s.listeners.front();
}

// At most one upstream connection per backend, and a queue whose requests wait 100 s.
ProxySpec one_connection_each() {
  ProxySpec p;
  p.max_connections = 1;
  p.queue.limit = 10;
  p.queue.timeout = sim::seconds(100);
  return p;
}

}  // namespace

TEST_CASE("pooled requests keep a workers backend busy for their service: Little's law", "[proxy][pool][statistical]") {
  // Poisson requests at λ through a proxy whose pool to one backend holds up to c
  // connections (keepalive = max_connections = c, a queue beyond), to c workers with
  // exponential service of mean E[S]: every request is served by a worker for one service
  // time, so the workers' busy fraction is λ·E[S]/c (Little's law on the workers), whether
  // the request came over a new connection or a pooled one. Before pooled connections held
  // their worker, a reused request occupied none and the busy fraction was about 0.
  constexpr double kRate = 200;  // requests per second
  constexpr int kWorkers = 8;
  const sim::Duration mean = sim::milliseconds(20);
  const double rho = kRate * mean.seconds() / kWorkers;  // 0.5
  const sim::Duration length = sim::seconds(100);
  constexpr int kReplications = 20;
  std::vector<double> busy;
  for (int rep = 0; rep < kReplications; ++rep) {
    ProxySpec p;
    p.keepalive = kWorkers;
    p.max_connections = kWorkers;
    p.queue.limit = 100'000;
    p.queue.timeout = sim::seconds(100'000);
    const ScenarioSpec spec =
        scenario({proxy_host("edge", {1}, p), workers_host("app", kWorkers, sim::ExponentialDist{mean})},
                 {client("load", Os::kLinux, 0, PoissonArrivals{kRate})}, length,
                 sim::derive_seed(20261205, "proxy-pool-little/" + std::to_string(rep)));
    const RunResults r = run_scenario(spec);
    REQUIRE(r.internal_error.empty());
    const UpstreamResults& up = r.proxies[0].backends[0];
    // Never more connections than workers: the c workers hold at most c of them.
    REQUIRE(up.max_open <= kWorkers);
    REQUIRE(r.listeners[1].accepted <= static_cast<std::uint64_t>(kWorkers));
    REQUIRE(up.reused + up.connects == up.tries);
    REQUIRE(up.reused >= up.tries - static_cast<std::uint64_t>(kWorkers));
    // The backend's utilisation counts every request: new connections by their SYN,
    // reused ones as pooled requests.
    REQUIRE(r.listeners[1].pooled_requests == up.reused);
    REQUIRE(r.listeners[1].offered + r.listeners[1].pooled_requests == up.tries);
    busy.push_back(static_cast<double>(r.listeners[1].busy_ns) / (static_cast<double>(length.ns()) * kWorkers));
  }
  const auto b = sim::mean_confidence_interval(busy, kConfidence);
  INFO("busy " << b.mean << " ± " << b.half_width << ", theory " << rho);
  CHECK(std::abs(b.mean - rho) <= b.half_width);
  CHECK(b.half_width <= 0.05 * rho);  // narrow enough to fail
}

TEST_CASE("an idle pooled connection holds its worker until keepalive_timeout, then frees it", "[proxy][pool]") {
  // One request at t = 0 to a backend of one worker (constant 10 ms service): the upstream
  // connection (zero-latency network, no CPU on the proxy) is accepted at once, answered at
  // 10 ms and pooled; it closes 1 s later (keepalive_timeout), at 1.010 s. Meanwhile the
  // worker holds it (busy_workers 1, though it serves nothing); after it, the worker is
  // free. A request at 2 s finds the pool empty and connects again; one at 0.5 s would
  // have reused it (the second section).
  ProxySpec p;
  p.keepalive = 4;
  p.keepalive_timeout = sim::seconds(1);
  const HostSpec app = workers_host("app", 1, sim::ConstantDist{sim::milliseconds(10)});

  SECTION("closed after the timeout") {
    Stepper st(
        scenario({proxy_host("edge", {1}, p), app}, {one_request("a", 0), one_request("b", 2000)}, sim::seconds(3)));
    st.advance_to(at_ms(500));
    Snapshot s = st.snapshot();
    CHECK(s.proxies[0].backends[0].idle == 1);
    CHECK(listener_of(s, "app").busy_workers == 1);
    st.advance_to(at_ms(1009));
    CHECK(listener_of(st.snapshot(), "app").busy_workers == 1);
    st.advance_to(at_ms(1011));
    s = st.snapshot();
    CHECK(s.proxies[0].backends[0].idle == 0);
    CHECK(listener_of(s, "app").busy_workers == 0);
    st.advance_to(st.end());
    s = st.snapshot();
    CHECK(s.proxies[0].so_far.backends[0].connects == 2);
    CHECK(s.proxies[0].so_far.backends[0].reused == 0);
    CHECK(s.proxies[0].so_far.requests.ok == 2);
  }
  SECTION("reused before it") {
    const RunResults r = run_scenario(
        scenario({proxy_host("edge", {1}, p), app}, {one_request("a", 0), one_request("b", 500)}, sim::seconds(3)));
    REQUIRE(r.internal_error.empty());
    CHECK(r.proxies[0].backends[0].connects == 1);
    CHECK(r.proxies[0].backends[0].reused == 1);
    // Two services of 10 ms, both on the one worker.
    CHECK(r.listeners[1].busy_ns == sim::milliseconds(20).ns());
  }
}

TEST_CASE("a backend of one worker: a second connection waits while the first, pooled, holds the worker",
          "[proxy][pool]") {
  // Request a at 0 ms opens connection 1: the worker serves it until 100 ms, then holds it
  // idle in the proxy's pool (keepalive 1, keepalive_timeout 1 s). Request b at 50 ms finds
  // no idle connection and opens connection 2 (no cap): the handshake completes, but the
  // only worker is serving a, then holding connection 1, so connection 2 waits in the
  // accept queue until connection 1 closes at 1.100 s; the worker then accepts it and
  // answers b at 1.200 s. (Were the worker free after each request, b would be answered at
  // 200 ms.)
  ProxySpec p;
  p.keepalive = 1;
  p.keepalive_timeout = sim::seconds(1);
  Stepper st(scenario({proxy_host("edge", {1}, p), workers_host("app", 1, sim::ConstantDist{sim::milliseconds(100)})},
                      {one_request("a", 0), one_request("b", 50)}, sim::seconds(2)));
  st.advance_to(at_ms(600));
  Snapshot s = st.snapshot();
  CHECK(s.proxies[0].so_far.requests.ok == 1);
  CHECK(s.proxies[0].backends[0].idle == 1);
  CHECK(listener_of(s, "app").busy_workers == 1);
  CHECK(listener_of(s, "app").accept_len == 1);
  st.advance_to(at_ms(1199));
  CHECK(st.snapshot().proxies[0].so_far.requests.ok == 1);
  st.advance_to(at_ms(1201));
  s = st.snapshot();
  CHECK(s.proxies[0].so_far.requests.ok == 2);
  CHECK(listener_of(s, "app").accept_len == 0);
}

TEST_CASE("an event-loop backend spends request_cost on every pooled request, and keeps the connection open",
          "[proxy][pool]") {
  // n requests, 100 ms apart over 10 s, through a pool of one connection (keepalive =
  // max_connections = 1) to a backend of one loop (accept_cost 0, request_cost a constant
  // 10 ms, its own keep-alive 100 s): each request costs the loop 10 ms of CPU, so over the
  // 10 s run it is busy n × 10 ms: a fraction of n / 1000 exactly. The connection stays
  // open on the loop (one, all along).
  ProxySpec p;
  p.keepalive = 1;
  p.max_connections = 1;
  p.queue.limit = 10;
  const HostSpec app = loop_host("app", sim::seconds(100));
  const ScenarioSpec spec = scenario({proxy_host("edge", {1}, p), app},
                                     {client("load", Os::kLinux, 0, ConstantArrivals{10})}, sim::seconds(10));
  const RunResults r = run_scenario(spec);
  REQUIRE(r.internal_error.empty());
  REQUIRE(r.loops.size() == 2);
  const LoopResults& backend = r.loops[1];
  CHECK(backend.host == "app");
  const std::uint64_t n = r.clients[0].counts.attempts;
  REQUIRE(n >= 99);  // one each 100 ms
  CHECK(r.proxies[0].requests.ok == n);
  CHECK(r.proxies[0].backends[0].connects == 1);
  CHECK(r.proxies[0].backends[0].reused == n - 1);
  CHECK(backend.accepted == 1);
  CHECK(backend.open.max == 1);
  CHECK(backend.busy_fraction == Approx(static_cast<double>(n) / 1000).epsilon(1e-9));
}

TEST_CASE("an idle connection to an event loop closes at the loop's own keep-alive when that is shorter",
          "[proxy][pool]") {
  // The backend loop keeps a connection 200 ms after its response; the proxy would keep it
  // 60 s (keepalive_timeout's default). The loop's close wins: at 250 ms the pool is empty
  // and the loop holds nothing, and request b at 500 ms connects again.
  ProxySpec p;
  p.keepalive = 1;
  const HostSpec app = loop_host("app", sim::milliseconds(200));
  Stepper st(
      scenario({proxy_host("edge", {1}, p), app}, {one_request("a", 0), one_request("b", 500)}, sim::seconds(1)));
  st.advance_to(at_ms(100));
  CHECK(st.snapshot().proxies[0].backends[0].idle == 1);
  CHECK(st.snapshot().loops[1].open == 1);
  st.advance_to(at_ms(250));
  CHECK(st.snapshot().proxies[0].backends[0].idle == 0);
  CHECK(st.snapshot().loops[1].open == 0);
  st.advance_to(st.end());
  CHECK(st.snapshot().proxies[0].so_far.backends[0].connects == 2);
}

TEST_CASE("a backend whose down mark expires takes the requests waiting in the queue at once", "[proxy][queue]") {
  // Backend 0 refuses every connection (no socket on its port); backend 1 has one worker
  // serving 5 s; at most one upstream connection per backend, a queue, max_fails 1 and
  // fail_timeout 1 s. Request a at 100 ms goes to backend 0 (round robin), is refused,
  // marks it down until 1.100 s and is retried on backend 1, which it fills until 5.1 s.
  // Request b at 200 ms finds backend 0 down and backend 1 full: it waits. When the mark
  // expires at 1.100 s, b is tried on backend 0 at once (its second try); without a drain at
  // that moment it would wait for a's response at 5.1 s.
  ProxySpec p = one_connection_each();
  p.health.max_fails = 1;
  p.health.fail_timeout = sim::seconds(1);
  HostSpec refusing = host("dead", Os::kLinux, backlog(128), 1);
  refusing.listeners[0].port = 81;
  Stepper st(
      scenario({proxy_host("edge", {1, 2}, p), refusing, workers_host("app", 1, sim::ConstantDist{sim::seconds(5)})},
               {one_request("a", 100), one_request("b", 200)}, sim::seconds(3)));
  st.advance_to(at_ms(1050));
  Snapshot s = st.snapshot();
  CHECK(s.proxies[0].queued == 1);
  CHECK(s.proxies[0].so_far.backends[0].tries == 1);
  st.advance_to(at_ms(1150));
  s = st.snapshot();
  CHECK(s.proxies[0].so_far.backends[0].tries == 2);
  CHECK(s.proxies[0].so_far.backends[0].marked_down == 2);
}

TEST_CASE("a queued request that may not go does not hold back one behind it that may", "[proxy][queue]") {
  // Two backends of one worker each, at most one upstream connection each, retries on
  // error, passive health off. Backend 0 restarts over [0, 500 ms) (its port refuses);
  // it serves 1 s, backend 1 serves 2 s.
  //   100 ms  q: backend 0 (round robin) refuses; retried on backend 1, busy until 2.1 s.
  //   200 ms  x: backend 0 refuses; backend 1 is full: x waits, having tried backend 0.
  //   600 ms  z: backend 0 is back: busy with z until 1.6 s.
  //   700 ms  y: both full: y waits behind x.
  //   1.6 s   z's response frees backend 0: x may not go there (tried), y may: y goes.
  // Had the drain stopped at x, y would have waited until 2.1 s.
  ProxySpec p = one_connection_each();
  p.health.max_fails = 0;
  ScenarioSpec spec = scenario(
      {proxy_host("edge", {1, 2}, p), workers_host("a0", 1, sim::ConstantDist{sim::seconds(1)}),
       workers_host("a1", 1, sim::ConstantDist{sim::seconds(2)})},
      {one_request("q", 100), one_request("x", 200), one_request("z", 600), one_request("y", 700)}, sim::seconds(3));
  FaultSpec restart;
  restart.kind = FaultKind::kRestart;
  restart.at = sim::Time::zero();
  restart.length = sim::milliseconds(500);
  restart.host = 1;
  restart.port = 80;
  spec.faults.push_back(restart);
  Stepper st(spec);
  st.advance_to(at_ms(1500));
  Snapshot s = st.snapshot();
  CHECK(s.proxies[0].queued == 2);
  CHECK(s.proxies[0].so_far.backends[0].tries == 3);  // q, x, z
  st.advance_to(at_ms(1700));
  s = st.snapshot();
  CHECK(s.proxies[0].queued == 1);                    // x
  CHECK(s.proxies[0].so_far.backends[0].tries == 4);  // and y
}

TEST_CASE("a busy event loop serves the requests on its pooled connections after its work, before its next accept",
          "[proxy][pool]") {
  // One backend loop (accept_cost 0, request_cost 10 ms, keep-alive 100 s) and a proxy
  // keeping two connections to it. a and b at 0 open both (the loop accepts one, works
  // 10 ms, then the other: answered at 10 and 20 ms) and are pooled. c and d at 1 s come
  // over them: c's 10 ms start at once, d waits for them (1.010 s to 1.020 s). A client
  // connecting to the backend directly at 1.005 s finds the loop busy: its connection is
  // accepted only after d's request, at 1.020 s.
  ProxySpec p;
  p.keepalive = 2;
  p.max_connections = 2;
  const HostSpec app = loop_host("app", sim::seconds(100));
  Stepper st(
      scenario({proxy_host("edge", {1}, p), app},
               {client("ab", Os::kLinux, 0, simultaneous(2)), client("cd", Os::kLinux, 0, simultaneous(2, at_ms(1000))),
                client("direct", Os::kLinux, 1, simultaneous(1, at_ms(1005)))},
               sim::seconds(2)));
  st.advance_to(at_ms(1009));
  Snapshot s = st.snapshot();
  CHECK(s.proxies[0].so_far.requests.ok == 2);
  CHECK(s.proxies[0].so_far.backends[0].reused == 2);
  CHECK(s.loops[1].so_far.accepted == 2);
  st.advance_to(at_ms(1015));
  s = st.snapshot();
  CHECK(s.proxies[0].so_far.requests.ok == 3);  // c
  CHECK(s.loops[1].so_far.accepted == 2);       // the direct connection still waits
  CHECK(listener_of(s, "app").accept_len == 1);
  st.advance_to(at_ms(1019));
  CHECK(st.snapshot().proxies[0].so_far.requests.ok == 3);
  st.advance_to(at_ms(1021));
  s = st.snapshot();
  CHECK(s.proxies[0].so_far.requests.ok == 4);  // d
  CHECK(s.loops[1].so_far.accepted == 3);
  CHECK(listener_of(s, "app").accept_len == 0);
}

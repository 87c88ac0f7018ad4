// The proxy tier (model/proxy.h): what a request through a proxy gets when its upstream
// refuses, times out or fails over, chains of proxies, retries on 5xx, the counts' balance
// and determinism. Expected values come from the rules themselves (a port nothing listens
// on answers RST: tcp_v4_send_reset; a SYN to a host that is down is lost; nginx's
// proxy_next_upstream, max_fails and fail_timeout), never from a run.
#include <catch2/catch.hpp>
#include <cmath>

#include "model/network.h"
#include "model/proxy.h"
#include "model/stepper.h"
#include "model/world.h"
#include "scenario_builder.h"

using namespace model;
using namespace model::test;

namespace {

// A host with no listener on port 80: every SYN to it gets RST.
HostSpec refusing_host(std::string name) {
  HostSpec h = host(std::move(name), Os::kLinux, backlog(128), 1);
  h.listeners[0].port = 81;
  return h;
}

HostSpec app_host(std::string name, int workers = 64) {
  return host(std::move(name), Os::kLinux, backlog(4096), workers, sim::ExponentialDist{sim::milliseconds(5)});
}

// The half-width, in standard deviations, of every count interval below: a Poisson or
// binomial count falls outside mean ± 4 sd with probability about 6e-5 (normal
// approximation; every mean here is 40 or more), and the seeds being fixed, a correct model
// fails a check on every run or never.
constexpr double kZ = 4.0;

// Whether `count` is within kZ standard deviations of a Poisson count of mean `mean`: the
// arrivals of a Poisson process of rate λ over a span T number Poisson(λT).
bool poisson_count(std::uint64_t count, double mean) {
  UNSCOPED_INFO("count " << count << ", Poisson mean " << mean << " ± " << kZ * std::sqrt(mean));
  return std::abs(static_cast<double>(count) - mean) <= kZ * std::sqrt(mean);
}

// Every count of a run through proxies adds up (World checks them too: internal_error).
void check_balanced(const RunResults& r) {
  REQUIRE(r.internal_error.empty());
  std::uint64_t requests = 0;
  for (const ClientResults& g : r.clients) {
    REQUIRE(g.counts.balanced());
    REQUIRE(g.requests.balanced());
    if (g.through_proxy) REQUIRE(g.requests.requests == g.counts.accepted);
    requests += g.requests.requests;
  }
  REQUIRE(r.requests.requests == requests);
  for (const ProxyResults& p : r.proxies) REQUIRE(p.requests.balanced());
}

}  // namespace

TEST_CASE("with_upstream_groups: one upstream group per proxy, after the scenario's own, named after its host",
          "[proxy]") {
  const ScenarioSpec spec = scenario({proxy_host("edge", {1}), app_host("app")},
                                     {client("users", Os::kLinux, 0, PoissonArrivals{10})}, sim::seconds(1));
  const ScenarioSpec s = with_upstream_groups(spec);
  REQUIRE(s.clients.size() == 2);
  CHECK(s.clients[1].name == "edge");
  CHECK(s.clients[1].upstream_of == std::optional<std::size_t>(0));
  CHECK(s.clients[1].connect_timeout == spec.hosts[0].proxy->connect_timeout);
  CHECK(s.clients[1].retry.policy == RetryPolicy::kNone);
  CHECK(upstream_group_host(spec, 1) == std::optional<std::size_t>(0));
  CHECK(!upstream_group_host(spec, 0));
}

TEST_CASE("a backend that refuses everything: 502 to every request the proxy took, no TCP refusal to the clients",
          "[proxy]") {
  // Port 80 of `dead` has no socket: every upstream SYN gets RST (tcp_v4_send_reset), a
  // refusal, so every request is a bad gateway. Passive health off (max_fails 0), so the
  // proxy never gives 503 for want of a backend.
  ProxySpec p;
  p.health.max_fails = 0;
  ScenarioSpec spec = scenario({proxy_host("edge", {1}, p), refusing_host("dead")},
                               {client("users", Os::kLinux, 0, PoissonArrivals{200})}, sim::seconds(10));
  const RunResults r = run_scenario(spec);
  check_balanced(r);
  const ClientResults& g = r.clients[0];
  REQUIRE(g.through_proxy);
  CHECK(g.counts.refused == 0);
  // Every attempt is accepted (the proxy's queue and loop have room for all, and no network
  // time leaves one in flight at the end): Poisson(λT) of them, λ = 200/s, T = 10 s.
  CHECK(g.counts.accepted == g.counts.attempts);
  CHECK(poisson_count(g.counts.accepted, 200.0 * 10));
  const std::uint64_t decided = g.requests.decided();
  CHECK(g.requests.bad_gateway == decided);
  CHECK(g.requests.ok == 0);
  REQUIRE(r.proxies.size() == 1);
  const ProxyResults& px = r.proxies[0];
  CHECK(px.requests.bad_gateway == decided);
  CHECK(px.backends[0].refused == px.backends[0].connects);
  CHECK(px.backends[0].connects == decided);
  // One listener per host: the edge's on 80 and dead's on 81.
  CHECK(r.listeners.size() == 2);
}

TEST_CASE("one backend is never marked down (nginx ignores max_fails for a single server)", "[proxy]") {
  ScenarioSpec spec = scenario({proxy_host("edge", {1}), refusing_host("dead")},
                               {client("users", Os::kLinux, 0, PoissonArrivals{100})}, sim::seconds(5));
  const RunResults r = run_scenario(spec);
  check_balanced(r);
  CHECK(r.proxies[0].backends[0].marked_down == 0);
  CHECK(r.proxies[0].no_backend == 0);
  CHECK(r.clients[0].requests.bad_gateway == r.clients[0].requests.decided());
}

TEST_CASE("a request queued again after a failed try waits its own queue.timeout, not its first stint's", "[proxy]") {
  // Backends a (one worker, 1 s per request) and b (its host down: every SYN lost), at most
  // one upstream connection each, a queue of 5 with a 1.5 s timeout, connect_timeout 400 ms,
  // passive health off; 3 requests at t = 0. Round robin: #1 -> a, #2 -> b, #3 waits (from
  // 0). At 0.4 s #2's connect times out: a is full, so it waits (from 0.4); b is free and #3
  // goes there. At 0.8 s #3's connect times out: it waits again (from 0.8, until 2.3 at
  // most). At 1 s #1 is answered and #2 goes to a (answered at 2 s), then #3 (answered at
  // 3 s). Nobody waits 1.5 s in one stint: 3 ok, no queue timeout; the longest stint is #3's
  // second, 1.2 s.
  ProxySpec p;
  p.max_connections = 1;
  p.queue.limit = 5;
  p.queue.timeout = sim::milliseconds(1500);
  p.connect_timeout = sim::milliseconds(400);
  p.health.max_fails = 0;
  HostSpec a = host("a", Os::kLinux, backlog(16), 1, sim::ConstantDist{sim::seconds(1)});
  ScenarioSpec spec = scenario({proxy_host("edge", {1, 2}, p), a, app_host("b")},
                               {client("users", Os::kLinux, 0, simultaneous(3))}, sim::seconds(10));
  FaultSpec down;
  down.kind = FaultKind::kHostDown;
  down.at = sim::Time::zero();
  down.length = sim::seconds(100);
  down.host = 2;
  spec.faults.push_back(down);
  const RunResults r = run_scenario(spec);
  check_balanced(r);
  const ProxyResults& px = r.proxies[0];
  CHECK(px.requests.ok == 3);
  CHECK(px.queue_timeouts == 0);
  CHECK(px.next_upstream == 2);
  CHECK(px.queue_wait.max() == sim::milliseconds(1200).ns());
  CHECK(px.first_byte.max() == sim::seconds(3).ns());
}

TEST_CASE("an upstream connect timeout shorter than the backend's SYN recovery gives 504 at the timeout", "[proxy]") {
  // The backend host is down for the whole run: every upstream SYN is lost. Linux's first
  // SYN retransmission comes after 1 s; with connect_timeout 400 ms the proxy gives up
  // first, and every decided request gets 504 exactly 400 ms after the proxy had it (its
  // loop costs nothing and the network takes no time), which is also the client's time to
  // first byte.
  ProxySpec p;
  p.connect_timeout = sim::milliseconds(400);
  ScenarioSpec spec = scenario({proxy_host("edge", {1}, p), app_host("app")},
                               {client("users", Os::kLinux, 0, PoissonArrivals{100})}, sim::seconds(10));
  FaultSpec down;
  down.kind = FaultKind::kHostDown;
  down.at = sim::Time::zero();
  down.length = sim::seconds(100);
  down.host = 1;
  spec.faults.push_back(down);
  const RunResults r = run_scenario(spec);
  check_balanced(r);
  const ClientResults& g = r.clients[0];
  const std::uint64_t decided = g.requests.decided();
  // A request is decided 400 ms after it arrives: those of the first T - 400 ms are,
  // Poisson(λ(T - 0.4 s)); those of the last 400 ms are pending, Poisson(λ · 0.4 s).
  CHECK(poisson_count(decided, 100.0 * (10 - 0.4)));
  CHECK(poisson_count(g.requests.pending, 100.0 * 0.4));
  CHECK(g.requests.gateway_timeout == decided);
  CHECK(g.counts.timed_out == 0);
  const ProxyResults& px = r.proxies[0];
  CHECK(px.first_byte.min() == sim::milliseconds(400).ns());
  CHECK(px.first_byte.max() == sim::milliseconds(400).ns());
  CHECK(g.first_byte.min() == sim::milliseconds(400).ns());
  CHECK(g.first_byte.max() == sim::milliseconds(400).ns());
  CHECK(px.backends[0].timed_out == decided);
  CHECK(px.backends[0].connect_latency.count() == 0);
}

TEST_CASE("next_upstream: a refusing backend among healthy ones, tried again elsewhere, marked down by max_fails",
          "[proxy]") {
  // Round robin over dead, app1, app2. nginx's defaults: proxy_next_upstream error timeout,
  // max_fails 1, fail_timeout 10 s. The first request sent to `dead` is refused, retried on
  // the next backend (ok), and marks `dead` down for 10 s; the first request after that
  // meets it again. In 15 s: two refusals, two marks, two next-upstream retries, and every
  // request answered.
  ScenarioSpec spec =
      scenario({proxy_host("edge", {1, 2, 3}), refusing_host("dead"), app_host("app1"), app_host("app2")},
               {client("users", Os::kLinux, 0, PoissonArrivals{100})}, sim::seconds(15));
  const RunResults r = run_scenario(spec);
  check_balanced(r);
  const ProxyResults& px = r.proxies[0];
  const ClientResults& g = r.clients[0];
  CHECK(g.requests.ok == g.requests.decided());
  CHECK(px.backends[0].refused == 2);
  CHECK(px.backends[0].marked_down == 2);
  CHECK(px.next_upstream == 2);
  CHECK(px.backends[0].ok == 0);
  CHECK(px.backends[1].ok + px.backends[2].ok == g.requests.ok);

  SECTION("without next_upstream on error, each refusal is the request's 502") {
    spec.hosts[0].proxy->next_upstream.on_error = false;
    const RunResults q = run_scenario(spec);
    check_balanced(q);
    CHECK(q.proxies[0].next_upstream == 0);
    CHECK(q.clients[0].requests.bad_gateway == q.proxies[0].backends[0].refused);
    CHECK(q.proxies[0].backends[0].refused == 2);
  }
  SECTION("with max_fails 0, the dead backend keeps its share of tries") {
    spec.hosts[0].proxy->health.max_fails = 0;
    const RunResults q = run_scenario(spec);
    check_balanced(q);
    CHECK(q.proxies[0].backends[0].marked_down == 0);
    // Each refused try is retried. Round robin moves one place past every pick, a retry's
    // included (pick_backend: next = pick + 1), so the picks go dead, app1 (the retry),
    // app2, dead, app1, app2, ...: requests 1, 3, 5, ... meet dead, ceil(N / 2) of the N
    // requests (every try is decided at once: nothing overlaps). N is Poisson(λT), λ =
    // 100/s, T = 15 s.
    const std::uint64_t n = q.proxies[0].requests.requests;
    CHECK(poisson_count(n, 100.0 * 15));
    CHECK(q.proxies[0].next_upstream == q.proxies[0].backends[0].refused);
    CHECK(q.proxies[0].backends[0].refused == (n + 1) / 2);
    CHECK(q.clients[0].requests.ok == q.clients[0].requests.decided());
  }
  SECTION("every backend down: 503 for want of one") {
    spec.hosts[2] = refusing_host("app1");
    spec.hosts[3] = refusing_host("app2");
    const RunResults q = run_scenario(spec);
    check_balanced(q);
    // The first request is refused by all three in turn (two next-upstream retries), each
    // refusal marking its backend down for fail_timeout (10 s): its result is the last
    // try's, 502. Every request of the next 10 s finds none up: 503. The first after the
    // marks expire does the same again (marked down until past the run's end at 15 s).
    const RequestCounts& c = q.clients[0].requests;
    const std::uint64_t decided = c.decided();
    CHECK(poisson_count(decided, 100.0 * 15));
    CHECK(c.bad_gateway == 2);
    CHECK(q.proxies[0].next_upstream == 4);
    CHECK(q.proxies[0].no_backend == decided - 2);
    for (const UpstreamResults& b : q.proxies[0].backends) {
      CHECK(b.refused == 2);
      CHECK(b.marked_down == 2);
    }
    CHECK(c.unavailable == q.proxies[0].no_backend);
    CHECK(c.ok == 0);
  }
}

namespace {

// Five requests at once to a proxy with at most one upstream connection and a queue of 2
// (1.5 s timeout) in front of one worker taking 1 s per request, for 10 s.
ScenarioSpec queue_scenario() {
  ProxySpec p;
  p.max_connections = 1;
  p.queue.limit = 2;
  p.queue.timeout = sim::milliseconds(1500);
  HostSpec app = host("app", Os::kLinux, backlog(16), 1, sim::ConstantDist{sim::seconds(1)});
  return scenario({proxy_host("edge", {1}, p), app}, {client("users", Os::kLinux, 0, simultaneous(5))},
                  sim::seconds(10));
}

}  // namespace

TEST_CASE("a full queue and a queue timeout give 503", "[proxy]") {
  // One backend worker that takes 1 s per request, at most one upstream connection, a queue
  // of 2 with a 1.5 s timeout; 5 requests at once. The first goes, two wait, two find the
  // queue full (503 at once). At 1 s the first is answered, its connection closes
  // (keepalive 0) and the oldest waiting request opens a new one (waited 1 s, answered at
  // 2 s); the other has waited 1.5 s at 1.5 s and gets 503.
  const RunResults r = run_scenario(queue_scenario());
  check_balanced(r);
  const ProxyResults& px = r.proxies[0];
  CHECK(px.requests.requests == 5);
  CHECK(px.requests.ok == 2);
  CHECK(px.requests.unavailable == 3);
  CHECK(px.queue_full == 2);
  CHECK(px.queued == 2);
  CHECK(px.queue_timeouts == 1);
  CHECK(px.queue.max == 2);
  CHECK(px.queue_wait.max() == sim::milliseconds(1500).ns());
  CHECK(px.first_byte.max() == sim::seconds(2).ns());
}

TEST_CASE("keep-alive pool: one upstream connection carries every request of a sequential client", "[proxy]") {
  // One request at a time (1 ms apart, each answered at once): the first opens the upstream
  // connection, the rest reuse it from the pool.
  ProxySpec p;
  p.keepalive = 4;
  ScenarioSpec spec = scenario({proxy_host("edge", {1}, p), host("app", Os::kLinux, backlog(16), 1)},
                               {client("users", Os::kLinux, 0, one_by_one(50))}, sim::seconds(1));
  const RunResults r = run_scenario(spec);
  check_balanced(r);
  const UpstreamResults& u = r.proxies[0].backends[0];
  CHECK(u.connects == 1);
  CHECK(u.reused == 49);
  CHECK(u.ok == 50);
  CHECK(u.max_open == 1);
}

TEST_CASE("a chain of proxies: edge -> sidecar -> app, each request counted at each hop", "[proxy]") {
  ProxySpec p;
  SECTION("new connections at each hop") {}
  SECTION("keep-alive pools at each hop") { p.keepalive = 8; }
  ScenarioSpec spec = scenario({proxy_host("edge", {1}, p), proxy_host("sidecar", {2}, p), app_host("app")},
                               {client("users", Os::kLinux, 0, PoissonArrivals{200})}, sim::seconds(5));
  spec.hosts[2].listeners[0].port = 80;
  const RunResults r = run_scenario(spec);
  check_balanced(r);
  REQUIRE(r.proxies.size() == 2);
  const ClientResults& g = r.clients[0];
  CHECK(g.requests.ok == g.requests.decided());
  CHECK(poisson_count(g.requests.requests, 200.0 * 5));  // Poisson(λT): every attempt is a request
  // Every request of the edge went on to the sidecar (one try each, nothing failed).
  CHECK(r.proxies[1].requests.requests == r.proxies[0].backends[0].tries);
  CHECK(r.proxies[1].requests.ok == r.proxies[0].backends[0].ok);
  CHECK(r.proxies[1].backends[0].ok == r.proxies[1].requests.ok);
  // The app's listener accepted the sidecar's new upstream connections, and only those.
  for (const ListenerResults& l : r.listeners) {
    if (l.host == "app") CHECK(l.accepted == r.proxies[1].backends[0].connects);
  }
}

TEST_CASE("a 5xx through the proxy: users retry on it only when `on` says so", "[proxy]") {
  ProxySpec p;
  p.health.max_fails = 0;
  ScenarioSpec spec =
      scenario({proxy_host("edge", {1}, p), refusing_host("dead")},
               {client("users", Os::kLinux, 0, ClosedLoopArrivals{10, sim::ConstantDist{sim::milliseconds(100)}})},
               sim::seconds(2));
  spec.clients[0].retry.max = 2;
  spec.clients[0].retry.backoff = sim::milliseconds(10);
  // Every request gets its 502 at the instant it is made (no network time, no CPU on the
  // proxy's loop, the refusal at once). Each of the 10 users thinks 100 ms first, so it
  // makes its first request at 100 ms.
  SECTION("default `on`: no retry after a 502") {
    const RunResults r = run_scenario(spec);
    check_balanced(r);
    CHECK(r.clients[0].retries_on_5xx == 0);
    CHECK(r.clients[0].app_retries == 0);
    // One request per think: at 100, 200, ..., 1900 ms, 19 per user.
    CHECK(r.clients[0].requests.requests == 10 * 19);
  }
  SECTION("on: [refused, timed_out, 5xx]: two retries after each first 502") {
    spec.clients[0].retry.on |= kRetryOn5xx;
    const RunResults r = run_scenario(spec);
    check_balanced(r);
    const ClientResults& g = r.clients[0];
    // Every 502 is retried while the chain has made fewer than max = 2 retries: each first
    // try's 502 brings exactly two, after 10 and then 20 ms (exponential backoff, factor 2,
    // no jitter). A chain: 502s at t, t + 10 ms, t + 30 ms, then 100 ms of thinking; chains
    // start at 100 + 130 k ms, k = 0..14 before 2 s, and the last one's retries (1930, 1950
    // ms) are inside the run: 15 chains per user, none cut short.
    CHECK(g.requests.pending == 0);
    CHECK(g.requests.bad_gateway == g.requests.requests);
    const std::uint64_t first_tries = g.requests.requests - g.retries_on_5xx;
    CHECK(g.retries_on_5xx == 2 * first_tries);
    CHECK(first_tries == 10 * 15);
    CHECK(g.app_retries == g.retries_on_5xx);
  }
}

TEST_CASE("the same proxy scenario and seed give the same digest; another seed another", "[proxy][determinism]") {
  ProxySpec p;
  p.keepalive = 2;
  p.max_connections = 3;
  p.queue.limit = 5;
  p.policy = BalancePolicy::kTwoChoices;
  ScenarioSpec spec =
      scenario({proxy_host("edge", {1, 2, 3}, p), refusing_host("dead"), app_host("app1", 2), app_host("app2", 2)},
               {client("users", Os::kLinux, 0, PoissonArrivals{300})}, sim::seconds(5), 7);
  const RunResults a = run_scenario(spec);
  const RunResults b = run_scenario(spec);
  check_balanced(a);
  CHECK(a.digest == b.digest);
  CHECK(a.proxies[0].requests.ok == b.proxies[0].requests.ok);
  spec.seed = 8;
  CHECK(run_scenario(spec).digest != a.digest);
}

TEST_CASE("the stepper's snapshot shows each proxy's queue and upstream connections", "[proxy][stepper]") {
  ProxySpec p;
  p.keepalive = 2;
  ScenarioSpec spec = scenario({proxy_host("edge", {1}, p), app_host("app")},
                               {client("users", Os::kLinux, 0, PoissonArrivals{100})}, sim::seconds(2));
  Stepper stepper(spec);
  stepper.advance_to(sim::Time::zero() + sim::seconds(1));
  const Snapshot s = stepper.snapshot();
  REQUIRE(s.proxies.size() == 1);
  CHECK(s.proxies[0].host == 0);
  REQUIRE(s.proxies[0].backends.size() == 1);
  // The first request's connection stays open (keepalive 2, nothing closes it), idle or
  // carrying a request; the pool never holds more than keepalive idle.
  CHECK(s.proxies[0].backends[0].idle + s.proxies[0].backends[0].busy >= 1);
  CHECK(s.proxies[0].backends[0].idle <= 2);
  // Requests so far: Poisson(λt), λ = 100/s, t = 1 s; each decided one is answered.
  const RequestCounts& so_far = s.proxies[0].so_far.requests;
  CHECK(poisson_count(so_far.requests, 100.0 * 1));
  CHECK(so_far.ok == so_far.decided());
}

TEST_CASE("a request through one proxy costs at most about twice a direct connection's events", "[proxy][speed]") {
  // The same Poisson clients (λ = 500/s for T = 20 s: the same arrivals in each run, the
  // group's stream being the same) to the same backend (64 workers, exponential service of
  // mean 5 ms), once directly and once through a proxy (its loop costs no CPU, no keep-alive
  // of its own), without and with an upstream keep-alive pool. No network time.
  //
  // The engine events each costs, from the model's schedule calls:
  //   a direct connection, 5: its arrival (Clients), the SYN, SYN-ACK and final ACK
  //     delivered (Wire), its worker's end of service (Listeners);
  //   a request through the proxy on a new upstream connection, 10: the client's arrival and
  //     three segments (4), the proxy loop's end of work and its close of the client
  //     connection after the result (EventLoops: 2; the proxy takes the request with no
  //     event of its own when its loop's work is 0), the upstream connect()'s three
  //     segments (3: Proxies calls it directly, no arrival), the backend worker's end of
  //     service, which is the response (1);
  //   ... on a reused keep-alive connection, 7: the same 4 + 2, and the response after the
  //     backend's per-request cost (Proxies' kResponse: 1).
  // A request undecided at the end has had all but its last 2 (its response and the
  // close). Besides these, the retransmission timers (client SYN and server SYN-ACK, both
  // 1 s, TCP_TIMEOUT_INIT) are set on every connection and have nothing to do by the time
  // they come due; they wait in timer lanes (sim/timer_lanes.h), which cost an engine event
  // only when a lane's oldest live entry comes due: about once per second of run per lane,
  // however many connections. The tolerance for them is twice that for one lane,
  // 2 (T / 1 s + 1) events in the run: a cost per run, not per request, so one more event
  // per request (N of them) cannot hide in it.
  // So the ratio through a proxy is 10 / 5 = 2, and with the pool near 7 / 5 once reuse
  // dominates.
  constexpr double kRate = 500, kSeconds = 20, kServiceS = 0.005;
  const std::int64_t timer_events = 2 * (static_cast<std::int64_t>(kSeconds) + 1);
  struct Run {
    RunResults r;
    std::int64_t events() const { return static_cast<std::int64_t>(r.events); }
    std::int64_t accepted() const { return static_cast<std::int64_t>(r.clients[0].counts.accepted); }
  };
  const auto run = [&](bool through_proxy, std::int64_t keepalive) {
    ProxySpec p;
    p.keepalive = keepalive;
    std::vector<HostSpec> hosts{proxy_host("edge", {1}, p), app_host("app", 64)};  // mean service 5 ms (app_host)
    ScenarioSpec spec = scenario(hosts, {client("users", Os::kLinux, through_proxy ? 0 : 1, PoissonArrivals{kRate})},
                                 sim::seconds(static_cast<std::int64_t>(kSeconds)));
    Run out{run_scenario(spec)};
    check_balanced(out.r);
    return out;
  };
  const Run direct = run(false, 0);
  const Run proxied = run(true, 0);
  const Run pooled = run(true, 32);
  const std::int64_t n = direct.accepted();
  REQUIRE(proxied.accepted() == n);
  REQUIRE(pooled.accepted() == n);

  // Direct: the connections in service at the end miss their last event. With 64 workers
  // and λE[S] = 2.5 busy on average, that number is Poisson(λE[S]) (M/M/∞).
  const double busy = kRate * kServiceS;
  const auto in_service = static_cast<std::int64_t>(std::ceil(busy + kZ * std::sqrt(busy)));
  CHECK(direct.events() >= 5 * n - in_service);
  CHECK(direct.events() <= 5 * n + timer_events);

  const RequestCounts& pr = proxied.r.clients[0].requests;
  const auto pending = static_cast<std::int64_t>(pr.pending);
  CHECK(proxied.events() - (10 * (n - pending) + 8 * pending) >= 0);
  CHECK(proxied.events() - (10 * (n - pending) + 8 * pending) <= timer_events);

  const UpstreamResults& u = pooled.r.proxies[0].backends[0];
  const auto connects = static_cast<std::int64_t>(u.connects), reused = static_cast<std::int64_t>(u.reused);
  const auto pooled_pending = static_cast<std::int64_t>(pooled.r.clients[0].requests.pending);
  REQUIRE(connects + reused == n);
  // A pool of 32 never closes a connection here (never more than 32 open at once), so a
  // new one is opened only when every open one is busy: connects is the most ever open.
  CHECK(u.max_open <= 32);
  CHECK(connects == u.max_open);
  CHECK(pooled.events() - (10 * connects + 7 * reused - 2 * pooled_pending) >= 0);
  CHECK(pooled.events() - (10 * connects + 7 * reused - 2 * pooled_pending) <= timer_events);

  // The ratios the counts above imply, and the "at most about twice".
  const auto per = [](std::int64_t a, std::int64_t b) { return static_cast<double>(a) / static_cast<double>(b); };
  WARN("events per request: direct " << per(direct.events(), n) << ", through a proxy " << per(proxied.events(), n)
                                     << " (ratio " << per(proxied.events(), direct.events())
                                     << "), with a keep-alive pool " << per(pooled.events(), n) << " (ratio "
                                     << per(pooled.events(), direct.events()) << ")");
  const double slack = per(timer_events + in_service, 5 * n);
  CHECK(per(proxied.events(), direct.events()) <= 2.0 * (1 + slack));
  CHECK(per(pooled.events(), direct.events()) <= (7.0 + 3.0 * per(connects, n)) / 5.0 * (1 + slack));
}

namespace {

struct ProxySteps final : TraceObserver {
  std::vector<TraceEvent> events;
  void on_event(const TraceEvent& e) override {
    if (e.kind == TraceKind::kProxyRequest || e.kind == TraceKind::kProxyQueued || e.kind == TraceKind::kUpstreamFail ||
        e.kind == TraceKind::kBackendDown || e.kind == TraceKind::kRequestResult) {
      events.push_back(e);
    }
  }
};

}  // namespace

TEST_CASE("the proxy's steps reach an observer, hop by hop, with the client's attempt", "[proxy][trace]") {
  // One client connection; the proxy's round robin starts at `dead` (refused: a failed try,
  // which marks it down), then goes on to `app` (a new connection), which answers.
  ScenarioSpec spec = scenario({proxy_host("edge", {1, 2}), refusing_host("dead"), app_host("app")},
                               {client("users", Os::kLinux, 0, one_by_one(1))}, sim::seconds(1));
  ProxySteps steps;
  RunControl control;
  control.observer = &steps;
  const RunResults r = run_scenario(spec, control);
  check_balanced(r);
  REQUIRE(steps.events.size() == 5);
  const std::vector<TraceKind> kinds{TraceKind::kProxyRequest, TraceKind::kUpstreamFail, TraceKind::kBackendDown,
                                     TraceKind::kProxyRequest, TraceKind::kRequestResult};
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    CHECK(steps.events[i].kind == kinds[i]);
    CHECK(steps.events[i].client == 0);
    CHECK(steps.events[i].attempt == 1);
    CHECK(steps.events[i].proxy == 0);
  }
  CHECK(steps.events[0].backend == 0);
  CHECK(steps.events[0].proxy_step == ProxyStep::kConnect);
  CHECK(steps.events[1].proxy_step == ProxyStep::kRefused);
  CHECK(steps.events[2].fails == 1);
  CHECK(steps.events[3].backend == 1);
  CHECK(steps.events[3].try_no == 2);
  CHECK(steps.events[4].request == RequestResult::kOk);
  CHECK(steps.events[4].proxy_step == ProxyStep::kAnswered);
  // Watching changes nothing.
  CHECK(run_scenario(spec).digest == r.digest);
}

TEST_CASE("requests are counted in the measurement window, like outcomes", "[proxy][measure]") {
  ScenarioSpec spec = scenario({proxy_host("edge", {1}), app_host("app")},
                               {client("users", Os::kLinux, 0, PoissonArrivals{200})}, sim::seconds(6));
  spec.measure = MeasureWindow{sim::Time::zero() + sim::seconds(2), sim::Time::zero() + sim::seconds(4)};
  const RunResults r = run_scenario(spec);
  check_balanced(r);
  const ClientResults& g = r.clients[0];
  // The attempts that start in the 2 s window: Poisson(λ · 2 s), λ = 200/s; each accepted
  // one is one request.
  CHECK(poisson_count(g.counts.attempts, 200.0 * 2));
  CHECK(g.requests.requests == g.counts.accepted);
  CHECK(r.proxies[0].requests.requests == g.requests.requests);
  CHECK(r.proxies[0].backends[0].tries == g.requests.requests);
}

TEST_CASE("upstream connect()s cross the network from the proxy host", "[proxy][network]") {
  // users -5 ms- edge -10 ms- app. The client's handshake with the edge ends at 15 ms (its
  // final ACK arrives); the edge's SYN reaches the app at 25 ms, its SYN-ACK is back at 35 ms
  // (an upstream connect latency of 20 ms) and the final ACK completes the connection at
  // the app at 45 ms, whose worker answers at once. Requests and responses take no network
  // time (model/proxy.h): first byte at 45 ms for the client, 30 ms after the proxy's accept.
  ScenarioSpec spec = scenario({proxy_host("edge", {1}), host("app", Os::kLinux, backlog(16), 1)},
                               {client("users", Os::kLinux, 0, one_by_one(1))}, sim::seconds(1));
  NetworkSpec net;
  net.links.push_back({"users", "edge", sim::milliseconds(5), sim::Duration::zero(), 0.0});
  net.links.push_back({"edge", "app", sim::milliseconds(10), sim::Duration::zero(), 0.0});
  spec.network = net;
  const RunResults r = run_scenario(spec);
  check_balanced(r);
  REQUIRE(r.clients[0].requests.ok == 1);
  CHECK(r.clients[0].first_byte.max() == sim::milliseconds(45).ns());
  CHECK(r.proxies[0].first_byte.max() == sim::milliseconds(30).ns());
  CHECK(r.proxies[0].backends[0].connect_latency.max() == sim::milliseconds(20).ns());

  SECTION("a backend the proxy host cannot reach is named") {
    spec.network->links.pop_back();
    const NetworkBuild b = Network::build(with_upstream_groups(spec));
    CHECK(!b.network);
    REQUIRE(b.unreachable.size() == 1);
    CHECK(b.unreachable[0] == "edge -> app");
    // ... as data: the edge's upstream group (after the scenario's one group), backend 0.
    CHECK(b.unreachable_upstreams == std::vector<UpstreamIndex>{{1, 0}});
    CHECK(b.unreachable_clients == std::vector<std::size_t>{1});
  }
}

TEST_CASE("a proxy host that goes down cuts its own upstream connections", "[proxy][faults]") {
  // users -0- edge -100 ms- app. The client's connection is accepted at 450 ms and the
  // edge's SYN reaches the app at 550 ms; the edge is down from 500 ms, so the app's
  // SYN-ACK (sent at 550 ms) is lost, and so is the SYN the edge retransmits at 1450 ms
  // (Linux's first RTO, 1 s): at connect_timeout, 2 s after the accept, the request is a 504.
  ProxySpec p;
  p.connect_timeout = sim::seconds(2);
  ScenarioSpec spec = scenario(
      {proxy_host("edge", {1}, p), host("app", Os::kLinux, backlog(16), 1)},
      {client("users", Os::kLinux, 0, one_by_one(1, sim::Time::zero() + sim::milliseconds(450)))}, sim::seconds(5));
  NetworkSpec net;
  net.links.push_back({"users", "edge", sim::Duration::zero(), sim::Duration::zero(), 0.0});
  net.links.push_back({"edge", "app", sim::milliseconds(100), sim::Duration::zero(), 0.0});
  spec.network = net;
  FaultSpec down;
  down.kind = FaultKind::kHostDown;
  down.at = sim::Time::zero() + sim::milliseconds(500);
  down.length = sim::seconds(10);
  down.host = 0;
  spec.faults.push_back(down);
  const RunResults r = run_scenario(spec);
  check_balanced(r);
  REQUIRE(r.clients[0].requests.requests == 1);
  CHECK(r.clients[0].requests.gateway_timeout == 1);
  CHECK(r.proxies[0].first_byte.max() == sim::seconds(2).ns());
}

TEST_CASE("the proxy's queue statistics cover the measurement window", "[proxy][measure]") {
  // The queue scenario above: two requests wait from 0 to 1 s, one from 1 s to 1.5 s (its
  // timeout), none after. Over the window [1.2 s, 2 s): one waits for 0.3 s of 0.8 s.
  ScenarioSpec spec = queue_scenario();
  const RunResults whole = run_scenario(spec);
  CHECK(whole.proxies[0].queue.max == 2);
  CHECK(whole.proxies[0].queue.mean == Approx((2 * 1.0 + 1 * 0.5) / 10).epsilon(1e-12));
  spec.measure = MeasureWindow{sim::Time::zero() + sim::milliseconds(1200), sim::Time::zero() + sim::seconds(2)};
  const RunResults r = run_scenario(spec);
  check_balanced(r);
  CHECK(r.proxies[0].queue.max == 1);
  CHECK(r.proxies[0].queue.mean == Approx(0.3 / 0.8).epsilon(1e-12));
  CHECK(r.proxies[0].queue.full_fraction == 0);
  CHECK(r.proxies[0].requests.requests == 0);  // every request started before the window
}

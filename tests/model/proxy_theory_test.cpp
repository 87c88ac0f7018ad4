// Anchor: a proxy whose upstream pool to one backend is fixed at c connections
// (max_connections = keepalive = c) with a queue of K - c places and a timeout far beyond
// any wait, no connect cost (zero-latency network, no CPU on the proxy's loop), in front of
// a backend with more workers than can ever be busy and exponential service, is an
// M/M/c/K queue on the pool (Gross & Harris, section 2.5): the c upstream connections are
// the servers (a request holds one for its exponential service, first on a new connection,
// then on the idle one it finds), the proxy's queue the waiting room, and a request that
// finds c busy and K - c waiting gets 503. Poisson arrivals make its 503 rate the exact
// blocking probability P(N = K).
//
// Correlation: successive requests of one run are correlated (they share the queue), so the
// interval is built from independent replications (distinct seeds), each a long run whose
// 503 rate is one observation; their mean has a Student-t interval at kConfidence.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "../sim/theory.h"
#include "model/world.h"
#include "scenario_builder.h"
#include "sim/random.h"
#include "sim/stats.h"

using namespace model;
using namespace model::test;
using sim_test::kConfidence;

TEST_CASE("a proxy's fixed upstream pool with a queue is M/M/c/K: its 503 rate is the blocking probability",
          "[analytic][statistical][proxy]") {
  struct Case {
    double rate;        // requests per second
    double service_ms;  // the backend's mean service time
    int c;              // upstream connections
    int k;              // c + queue places
  };
  const Case cs = GENERATE(Case{200, 20, 4, 8}, Case{100, 50, 6, 7});
  const double mu = 1000.0 / cs.service_ms;
  const sim_test::MMcK theory = sim_test::mmck(cs.rate, mu, cs.c, cs.k - cs.c);
  INFO("theory: blocking " << theory.blocking << ", mean wait " << theory.wq << " s");

  constexpr int kReplications = 20;
  std::vector<double> blocked, wait;
  for (int rep = 0; rep < kReplications; ++rep) {
    HostSpec edge = host("edge", Os::kLinux, backlog(4096), 0);
    EventLoopSpec loops;
    loops.max_connections = 1'000'000;
    edge.listeners[0].loops = loops;
    ProxySpec p;
    p.port = 80;
    p.backends = {{1, 80}};
    p.max_connections = cs.c;
    p.keepalive = cs.c;
    p.queue.limit = cs.k - cs.c;
    p.queue.timeout = sim::seconds(100'000);
    edge.proxy = p;
    const HostSpec app = host("app", Os::kLinux, backlog(4096), 1000,
                              sim::ExponentialDist{sim::microseconds(static_cast<std::int64_t>(cs.service_ms * 1000))});
    ScenarioSpec spec = scenario({edge, app}, {client("load", Os::kLinux, 0, PoissonArrivals{cs.rate})},
                                 sim::seconds(200), sim::derive_seed(20261205, "proxy-mmck/" + std::to_string(rep)));
    const RunResults r = run_scenario(spec);
    REQUIRE(r.internal_error.empty());
    REQUIRE(r.proxies.size() == 1);
    const RequestCounts& q = r.proxies[0].requests;
    REQUIRE(q.balanced());
    REQUIRE(q.bad_gateway + q.gateway_timeout == 0);
    REQUIRE(r.proxies[0].queue_timeouts == 0);
    REQUIRE(r.proxies[0].backends[0].max_open <= cs.c);
    blocked.push_back(q.status_5xx_rate());
    // The mean wait of an admitted request, in seconds: queue_wait holds the waits of those
    // that queued; the others waited 0.
    const double admitted = static_cast<double>(q.ok + q.pending);
    wait.push_back(r.proxies[0].queue_wait.mean() * static_cast<double>(r.proxies[0].queue_wait.count()) / admitted /
                   1e9);
  }
  const auto b = sim::mean_confidence_interval(blocked, kConfidence);
  const auto w = sim::mean_confidence_interval(wait, kConfidence);
  INFO("503 rate " << b.mean << " ± " << b.half_width << "; mean wait " << w.mean << " ± " << w.half_width);
  CHECK(std::abs(b.mean - theory.blocking) <= b.half_width);
  CHECK(std::abs(w.mean - theory.wq) <= w.half_width);
  // The test must be able to fail: the intervals are narrow compared with the values.
  CHECK(b.half_width <= 0.1 * theory.blocking);
  CHECK(w.half_width <= 0.1 * theory.wq);
}

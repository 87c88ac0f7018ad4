// Anchor: one event loop with no CPU cost, max_connections = c and exponential keep-alive
// holds each accepted connection for an exponential time and takes the next from the
// accept queue the instant one closes: its connections are c servers and the accept queue
// their waiting room. Behind a Windows listener (RST when the queue of K = backlog is
// full), zero latency, no SYN retransmissions and Poisson arrivals, the whole is the
// M/M/c/(c+K) loss system of tests/model/analytic_test.cpp (Gross & Harris, section 2.5),
// so the refusal rate, the loop's mean open connections (the mean number in service,
// lambda (1 - B) / mu) and the fraction of time it spends at max_connections
// (P(N >= c)) are known exactly. The simulation must agree within confidence intervals
// from independent replications.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "../sim/theory.h"
#include "model/world.h"
#include "scenario_builder.h"
#include "sim/random.h"
#include "sim/stats.h"

using namespace model;
using namespace model::test;
using sim_test::kConfidence;

TEST_CASE("one event loop at max_connections = M/M/c/(c+K): refusals, open connections, time at the limit",
          "[analytic][statistical][event_loop]") {
  struct Case {
    double rate;
    double keepalive_ms;
    int max_connections;
    int backlog;
  };
  const Case cs = GENERATE(Case{1000, 8, 8, 4}, Case{500, 10, 4, 10});
  const double mu = 1000.0 / cs.keepalive_ms;
  const sim_test::MMcK theory = sim_test::mmck(cs.rate, mu, cs.max_connections, cs.backlog);
  const double open_theory = cs.rate * (1 - theory.blocking) / mu;
  // P(N >= c), the time every loop slot is taken: those who wait plus those refused.
  const double full_theory = theory.waiting * (1 - theory.blocking) + theory.blocking;
  INFO("theory: blocking " << theory.blocking << ", open " << open_theory << ", at max " << full_theory);

  constexpr int kReplications = 20;
  std::vector<double> refusal, open, full;
  for (int rep = 0; rep < kReplications; ++rep) {
    HostSpec h = host("server", Os::kWindows, backlog(cs.backlog), 0);
    EventLoopSpec loops;
    loops.max_connections = cs.max_connections;
    loops.keepalive = sim::ExponentialDist{sim::microseconds(static_cast<std::int64_t>(cs.keepalive_ms * 1000))};
    h.listeners[0].loops = loops;
    ScenarioSpec spec = scenario({h}, {client("load", Os::kWindows, 0, PoissonArrivals{cs.rate})}, sim::seconds(100),
                                 sim::derive_seed(20261205, "loop-mmck/" + std::to_string(rep)));
    spec.clients[0].syn_retries = 0;
    const RunResults r = run_scenario(spec);
    REQUIRE(r.clients[0].counts.balanced());
    REQUIRE(r.loops.size() == 1);
    refusal.push_back(r.clients[0].counts.refusal_rate());
    open.push_back(r.loops[0].open.mean);
    full.push_back(r.loops[0].open.full_fraction);
  }
  const auto b = sim::mean_confidence_interval(refusal, kConfidence);
  const auto o = sim::mean_confidence_interval(open, kConfidence);
  const auto f = sim::mean_confidence_interval(full, kConfidence);
  INFO("refusal " << b.mean << " ± " << b.half_width << "; open " << o.mean << " ± " << o.half_width << "; at max "
                  << f.mean << " ± " << f.half_width);
  CHECK(std::abs(b.mean - theory.blocking) <= b.half_width);
  CHECK(std::abs(o.mean - open_theory) <= o.half_width);
  CHECK(std::abs(f.mean - full_theory) <= f.half_width);
  // The test must be able to fail: the intervals are narrow compared with the values.
  CHECK(b.half_width <= 0.1 * theory.blocking);
  CHECK(o.half_width <= 0.05 * open_theory);
  CHECK(f.half_width <= 0.1 * full_theory);
}

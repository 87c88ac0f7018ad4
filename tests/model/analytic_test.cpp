// Anchor: a Windows listener with zero latency, no SYN retransmissions, no application
// retries, Poisson arrivals and exponential service is an M/M/c/(c+K) loss system with
// c = workers and K = backlog (README, "Checked against theory"). Its blocking probability, mean queue
// length and mean wait are known exactly; the simulation must agree within a confidence
// interval computed from independent replications.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "../sim/theory.h"
#include "model/world.h"
#include "scenario_builder.h"
#include "sim/random.h"
#include "sim/stats.h"

using namespace model;
using namespace model::test;
using sim_test::MMcK;
using sim_test::mmck;

namespace {

struct Case {
  double rate;
  double service_ms;
  int workers;
  int backlog;
};

}  // namespace

TEST_CASE("mmck reproduces a textbook value", "[analytic]") {
  // M/M/1/1 (Erlang loss with one server): B = a / (1 + a).
  CHECK(mmck(1.0, 1.0, 1, 0).blocking == Approx(0.5));
  // Erlang B, c = 2, a = 1: B = (1/2) / (1 + 1 + 1/2) = 0.2.
  CHECK(mmck(1.0, 1.0, 2, 0).blocking == Approx(0.2));
}

TEST_CASE("Windows listener = M/M/c/(c+K): refusal rate, queue length and wait match theory",
          "[analytic][statistical]") {
  const Case cs = GENERATE(Case{1000, 8, 8, 4},    // offered load 8 erlangs on 8 workers
                           Case{500, 10, 4, 10},   // overload: rho = 1.25
                           Case{2000, 1.5, 4, 2},  // short queue
                           Case{450, 16, 8, 8});   // rho = 0.9
  const MMcK theory = mmck(cs.rate, 1000.0 / cs.service_ms, cs.workers, cs.backlog);
  INFO("rate " << cs.rate << "/s, service " << cs.service_ms << " ms, c " << cs.workers << ", K " << cs.backlog);
  INFO("theory: blocking " << theory.blocking << ", Lq " << theory.lq << ", Wq " << theory.wq);

  constexpr int kReplications = 20;
  constexpr double kConfidence = 0.999;
  std::vector<double> refusal, lq, wq;
  for (int rep = 0; rep < kReplications; ++rep) {
    ScenarioSpec spec =
        scenario({host("server", Os::kWindows, backlog(cs.backlog), cs.workers,
                       sim::ExponentialDist{sim::microseconds(static_cast<std::int64_t>(cs.service_ms * 1000))})},
                 {client("load", Os::kWindows, 0, PoissonArrivals{cs.rate})}, sim::seconds(100),
                 sim::derive_seed(20261125, "mmck/" + std::to_string(rep)));
    spec.clients[0].syn_retries = 0;
    const RunResults r = run_scenario(spec);
    const auto& counts = r.clients[0].counts;
    REQUIRE(counts.balanced());
    const auto& l = r.listeners[0];
    refusal.push_back(counts.refusal_rate());
    lq.push_back(l.accept_queue.mean);
    wq.push_back(l.accept_wait.mean() * 1e-9);
  }
  const auto b = sim::mean_confidence_interval(refusal, kConfidence);
  const auto q = sim::mean_confidence_interval(lq, kConfidence);
  const auto w = sim::mean_confidence_interval(wq, kConfidence);
  INFO("refusal " << b.mean << " ± " << b.half_width << "; Lq " << q.mean << " ± " << q.half_width << "; Wq " << w.mean
                  << " ± " << w.half_width);
  CHECK(std::abs(b.mean - theory.blocking) <= b.half_width);
  CHECK(std::abs(q.mean - theory.lq) <= q.half_width);
  // Little's law: theory's Wq is Lq / lambda_admitted, so the time-weighted queue length
  // and the per-connection waits are checked against the same law from both sides.
  CHECK(std::abs(w.mean - theory.wq) <= w.half_width);
  // The test must be able to fail: the intervals are narrow compared with the values.
  CHECK(b.half_width <= 0.1 * theory.blocking);
  CHECK(q.half_width <= 0.1 * theory.lq);
}

// The in-flight limit (model::RunControl::max_inflight) counts everything a pending attempt
// holds: a connection's slot, and an attempt scheduled for later, whether an application
// retry's timer (model/retry.h) or a closed-population user thinking. By Little's law an
// open-loop group at rate λ whose every attempt is refused at once and retried after a
// fixed B holds λ·B retries waiting, with no connection in flight at all.
#include <catch2/catch.hpp>

#include "model/world.h"
#include "scenario_builder.h"

using namespace model;

namespace {

// Constant arrivals at `rate`/s aimed at a port nothing listens on: every SYN is answered
// by RST at once (no link latency), so no connection stays in flight.
ScenarioSpec refused_with_retries(double rate, int retries, sim::Duration backoff) {
  ScenarioSpec s;
  s.seed = 3;
  s.duration = sim::seconds(5);
  s.hosts.push_back(test::host("web", Os::kLinux, test::backlog(128), 4));
  ClientSpec c = test::client("users", Os::kLinux, 0, ConstantArrivals{rate});
  c.target_port = 81;
  c.retry.policy = RetryPolicy::kFixed;
  c.retry.max = retries;
  c.retry.backoff = backoff;
  s.clients.push_back(c);
  return s;
}

}  // namespace

TEST_CASE("pending application retries count against the in-flight limit", "[limits][retry]") {
  RunControl control;
  control.max_inflight = 500;
  SECTION("without retries nothing is held: the run completes") {
    const RunResults r = run_scenario(refused_with_retries(1000, 0, sim::seconds(3)), control);
    CHECK(r.cut_short == CutShort::kNo);
    CHECK(r.totals.refused == r.totals.attempts);
  }
  SECTION("with a 3 s backoff, 1000/s hold 1000·t retries: past 500 at t = 0.5 s, the run stops") {
    const RunResults r = run_scenario(refused_with_retries(1000, 3, sim::seconds(3)), control);
    REQUIRE(r.cut_short == CutShort::kMaxInflight);
    // The 501st arrival, 1 ms apart: t = 0.501 s (give or take the first arrival's phase).
    CHECK(r.end.seconds() >= 0.499);
    CHECK(r.end.seconds() <= 0.502);
  }
}

TEST_CASE("closed-population users waiting to connect count against the in-flight limit", "[limits]") {
  ScenarioSpec s = refused_with_retries(1, 0, sim::seconds(1));
  s.clients.front().arrivals = ClosedLoopArrivals{100, sim::ConstantDist{sim::seconds(1)}};
  RunControl control;
  control.max_inflight = 50;
  const RunResults r = run_scenario(s, control);
  // Each of the 100 users holds its first connect(), scheduled at t = 1 s, from the start.
  CHECK(r.cut_short == CutShort::kMaxInflight);
  CHECK(r.end == sim::Time::zero());
  // 100 users hold 100; a user whose attempt is being decided holds its slot and its next
  // think for the rest of that event: one more.
  control.max_inflight = 101;
  CHECK(run_scenario(s, control).cut_short == CutShort::kNo);
}

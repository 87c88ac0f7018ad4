// Tests of the measurement window (model/measurement.h, ScenarioSpec::measure) and of the
// utilisation counters a run reports per listener (ListenerResults::offered, busy_ns).
// Expected values are exact: constant arrivals 10 ms apart, constant service times.
#include <catch2/catch.hpp>

#include "model/world.h"
#include "scenario_builder.h"

using namespace model;
using namespace model::test;

namespace {

// 100 connects a second, 10 ms apart, for 1 s, to a Linux server with spare workers.
ScenarioSpec steady() {
  return scenario({host("web", Os::kLinux, backlog(128), 4, sim::ConstantDist{sim::milliseconds(5)})},
                  {client("c", Os::kLinux, 0, ConstantArrivals{100})}, sim::seconds(1));
}

MeasureWindow window(std::int64_t from_ms, std::int64_t to_ms) {
  return {sim::Time::zero() + sim::milliseconds(from_ms), sim::Time::zero() + sim::milliseconds(to_ms)};
}

}  // namespace

TEST_CASE("a window counts only the attempts started in it", "[measure]") {
  ScenarioSpec s = steady();
  const RunResults all = run_scenario(s);
  s.measure = window(200, 700);
  const RunResults part = run_scenario(s);
  // Arrivals every 10 ms: [200 ms, 700 ms) holds 50 of them, every one accepted.
  CHECK(all.totals.attempts >= 99);
  CHECK(part.totals.attempts == 50);
  CHECK(part.totals.accepted == 50);
  CHECK(part.totals.pending == 0);
  CHECK(part.clients[0].connect_latency.count() == 50);
  REQUIRE(part.listeners.size() == 1);
  const ListenerResults& l = part.listeners[0];
  CHECK(l.syns_received == 50);
  CHECK(l.accepted == 50);
  CHECK(l.accept_wait.count() == 50);
  CHECK(l.offered == 50);
  CHECK(l.span_seconds == Approx(0.5).epsilon(1e-12));
  REQUIRE(part.window);
  CHECK(part.window->from == sim::Time::zero() + sim::milliseconds(200));
  // The connect latencies of the attempts measured are those of the whole run (steady).
  CHECK(part.clients[0].connect_latency.max() == all.clients[0].connect_latency.max());
}

TEST_CASE("without a window, every attempt is measured and the span is the run", "[measure]") {
  const RunResults r = run_scenario(steady());
  CHECK_FALSE(r.window);
  CHECK(r.listeners[0].offered == r.totals.attempts);
  CHECK(r.listeners[0].span_seconds == 1.0);
  CHECK(r.listeners[0].servers == 4);
  CHECK(r.listeners[0].service_mean_s == Approx(0.005).epsilon(1e-12));
  CHECK_FALSE(r.listeners[0].service_exponential);
}

TEST_CASE("busy time is the service time inside the measured span", "[measure]") {
  // One worker, a 10 s service: it is busy from the first accept to the end.
  ScenarioSpec s = scenario({host("web", Os::kWindows, backlog(5), 1, sim::ConstantDist{sim::seconds(10)})},
                            {client("c", Os::kLinux, 0, simultaneous(10))}, sim::seconds(1));
  s.measure = window(500, 1000);
  const RunResults r = run_scenario(s);
  CHECK(r.listeners[0].busy_ns == sim::milliseconds(500).ns());
  CHECK(r.listeners[0].servers == 1);
  // Attempts all started at 0, before the window: none is counted.
  CHECK(r.totals.attempts == 0);
  CHECK(r.listeners[0].syns_received == 0);
}

TEST_CASE("queue statistics cover the window only", "[measure]") {
  // One worker busy for 10 s, 20 connects 1 ms apart: the accept queue fills within the first
  // milliseconds and then holds its level. Over a window after that, the mean is that
  // level, the maximum too, and the queue is full all the time or never.
  ScenarioSpec s = scenario({host("web", Os::kWindows, backlog(5), 1, sim::ConstantDist{sim::seconds(10)})},
                            {client("c", Os::kLinux, 0, one_by_one(20))}, sim::seconds(1));
  const RunResults all = run_scenario(s);
  const ListenerResults& a = all.listeners[0];
  REQUIRE(a.accept_queue.max > 0);
  s.measure = window(500, 1000);
  const RunResults part = run_scenario(s);
  const ListenerResults& w = part.listeners[0];
  CHECK(w.accept_queue.mean == Approx(static_cast<double>(a.accept_queue.max)).epsilon(1e-12));
  CHECK(w.accept_queue.max == a.accept_queue.max);
  CHECK(w.accept_queue.full_fraction == (a.accept_queue.full_fraction > 0 ? 1.0 : 0.0));
  // Over the whole run the queue was empty for its first moments.
  CHECK(a.accept_queue.mean < static_cast<double>(a.accept_queue.max));
  // A window that ends before the run: its end is where the statistics stop.
  s.measure = window(100, 400);
  const RunResults early = run_scenario(s);
  CHECK(early.listeners[0].accept_queue.mean == Approx(static_cast<double>(a.accept_queue.max)).epsilon(1e-12));
  CHECK(early.listeners[0].span_seconds == Approx(0.3).epsilon(1e-12));
}

TEST_CASE("the accept queue's places are the personality's limit", "[measure]") {
  // Windows: full at >= backlog (K = backlog); Linux: full at > backlog (K = backlog + 1),
  // Linux inet_csk_reqsk_queue_is_full / sk_acceptq_is_full.
  ScenarioSpec s =
      scenario({host("w", Os::kWindows, backlog(5), 1), host("l", Os::kLinux, backlog(5), 1)}, {}, sim::seconds(1));
  const RunResults r = run_scenario(s);
  REQUIRE(r.listeners.size() == 2);
  CHECK(r.listeners[0].queue_places == 5);
  CHECK(r.listeners[1].queue_places == 6);
}

TEST_CASE("arrivals are classified for the queueing references", "[measure]") {
  ScenarioSpec s = steady();
  CHECK(run_scenario(s).arrivals == ArrivalKind::kOther);  // constant arrivals
  s.clients[0].arrivals = PoissonArrivals{100};
  CHECK(run_scenario(s).arrivals == ArrivalKind::kPoisson);
  s.clients[0].retry.policy = RetryPolicy::kFixed;
  s.clients[0].retry.max = 2;
  CHECK(run_scenario(s).arrivals == ArrivalKind::kOther);  // retries are not Poisson
  s.clients[0].retry.max = 0;
  s.clients[0].arrivals = RampArrivals{100, 200, sim::Time::zero(), sim::seconds(1)};
  CHECK(run_scenario(s).arrivals == ArrivalKind::kPoissonVarying);
}

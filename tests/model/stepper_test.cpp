// Tests of model::Stepper: a run driven in pieces is the run, and its snapshots say so.
#include "model/stepper.h"

#include <catch2/catch.hpp>

#include "model/world.h"
#include "scenario_builder.h"

namespace {

using namespace model;
using namespace model::test;

void require_same_histogram(const sim::Histogram& a, const sim::Histogram& b) {
  REQUIRE(a.count() == b.count());
  REQUIRE(a.min() == b.min());
  REQUIRE(a.max() == b.max());
  for (const double q : {0.1, 0.5, 0.9, 0.99}) REQUIRE(a.percentile(q) == b.percentile(q));
}

void require_same_series(const sim::TimeSeries& a, const sim::TimeSeries& b) {
  REQUIRE(a.columns() == b.columns());
  REQUIRE(a.rows().size() == b.rows().size());
  for (std::size_t i = 0; i < a.rows().size(); ++i) {
    REQUIRE(a.rows()[i].at == b.rows()[i].at);
    REQUIRE(a.rows()[i].values == b.rows()[i].values);
  }
}

void require_same_counts(const OutcomeCounts& a, const OutcomeCounts& b) {
  REQUIRE(a.attempts == b.attempts);
  REQUIRE(a.established == b.established);
  REQUIRE(a.accepted == b.accepted);
  REQUIRE(a.refused == b.refused);
  REQUIRE(a.timed_out == b.timed_out);
  REQUIRE(a.reset == b.reset);
  REQUIRE(a.pending == b.pending);
}

void require_same(const Snapshot& a, const Snapshot& b) {
  REQUIRE(a.now == b.now);
  REQUIRE(a.events == b.events);
  REQUIRE(a.listeners.size() == b.listeners.size());
  for (std::size_t i = 0; i < a.listeners.size(); ++i) {
    const ListenerSnapshot& x = a.listeners[i];
    const ListenerSnapshot& y = b.listeners[i];
    REQUIRE(x.host == y.host);
    REQUIRE(x.port == y.port);
    REQUIRE(x.accept_len == y.accept_len);
    REQUIRE(x.syn_len == y.syn_len);
    REQUIRE(x.accept_limit == y.accept_limit);
    REQUIRE(x.syn_limit == y.syn_limit);
    REQUIRE(x.busy_workers == y.busy_workers);
    REQUIRE(x.syns_received == y.syns_received);
    REQUIRE(x.syns_dropped == y.syns_dropped);
    REQUIRE(x.syncookies_sent == y.syncookies_sent);
    REQUIRE(x.accepted == y.accepted);
  }
  REQUIRE(a.clients.size() == b.clients.size());
  for (std::size_t i = 0; i < a.clients.size(); ++i) {
    require_same_counts(a.clients[i].counts, b.clients[i].counts);
    REQUIRE(a.clients[i].syn_retransmits == b.clients[i].syn_retransmits);
    require_same_histogram(a.clients[i].connect_latency, b.clients[i].connect_latency);
  }
  require_same_counts(a.totals, b.totals);
  require_same_histogram(a.connect_latency, b.connect_latency);
  REQUIRE(a.link_load == b.link_load);
  require_same_series(a.series, b.series);
}

// A Linux server under overload behind one router: queues fill, SYNs are dropped and
// retransmitted, so every kind of state is live at most instants.
ScenarioSpec overloaded(std::uint64_t seed) {
  ScenarioSpec s = scenario({host("web", Os::kLinux, backlog(16), 2, sim::ExponentialDist{sim::milliseconds(5)})},
                            {client("browsers", Os::kLinux, 0, PoissonArrivals{600})}, sim::seconds(4), seed);
  s.sample_interval = sim::milliseconds(100);
  s.network = NetworkSpec{{"edge"},
                          {LinkSpec{"browsers", "edge", sim::milliseconds(2), sim::Duration::zero(), 0.0},
                           LinkSpec{"edge", "web", sim::microseconds(500), sim::Duration::zero(), 0.0}}};
  return s;
}

}  // namespace

TEST_CASE("a run advanced in pieces and single steps has the snapshot of one advance to the same time", "[stepper]") {
  const std::uint64_t seed = GENERATE(1u, 7u, 2026u);
  const ScenarioSpec spec = overloaded(seed);
  const sim::Time t = sim::Time::zero() + sim::milliseconds(2500);

  Stepper whole(spec);
  whole.advance_to(t);

  Stepper pieces(spec);
  for (int i = 0; i < 500; ++i) REQUIRE(pieces.step());
  REQUIRE(pieces.now() < t);
  while (pieces.now() < t) pieces.advance_to(std::min(t, pieces.now() + sim::milliseconds(37)));

  require_same(whole.snapshot(), pieces.snapshot());
}

TEST_CASE("the snapshot at the end holds run_scenario's outcomes, counters and time series", "[stepper]") {
  const ScenarioSpec spec = overloaded(GENERATE(3u, 11u));
  Stepper stepper(spec);
  stepper.advance_to(sim::Time::never());
  REQUIRE(stepper.at_end());
  REQUIRE_FALSE(stepper.step());
  const Snapshot s = stepper.snapshot();
  const RunResults r = run_scenario(spec);

  REQUIRE(s.now == r.end);
  REQUIRE(s.events == r.events);
  require_same_counts(s.totals, r.totals);
  REQUIRE(s.clients.size() == r.clients.size());
  for (std::size_t i = 0; i < s.clients.size(); ++i) {
    require_same_counts(s.clients[i].counts, r.clients[i].counts);
    require_same_histogram(s.clients[i].connect_latency, r.clients[i].connect_latency);
  }
  REQUIRE(s.listeners.size() == r.listeners.size());
  for (std::size_t i = 0; i < s.listeners.size(); ++i) {
    REQUIRE(s.listeners[i].syns_received == r.listeners[i].syns_received);
    REQUIRE(s.listeners[i].syns_dropped == r.listeners[i].syns_dropped);
    REQUIRE(s.listeners[i].accepted == r.listeners[i].accepted);
    REQUIRE(s.listeners[i].backlog == r.listeners[i].backlog);
  }
  // The interval divides the duration: the last sample is an event, not finish()'s.
  require_same_series(s.series, r.timeseries);
  // The overload is real: SYNs were dropped and the queue reached its limit.
  REQUIRE(s.totals.attempts > 1000);
  REQUIRE(s.listeners[0].syns_dropped > 0);
}

TEST_CASE("going back in time is a new run to that time, with the same numbers", "[stepper]") {
  const ScenarioSpec spec = overloaded(5);
  const sim::Time early = sim::Time::zero() + sim::milliseconds(1200);
  Stepper first(spec);
  first.advance_to(early);
  const Snapshot before = first.snapshot();
  first.advance_to(sim::Time::zero() + sim::seconds(3));
  REQUIRE(first.snapshot().events > before.events);

  Stepper again(spec);
  again.advance_to(early);
  require_same(before, again.snapshot());
}

TEST_CASE("step runs one event at a time and stops at the end", "[stepper]") {
  ScenarioSpec spec = scenario({host("web", Os::kLinux, backlog(5), 0)}, {client("c", Os::kLinux, 0, one_by_one(3))},
                               sim::milliseconds(10));
  Stepper s(spec);
  REQUIRE(s.events() == 0);
  REQUIRE(s.step());
  REQUIRE(s.events() == 1);
  std::uint64_t steps = 1;
  while (s.step()) ++steps;
  REQUIRE(s.at_end());
  REQUIRE(s.now() == sim::Time::zero() + sim::milliseconds(10));
  REQUIRE(s.events() <= steps);
  REQUIRE(s.events() == run_scenario(spec).events);
}

TEST_CASE("queue limits are where each personality calls the queue full", "[stepper]") {
  struct Case {
    Os os;
    std::int64_t accept_limit;
    std::int64_t syn_limit;
  };
  const std::int64_t freebsd_syncache = default_knobs(Os::kFreeBSD).syncache_limit;
  const Case c = GENERATE_COPY(values<Case>(
      {{Os::kLinux, 9, 9}, {Os::kWindows, 8, 8}, {Os::kFreeBSD, 3 * 8 / 2 + 1, freebsd_syncache}, {Os::kMacOS, 8, 8}}));
  Stepper s(scenario({host("web", c.os, backlog(8), 1)}, {}, sim::seconds(1)));
  const ListenerSnapshot l = s.snapshot().listeners.at(0);
  REQUIRE(l.backlog == 8);
  REQUIRE(l.accept_limit == c.accept_limit);
  REQUIRE(l.syn_limit == c.syn_limit);
}

TEST_CASE("a full Linux accept queue shows its length at its limit, and open attempts as pending", "[stepper]") {
  // listen(5), never accepting, 40 connects (the loopback observation): 6 complete.
  ScenarioSpec spec =
      scenario({host("web", Os::kLinux, backlog(5), 0)}, {client("c", Os::kLinux, 0, one_by_one(40))}, sim::seconds(2));
  spec.network = NetworkSpec{{"edge"},
                             {LinkSpec{"c", "edge", sim::microseconds(10), sim::Duration::zero(), 0.0},
                              LinkSpec{"edge", "web", sim::microseconds(10), sim::Duration::zero(), 0.0}}};
  Stepper s(spec);
  s.advance_to(sim::Time::zero() + sim::seconds(1) + sim::milliseconds(500));
  const Snapshot snap = s.snapshot();
  REQUIRE(snap.listeners[0].accept_len == 6);
  REQUIRE(snap.listeners[0].accept_limit == 6);
  REQUIRE(snap.clients[0].counts.attempts == 40);
  REQUIRE(snap.clients[0].counts.pending == 40);
  REQUIRE(snap.totals.balanced());
  REQUIRE(snap.link_load == std::vector<std::uint64_t>{40, 40});
}

TEST_CASE("the snapshot says which hosts and links a fault has cut off, while it lasts", "[stepper][fault]") {
  ScenarioSpec spec = scenario({host("web", Os::kLinux, backlog(8), 1), host("api", Os::kLinux, backlog(8), 1)},
                               {client("c", Os::kLinux, 0, ConstantArrivals{10})}, sim::seconds(5));
  spec.network = NetworkSpec{{"r"}, {LinkSpec{"c", "r", {}, {}, 0.0}, LinkSpec{"r", "web", {}, {}, 0.0}}};
  FaultSpec host_down;
  host_down.kind = FaultKind::kHostDown;
  host_down.at = sim::Time::zero() + sim::seconds(1);
  host_down.length = sim::seconds(1);
  host_down.host = 1;
  FaultSpec link_down = host_down;
  link_down.kind = FaultKind::kLinkDown;
  link_down.at = sim::Time::zero() + sim::seconds(2);
  link_down.host = 0;
  link_down.link = 1;
  spec.faults = {host_down, link_down};
  Stepper s(spec);
  const auto at = [&](std::int64_t ms) {
    s.advance_to(sim::Time::zero() + sim::milliseconds(ms));
    return s.snapshot();
  };
  const Snapshot before = at(999);
  CHECK(before.host_down == std::vector<bool>{false, false});
  CHECK(before.link_down == std::vector<bool>{false, false});
  const Snapshot host = at(1000);
  CHECK(host.host_down == std::vector<bool>{false, true});
  CHECK(host.link_down == std::vector<bool>{false, false});
  const Snapshot link = at(2500);
  CHECK(link.host_down == std::vector<bool>{false, false});  // [1 s, 2 s) is over
  CHECK(link.link_down == std::vector<bool>{false, true});
  CHECK(at(3000).link_down == std::vector<bool>{false, false});
}

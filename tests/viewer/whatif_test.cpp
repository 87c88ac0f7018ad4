// Tests of viewer::apply_what_if: each edit changes what it says and nothing else.
#include "viewer/whatif.h"

#include <memory>

#include <catch2/catch.hpp>

namespace {

using namespace model;

ScenarioSpec two_hosts() {
  ScenarioSpec s;
  s.name = "t";
  for (const char* name : {"a", "b"}) {
    HostSpec h;
    h.name = name;
    h.os = Os::kLinux;
    h.kernel = default_knobs(Os::kLinux);
    const auto add_listener = [&h](int port, BacklogRequest backlog, int workers) {
      ListenerSpec l;
      l.port = port;
      l.backlog = backlog;
      l.workers = workers;
      l.service = sim::ConstantDist{sim::milliseconds(1)};
      h.listeners.push_back(l);
    };
    add_listener(80, {BacklogRequest::Kind::kValue, 128}, 8);
    add_listener(443, {BacklogRequest::Kind::kSomaxconn, 0}, 4);
    s.hosts.push_back(h);
  }
  ClientSpec c;
  c.name = "poisson";
  c.arrivals = PoissonArrivals{100};
  s.clients.push_back(c);
  c.name = "crowd";
  c.arrivals = FlashCrowdArrivals{10, 1000, sim::Time::zero(), sim::seconds(1), sim::seconds(2)};
  s.clients.push_back(c);
  c.name = "burst";
  c.arrivals = BurstArrivals{1000, sim::Time::zero(), sim::Duration::zero()};
  s.clients.push_back(c);
  c.name = "users";
  c.arrivals = ClosedLoopArrivals{40, sim::ConstantDist{sim::seconds(1)}};
  s.clients.push_back(c);
  c.name = "replay";
  c.arrivals = TraceArrivals{std::make_shared<const std::vector<sim::Time>>(), "x.csv"};
  s.clients.push_back(c);
  return s;
}

}  // namespace

TEST_CASE("listeners are numbered by host, then in file order", "[viewer][whatif]") {
  const auto refs = viewer::static_listeners(two_hosts());
  REQUIRE(refs.size() == 4);
  REQUIRE(refs[2].host == 1);
  REQUIRE(refs[2].listener == 0);
  REQUIRE(refs[3].listener == 1);
}

TEST_CASE("backlog and workers change the chosen listener only", "[viewer][whatif]") {
  const ScenarioSpec base = two_hosts();
  viewer::WhatIf w;
  w.listener = 3;  // b:443
  w.backlog = 64;
  w.workers = 16;
  const ScenarioSpec s = viewer::apply_what_if(base, w).spec;
  const ListenerSpec& l = s.hosts[1].listeners[1];
  REQUIRE(l.backlog.kind == BacklogRequest::Kind::kValue);
  REQUIRE(l.backlog.value == 64);
  REQUIRE(l.workers == 16);
  REQUIRE(s.hosts[0].listeners[1].backlog.kind == BacklogRequest::Kind::kSomaxconn);
  REQUIRE(s.hosts[1].listeners[0].workers == 8);
  REQUIRE(viewer::describe_what_if(base, w) == "b:443 backlog 64, 16 workers");
}

TEST_CASE("a new OS brings its defaults and keeps the knobs the scenario set that it has", "[viewer][whatif]") {
  ScenarioSpec base = two_hosts();
  base.hosts[0].kernel.somaxconn = 1024;           // every OS has it
  base.hosts[0].kernel.tcp_syncookies = 0;         // Linux and FreeBSD
  base.hosts[0].kernel.tcp_abort_on_overflow = 1;  // Linux only
  viewer::WhatIf w;
  w.listener = 1;  // a:443, host a
  w.os = Os::kFreeBSD;
  const ScenarioSpec s = viewer::apply_what_if(base, w).spec;
  REQUIRE(s.hosts[0].os == Os::kFreeBSD);
  REQUIRE(s.hosts[0].kernel.somaxconn == 1024);
  REQUIRE(s.hosts[0].kernel.syncache_limit == default_knobs(Os::kFreeBSD).syncache_limit);
  REQUIRE(s.hosts[0].kernel.tcp_syncookies == 0);
  REQUIRE(s.hosts[0].kernel.tcp_abort_on_overflow == default_knobs(Os::kFreeBSD).tcp_abort_on_overflow);
  REQUIRE(s.hosts[0].kernel.syn_rto_initial == default_knobs(Os::kFreeBSD).syn_rto_initial);
  REQUIRE(s.hosts[1].os == Os::kLinux);
}

TEST_CASE("the arrival scale scales every rate, count and population, and says what it cannot scale",
          "[viewer][whatif]") {
  viewer::WhatIf w;
  w.arrival_scale = 1.5;
  const viewer::WhatIfSpec r = viewer::apply_what_if(two_hosts(), w);
  REQUIRE(std::get<PoissonArrivals>(r.spec.clients[0].arrivals).rate_per_s == Approx(150));
  const auto& crowd = std::get<FlashCrowdArrivals>(r.spec.clients[1].arrivals);
  REQUIRE(crowd.base_per_s == Approx(15));
  REQUIRE(crowd.peak_per_s == Approx(1500));
  REQUIRE(crowd.rise == sim::seconds(1));
  REQUIRE(std::get<BurstArrivals>(r.spec.clients[2].arrivals).count == 1500);
  REQUIRE(std::get<ClosedLoopArrivals>(r.spec.clients[3].arrivals).users == 60);
  REQUIRE(r.notes == std::vector<std::string>{"replay: replayed arrivals are not scaled"});
  REQUIRE(viewer::describe_what_if(two_hosts(), w) == "arrivals x1.5");
}

TEST_CASE("no edit is the scenario as written", "[viewer][whatif]") {
  const viewer::WhatIf none;
  REQUIRE(none.empty());
  const ScenarioSpec s = viewer::apply_what_if(two_hosts(), none).spec;
  REQUIRE(s.hosts[0].listeners[0].backlog.value == 128);
  REQUIRE(std::get<PoissonArrivals>(s.clients[0].arrivals).rate_per_s == 100);
  REQUIRE(viewer::describe_what_if(two_hosts(), none) == "as written");
}

TEST_CASE("a slider committed at the written value is no edit", "[viewer][whatif]") {
  const ScenarioSpec base = two_hosts();
  viewer::WhatIf w;
  w.listener = 0;  // a:80, backlog 128, 8 workers, Linux
  w.workers = 8;
  w.backlog = 128;
  w.os = Os::kLinux;
  const viewer::WhatIf none = viewer::without_written_values(base, w);
  CHECK(none.empty());
  CHECK(viewer::describe_what_if(base, none) == "as written");
  w.workers = 16;
  const viewer::WhatIf workers = viewer::without_written_values(base, w);
  CHECK(workers.workers == 16);
  CHECK_FALSE(workers.backlog);
  CHECK_FALSE(workers.os);
  CHECK(viewer::describe_what_if(base, workers) == "a:80 16 workers");
  // listen(SOMAXCONN) is not listen(128), even where SOMAXCONN gives 128.
  viewer::WhatIf somaxconn;
  somaxconn.listener = 1;
  somaxconn.backlog = 4096;
  CHECK(viewer::without_written_values(base, somaxconn).backlog == 4096);
}

TEST_CASE("the backlog the kernel gives, and why, in its own words", "[viewer][whatif]") {
  ScenarioSpec base = two_hosts();
  viewer::WhatIf w;
  w.listener = 0;
  w.backlog = 1024;
  w.os = Os::kFreeBSD;
  // FreeBSD: solisten_proto clamps a backlog above kern.ipc.somaxconn (128 by default,
  // sys/sys/socket.h SOMAXCONN) to it.
  const ScenarioSpec freebsd = viewer::apply_what_if(base, w).spec;
  const viewer::BacklogOutcome clamped = viewer::backlog_outcome(freebsd, 0);
  CHECK(clamped.asked == 1024);
  CHECK(clamped.backlog == 128);
  CHECK(clamped.why == "clamped to somaxconn 128");
  // Linux 5.4+: net.core.somaxconn 4096 keeps 1024.
  w.os.reset();
  const viewer::BacklogOutcome kept = viewer::backlog_outcome(viewer::apply_what_if(base, w).spec, 0);
  CHECK(kept.backlog == 1024);
  CHECK(kept.why.empty());
}

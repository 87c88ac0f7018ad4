// Event-loop applications (model/event_loop.h) and the kernel's wake-up rules on a socket
// several loops share (Personality::wake). Each rule's test names the kernel code it
// follows; the expected loops come from that code, not from the simulator.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "model/personality.h"
#include "model/world.h"
#include "scenario_builder.h"

using namespace model;
using namespace model::test;

namespace {

const Personality kLinux(Os::kLinux, default_knobs(Os::kLinux));
const Personality kFreeBSD(Os::kFreeBSD, default_knobs(Os::kFreeBSD));
const Personality kMacOS(Os::kMacOS, default_knobs(Os::kMacOS));

struct Woken {
  WakeDecision decision;
  std::vector<std::uint32_t> loops;
};

Woken wake(Wakeup mode, std::vector<LoopWaiter> waiters, double race = 0.0, const Personality& p = kLinux) {
  std::vector<std::uint32_t> out(waiters.size());
  Woken w;
  w.decision = p.wake(mode, waiters, out, race);
  w.loops.assign(out.begin(), out.begin() + w.decision.woken);
  return w;
}

// One Linux host whose listener is served by event loops.
ScenarioSpec loop_scenario(EventLoopSpec loops, ArrivalSpec arrivals, sim::Duration duration,
                           std::int64_t backlog_n = 128) {
  HostSpec h = host("server", Os::kLinux, backlog(backlog_n), 0);
  h.listeners[0].loops = loops;
  return scenario({h}, {client("load", Os::kLinux, 0, arrivals)}, duration);
}

}  // namespace

TEST_CASE("blocking accept() wakes the waiter that has waited longest", "[event_loop][personality]") {
  // net/ipv4/inet_connection_sock.c inet_csk_wait_for_connect: prepare_to_wait_exclusive
  // adds the caller at the tail; __wake_up_common with nr_exclusive = 1 wakes from the head.
  const Woken w = wake(Wakeup::kAccept, {{true, 7}, {true, 3}, {false, 1}, {true, 5}});
  CHECK(w.decision.order == WakeOrder::kLongestWaiting);
  CHECK(w.decision.waiting == 3);
  CHECK(w.loops == std::vector<std::uint32_t>{1});  // loop 2 waited longer but is not waiting
}

TEST_CASE("plain epoll wakes every waiting loop; the race picks the winner", "[event_loop][personality]") {
  // fs/eventpoll.c ep_ptable_queue_proc: add_wait_queue (not exclusive); ep_poll_callback
  // returns 1 for a non-exclusive entry, so __wake_up_common goes on to every entry.
  const std::vector<LoopWaiter> waiters = {{true, 1}, {false, 2}, {true, 3}, {true, 4}};
  const Woken first = wake(Wakeup::kEpoll, waiters, 0.0);
  CHECK(first.decision.order == WakeOrder::kAllRace);
  CHECK(first.decision.woken == 3);
  CHECK(first.loops.front() == 0);
  // The draw picks the winner uniformly among the three woken: [2/3, 1) is the third.
  const Woken third = wake(Wakeup::kEpoll, waiters, 0.9);
  CHECK(third.loops.front() == 3);
  std::vector<std::uint32_t> sorted = third.loops;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<std::uint32_t>{0, 2, 3});  // loop 1 is busy: not woken
}

TEST_CASE("EPOLLEXCLUSIVE wakes the first registered loop that waits; busy loops are passed over",
          "[event_loop][personality]") {
  // fs/eventpoll.c ep_poll_callback (commit df0108c5da56): ewake = 1 only when the epoll
  // set has a waiter; add_wait_queue_exclusive keeps registration order.
  CHECK(wake(Wakeup::kEpollExclusive, {{true, 9}, {true, 1}, {true, 2}}).loops == std::vector<std::uint32_t>{0});
  CHECK(wake(Wakeup::kEpollExclusive, {{false, 9}, {false, 1}, {true, 2}}).loops == std::vector<std::uint32_t>{2});
  const Woken none = wake(Wakeup::kEpollExclusive, {{false, 1}, {false, 2}});
  CHECK(none.decision.woken == 0);
  CHECK(none.decision.order == WakeOrder::kFirstIdleRegistered);
}

TEST_CASE("FreeBSD: kqueue wakes every waiting loop (a herd); blocked accept() the longest waiting",
          "[event_loop][personality]") {
  // sys/kern/uipc_socket.c solisten_wakeup: KNOTE_LOCKED(&sol->so_rdsel.si_note) runs
  // sys/kern/kern_event.c knote(), which activates every knote on the socket (one per
  // kqueue), and kqueue_wakeup() calls wakeup(kq) for each kqueue a thread sleeps on.
  const std::vector<LoopWaiter> waiters = {{true, 1}, {false, 2}, {true, 3}, {true, 4}};
  const Woken herd = wake(Wakeup::kKqueue, waiters, 0.9, kFreeBSD);
  CHECK(herd.decision.order == WakeOrder::kAllRace);
  CHECK(herd.decision.woken == 3);
  CHECK(herd.loops.front() == 3);  // the draw in [2/3, 1) picks the third woken
  CHECK(std::string(herd.decision.source).find("kqueue_wakeup") != std::string::npos);
  // solisten_wakeup's wakeup_one(&sol_comp) -> subr_sleepqueue.c sleepq_signal: highest
  // priority, on a tie the first queued ("sleeping the longest"): loop 1 (since 3).
  const Woken one = wake(Wakeup::kAccept, {{true, 7}, {true, 3}, {false, 1}, {true, 5}}, 0.0, kFreeBSD);
  CHECK(one.decision.order == WakeOrder::kLongestWaiting);
  CHECK(one.loops == std::vector<std::uint32_t>{1});
  CHECK(std::string(one.decision.source).find("sleepq_signal") != std::string::npos);
}

TEST_CASE("macOS: kqueue wakes every waiting loop (a herd)", "[event_loop][personality]") {
  // XNU bsd/kern/uipc_socket2.c sorwakeup -> sowakeup -> KNOTE on the socket's knotes;
  // bsd/kern/kern_event.c kqueue_wakeup -> waitq_wakeup64_all for each kqueue.
  const Woken herd = wake(Wakeup::kKqueue, {{true, 1}, {true, 2}}, 0.0, kMacOS);
  CHECK(herd.decision.order == WakeOrder::kAllRace);
  CHECK(herd.decision.woken == 2);
  CHECK(herd.loops.front() == 0);
}

TEST_CASE("which wake-ups are modelled: each OS's own mechanisms; one loop everywhere", "[event_loop][personality]") {
  const auto modelled = [](Os os, Wakeup w, int loops) {
    return Personality(os, default_knobs(os)).wakeup_support(w, loops).modelled;
  };
  for (Os os : all_oses()) {
    for (Wakeup w : {Wakeup::kAccept, Wakeup::kEpoll, Wakeup::kEpollExclusive, Wakeup::kKqueue}) {
      CHECK(modelled(os, w, 1));  // one waiter: nothing to choose
    }
  }
  CHECK(modelled(Os::kLinux, Wakeup::kAccept, 4));
  CHECK(modelled(Os::kLinux, Wakeup::kEpoll, 4));
  CHECK(modelled(Os::kLinux, Wakeup::kEpollExclusive, 4));
  CHECK_FALSE(modelled(Os::kLinux, Wakeup::kKqueue, 4));  // Linux has no kqueue
  CHECK(modelled(Os::kFreeBSD, Wakeup::kKqueue, 4));
  CHECK(modelled(Os::kFreeBSD, Wakeup::kAccept, 4));
  CHECK_FALSE(modelled(Os::kFreeBSD, Wakeup::kEpoll, 4));  // epoll is Linux's
  CHECK_FALSE(modelled(Os::kFreeBSD, Wakeup::kEpollExclusive, 4));
  CHECK(modelled(Os::kMacOS, Wakeup::kKqueue, 4));
  CHECK_FALSE(modelled(Os::kMacOS, Wakeup::kAccept, 4));  // XNU's wakeup_one order: not modelled
  CHECK_FALSE(modelled(Os::kMacOS, Wakeup::kEpoll, 4));
  for (Wakeup w : {Wakeup::kAccept, Wakeup::kEpoll, Wakeup::kEpollExclusive, Wakeup::kKqueue}) {
    const Personality::WakeupSupport s = Personality(Os::kWindows, default_knobs(Os::kWindows)).wakeup_support(w, 2);
    CHECK_FALSE(s.modelled);
    CHECK(std::string(s.why).find("AcceptEx") != std::string::npos);
  }
}

TEST_CASE("at max_connections a loop stops accepting: the queue fills while the CPU is idle", "[event_loop]") {
  EventLoopSpec loops;
  loops.max_connections = 2;
  loops.keepalive = sim::ConstantDist{sim::seconds(10)};
  const RunResults r = run_scenario(loop_scenario(loops, one_by_one(5), sim::seconds(1)));
  REQUIRE(r.loops.size() == 1);
  CHECK(r.loops[0].accepted == 2);
  CHECK(r.listeners[0].accepted == 2);
  CHECK(r.loops[0].busy_fraction == 0.0);
  CHECK(r.loops[0].open.max == 2);
  CHECK(r.listeners[0].accept_queue.max == 3);  // the other three wait in the accept queue
  CHECK(r.loops[0].open.full_fraction > 0.99);
}

TEST_CASE("a closing connection lets a loop at its limit accept again", "[event_loop]") {
  EventLoopSpec loops;
  loops.max_connections = 1;
  loops.keepalive = sim::ConstantDist{sim::milliseconds(100)};
  // Three connects at once: one every 100 ms as each connection closes.
  const RunResults r = run_scenario(loop_scenario(loops, simultaneous(3), sim::milliseconds(250)));
  CHECK(r.loops[0].accepted == 3);
  CHECK(r.listeners[0].accept_wait.max() == sim::milliseconds(200).ns());
}

TEST_CASE("a busy loop does not accept; multi_accept drains the queue in one wake-up", "[event_loop]") {
  EventLoopSpec loops;
  loops.accept_cost = sim::ConstantDist{sim::seconds(1)};
  SECTION("one per wake-up") {
    const RunResults r = run_scenario(loop_scenario(loops, simultaneous(3), sim::milliseconds(1500)));
    CHECK(r.loops[0].accepted == 2);  // at t = 0 and at t = 1 s, when its first accept's work is done
    CHECK(r.loops[0].busy_fraction == Approx(1.0));
  }
  SECTION("multi_accept") {
    loops.multi_accept = true;
    const RunResults r = run_scenario(loop_scenario(loops, simultaneous(3), sim::milliseconds(1500)));
    CHECK(r.loops[0].accepted == 3);
    CHECK(r.loops[0].wakeups == 1);
  }
}

TEST_CASE("several loops on one socket follow the wake-up rule", "[event_loop]") {
  EventLoopSpec loops;
  loops.count = 4;
  SECTION("epoll: a herd; every loop wakes for each connection, one takes it") {
    loops.wakeup = Wakeup::kEpoll;
    const RunResults r = run_scenario(loop_scenario(loops, one_by_one(40), sim::seconds(1)));
    std::uint64_t accepted = 0;
    for (const auto& lp : r.loops) {
      CHECK(lp.wakeups == 40);
      CHECK(lp.wasted_wakeups == 40 - lp.accepted);
      CHECK(lp.accepted > 0);  // P(a loop wins none of 40 fair races) = 0.75^40 < 1e-4
      accepted += lp.accepted;
    }
    CHECK(accepted == 40);
  }
  SECTION("EPOLLEXCLUSIVE: the first loop while it waits, the next while it is busy") {
    loops.wakeup = Wakeup::kEpollExclusive;
    loops.request_cost = sim::ConstantDist{sim::milliseconds(10)};
    // Two connections 1 ms apart: loop 0 is busy with the first when the second comes.
    const RunResults r = run_scenario(loop_scenario(loops, one_by_one(2), sim::seconds(1)));
    CHECK(r.loops[0].accepted == 1);
    CHECK(r.loops[1].accepted == 1);
    for (const auto& lp : r.loops) CHECK(lp.wasted_wakeups == 0);
  }
  SECTION("blocking accept: round robin among idle loops (FIFO of waiters)") {
    loops.wakeup = Wakeup::kAccept;
    const RunResults r = run_scenario(loop_scenario(loops, one_by_one(8), sim::seconds(1)));
    for (const auto& lp : r.loops) CHECK(lp.accepted == 2);
  }
}

TEST_CASE("four loops of a FreeBSD server on kqueue: every loop wakes for each connection, one takes it",
          "[event_loop]") {
  EventLoopSpec loops;
  loops.count = 4;
  loops.wakeup = Wakeup::kKqueue;
  ScenarioSpec s = loop_scenario(loops, one_by_one(40), sim::seconds(1));
  s.hosts[0].os = Os::kFreeBSD;
  s.hosts[0].kernel = default_knobs(Os::kFreeBSD);
  const RunResults r = run_scenario(s);
  std::uint64_t accepted = 0;
  for (const auto& lp : r.loops) {
    CHECK(lp.wakeups == 40);
    CHECK(lp.wasted_wakeups == 40 - lp.accepted);
    accepted += lp.accepted;
  }
  CHECK(accepted == 40);
}

TEST_CASE("scenarios without loops report none", "[event_loop]") {
  const RunResults r =
      run_scenario(scenario({host("server", Os::kLinux, backlog(8), 2, sim::ConstantDist{sim::milliseconds(1)})},
                            {client("load", Os::kLinux, 0, one_by_one(5))}, sim::seconds(1)));
  CHECK(r.loops.empty());
  CHECK(r.listeners[0].accepted == 5);
}

TEST_CASE("each socket of an SO_REUSEPORT group is served by loops of its own", "[event_loop][reuseport]") {
  // One loop per socket, as nginx runs with `reuseport`: every socket's connections are
  // accepted by that socket's loop, and a loop at its limit holds up its socket alone.
  EventLoopSpec loops;
  loops.max_connections = 1;
  loops.keepalive = sim::ConstantDist{sim::seconds(10)};
  HostSpec h = host("server", Os::kLinux, backlog(128), 0);
  h.listeners[0].loops = loops;
  h.listeners[0].reuseport = 4;
  const RunResults r = run_scenario(scenario({h}, {client("load", Os::kLinux, 0, one_by_one(40))}, sim::seconds(1)));
  REQUIRE(r.loops.size() == 4);
  REQUIRE(r.listeners.size() == 4);
  for (int k = 0; k < 4; ++k) {
    const LoopResults& loop = r.loops[static_cast<std::size_t>(k)];
    const ListenerResults& socket = r.listeners[static_cast<std::size_t>(k)];
    CHECK(loop.socket == k + 1);
    CHECK(socket.reuseport_socket == static_cast<std::uint32_t>(k + 1));
    CHECK(loop.accepted == socket.accepted);
    CHECK(loop.accepted == 1);  // its one connection slot, held for the keep-alive
    // The rest of the socket's share waits in its own accept queue.
    CHECK(socket.accept_queue.max == static_cast<std::int64_t>(socket.syns_received) - 1);
  }
}

namespace {

// A fault on the listener (loop -1) or on one of its loops, over [from, from + length).
FaultSpec loop_fault(FaultKind kind, int loop, sim::Duration from, sim::Duration length, double factor = 1.0) {
  FaultSpec f;
  f.kind = kind;
  f.at = sim::Time::zero() + from;
  f.length = length;
  f.port = 80;
  f.factor = factor;
  f.loop = loop;
  return f;
}

}  // namespace

TEST_CASE("a slow fault on one loop multiplies its CPU costs alone; on the listener, every loop's",
          "[event_loop][fault]") {
  EventLoopSpec loops;
  loops.count = 2;
  loops.wakeup = Wakeup::kAccept;  // FIFO of waiters: the loops take turns, 5 connections each
  loops.accept_cost = sim::ConstantDist{sim::microseconds(20)};
  loops.request_cost = sim::ConstantDist{sim::microseconds(80)};
  ScenarioSpec s = loop_scenario(loops, one_by_one(10), sim::seconds(1));
  SECTION("loop 1 three times slower: its busy time is 5 x 100 us x 3, loop 0's 5 x 100 us") {
    s.faults.push_back(loop_fault(FaultKind::kSlow, 1, sim::Duration::zero(), sim::seconds(1), 3.0));
    const RunResults r = run_scenario(s);
    REQUIRE(r.loops.size() == 2);
    CHECK(r.loops[0].accepted == 5);
    CHECK(r.loops[1].accepted == 5);
    CHECK(r.loops[0].busy_fraction == Approx(5 * 100e-6 / 1.0));
    CHECK(r.loops[1].busy_fraction == Approx(5 * 300e-6 / 1.0));
  }
  SECTION("the whole listener twice slower: both loops' CPU doubles") {
    s.faults.push_back(loop_fault(FaultKind::kSlow, -1, sim::Duration::zero(), sim::seconds(1), 2.0));
    const RunResults r = run_scenario(s);
    CHECK(r.loops[0].busy_fraction == Approx(5 * 200e-6 / 1.0));
    CHECK(r.loops[1].busy_fraction == Approx(5 * 200e-6 / 1.0));
  }
}

TEST_CASE("a stalled loop is not woken: the others take its connections, and it takes what waits when it ends",
          "[event_loop][fault]") {
  EventLoopSpec loops;
  SECTION("EPOLLEXCLUSIVE passes over the stalled loop 0 as it passes over a busy one") {
    loops.count = 4;
    loops.wakeup = Wakeup::kEpollExclusive;
    ScenarioSpec s = loop_scenario(loops, one_by_one(10), sim::seconds(1));
    ClientSpec late = s.clients[0];
    late.name = "late";
    late.arrivals = one_by_one(10, sim::Time::zero() + sim::milliseconds(600));
    s.clients.push_back(late);
    s.faults.push_back(loop_fault(FaultKind::kStall, 0, sim::Duration::zero(), sim::milliseconds(500)));
    const RunResults r = run_scenario(s);
    CHECK(r.loops[0].accepted == 10);  // the 10 after its stall: first registered, waiting
    CHECK(r.loops[1].accepted == 10);  // the 10 during it
    CHECK(r.loops[2].accepted == 0);
  }
  SECTION("one loop: the connections wait in the accept queue until its stall ends") {
    ScenarioSpec s = loop_scenario(loops, simultaneous(3), sim::seconds(1));
    s.faults.push_back(loop_fault(FaultKind::kStall, 0, sim::Duration::zero(), sim::milliseconds(500)));
    const RunResults r = run_scenario(s);
    CHECK(r.loops[0].accepted == 3);
    CHECK(r.listeners[0].accept_wait.max() == sim::milliseconds(500).ns());
  }
}

// Tests of the narration (report/narration.h): small runs built in code, told line by line
// (the rule texts per personality, formatted from the model's decision records; the
// client's next step; filters; the limit; determinism; that the run is run_scenario's).
#include "report/narration.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../model/scenario_builder.h"
#include "model/world.h"

using model::Os;
using namespace model::test;

namespace {

std::string narrate(const model::ScenarioSpec& spec, report::NarrationOptions options = {}) {
  std::ostringstream out;
  const report::NarrationReport r = report::narrate_run(spec, options, out);
  REQUIRE(r.error.empty());
  return out.str();
}

report::NarrationOptions all_steps() {
  report::NarrationOptions o;
  o.limit = 0;
  return o;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t count_containing(const std::vector<std::string>& lines, const std::string& needle) {
  return static_cast<std::size_t>(std::count_if(
      lines.begin(), lines.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; }));
}

// The line of `actor` whose text contains `needle`, or "".
std::string find_line(const std::vector<std::string>& lines, const std::string& actor, const std::string& needle) {
  for (const auto& l : lines) {
    if (l.find("  " + actor + " ") != std::string::npos && l.find(needle) != std::string::npos) return l;
  }
  return "";
}

// The loopback experiment of docs/fidelity.md, (a): listen(5), never accept, 40 connects one by one.
model::ScenarioSpec never_accepting(Os os) {
  return scenario({host("web", os, backlog(5), 0)}, {client("storm", os, 0, one_by_one(40))}, sim::seconds(3));
}

}  // namespace

TEST_CASE("narration: Linux listen(5) that never accepts drops the 7th SYN at 6 > backlog 5", "[narration]") {
  const auto lines = lines_of(narrate(never_accepting(Os::kLinux), all_steps()));
  INFO(lines.front());
  CHECK(lines.front() ==
        "t=0.000000000 s  web:80      listen(5) gives backlog 5 (linux); the accept queue is full at 6; "
        "no worker ever calls accept()");
  CHECK(lines[1] == "t=0.000000000 s  storm#1     connect() to web:80");
  CHECK(lines[2] == "t=0.000000000 s  storm#1     SYN -> web:80");
  CHECK(find_line(lines, "web:80", "SYN from storm#1 kept as a half-open request: room in both queues") != "");

  // Six complete (backlog + 1), the seventh finds the accept queue full.
  CHECK(count_containing(lines, "completes the connection: it joins the accept queue") == 6);
  CHECK(count_containing(lines, "connect() succeeded after 0s") == 6);
  // The 1 s retransmission timer armed at 6 ms fires on the timer wheel's next 32 ms slot.
  CHECK(lines[45] ==
        "t=0.006000000 s  web:80      SYN from storm#7 dropped: accept queue full (6 > backlog 5); "
        "client retransmits at t=1.024 s");
  CHECK(find_line(lines, "storm#7", "SYN retransmission 1 -> web:80") ==
        "t=1.024000000 s  storm#7     SYN retransmission 1 -> web:80");

  // Nobody accepts, nobody gives up in 3 s: every attempt is still open at the end.
  CHECK(count_containing(lines, "outcome: pending (still open when the run ended)") == 40);
  CHECK(lines.back() == "... the run ended at t=3 s; " + std::to_string(lines.size() - 1) + " steps shown");
}

TEST_CASE("narration: a full Windows queue refuses with RST and the Windows client re-sends", "[narration]") {
  const auto lines = lines_of(narrate(never_accepting(Os::kWindows), all_steps()));
  CHECK(lines.front().find("listen(5) gives backlog 5 (windows); the queue of pending connections (half-open + "
                           "complete) is full at 5") != std::string::npos);
  const std::string refusal = find_line(lines, "web:80", "SYN from storm#6 refused with RST");
  INFO(refusal);
  CHECK(refusal.find("refused with RST: queue of pending connections full (accept + half-open >= backlog: 5 + 0 >= 5)"
                     "; the client (windows) re-sends its SYN at t=0.505 s (1 of 4)") != std::string::npos);
  CHECK(find_line(lines, "web:80", "RST -> storm#6") != "");
  CHECK(find_line(lines, "storm#6", "SYN re-sent after RST (1 of 4) -> web:80").rfind("t=0.505000000 s", 0) == 0);
  // The fourth re-send is refused too, and then connect() fails.
  CHECK(find_line(lines, "storm#6", "SYN re-sent after RST (4 of 4)").rfind("t=2.005000000 s", 0) == 0);
  CHECK(count_containing(lines, "SYN from storm#6 refused with RST") == 5);
  CHECK(find_line(lines, "web:80", "; connect() fails with WSAECONNREFUSED") != "");
  CHECK(find_line(lines, "storm#6", "outcome: refused (RST to its SYN: connect() fails with WSAECONNREFUSED)")
            .rfind("t=2.005000000 s", 0) == 0);

  SECTION("a Linux client gives up at the first RST") {
    auto spec = never_accepting(Os::kWindows);
    spec.clients[0].os = Os::kLinux;
    const auto l = lines_of(narrate(spec, all_steps()));
    CHECK(find_line(l, "web:80", "SYN from storm#6 refused with RST").find("; connect() fails with ECONNREFUSED") !=
          std::string::npos);
    CHECK(count_containing(l, "re-sent after RST") == 0);
  }
}

TEST_CASE("narration: a simultaneous Linux batch gets SYN cookies whose ACKs are dropped", "[narration]") {
  const auto spec = scenario({host("web", Os::kLinux, backlog(5), 0)},
                             {client("storm", Os::kLinux, 0, simultaneous(40))}, sim::seconds(2));
  const auto lines = lines_of(narrate(spec, all_steps()));
  CHECK(find_line(lines, "web:80", "SYN from storm#6 kept as a half-open request") != "");
  CHECK(find_line(lines, "web:80",
                  "SYN from storm#7 answered with a SYN cookie, no state kept: SYN queue full (6 > backlog 5)") != "");
  CHECK(find_line(lines, "web:80", "SYN-ACK (carrying a SYN cookie) -> storm#7") != "");
  CHECK(find_line(lines, "web:80",
                  "final ACK from storm#7 dropped without RST: accept queue full (6 > backlog 5); it answered a SYN "
                  "cookie, so the server keeps nothing") != "");
  CHECK(find_line(lines, "storm#7", "outcome: reset (the client believes it is connected; the server dropped it)") !=
        "");
  CHECK(count_containing(lines, "outcome: reset") == 34);
  // Every line is in simulated-time order.
  std::vector<std::string> times;
  for (const auto& l : lines) {
    if (l.rfind("t=", 0) == 0) times.push_back(l.substr(2, l.find(' ') - 2));
  }
  CHECK(std::is_sorted(times.begin(), times.end(),
                       [](const std::string& a, const std::string& b) { return std::stod(a) < std::stod(b); }));
}

TEST_CASE("narration: a dropped final ACK keeps the Linux request and the SYN-ACK is retransmitted", "[narration]") {
  // Three connections wait in the accept queue; then six SYNs at once all become requests
  // (the SYN queue holds 6), but only three of their ACKs fit in the accept queue.
  const auto spec =
      scenario({host("web", Os::kLinux, backlog(5), 0)},
               {client("early", Os::kLinux, 0, one_by_one(3)),
                client("batch", Os::kLinux, 0, simultaneous(6, sim::Time::zero() + sim::milliseconds(100)))},
               sim::seconds(70));
  const auto lines = lines_of(narrate(spec, all_steps()));
  CHECK(find_line(lines, "web:80",
                  "final ACK from batch#3 completes the connection: it joins the accept queue "
                  "(accept queue not full (5 <= backlog 5))") != "");
  CHECK(find_line(lines, "web:80",
                  "final ACK from batch#4 dropped: accept queue full (6 > backlog 5); the request "
                  "stays, SYN-ACK will be retransmitted") != "");
  CHECK(find_line(lines, "web:80", "SYN-ACK retransmission 1 -> batch#4") != "");
  CHECK(find_line(lines, "batch#4", "ACK -> web:80 (again, for a retransmitted SYN-ACK)") != "");
  CHECK(find_line(lines, "web:80", "forgets the half-open request from batch#4 after ") != "");
  CHECK(find_line(lines, "batch#4", "outcome: reset (the client believes it is connected; the server dropped it)") !=
        "");
}

TEST_CASE("narration: FreeBSD rules read as FreeBSD's, not Linux's", "[narration]") {
  const auto spec = scenario({host("bsd", Os::kFreeBSD, backlog(4), 0)},
                             {client("storm", Os::kFreeBSD, 0, one_by_one(10))}, sim::seconds(1));
  const auto lines = lines_of(narrate(spec, all_steps()));
  CHECK(lines.front().find("listen(4) gives backlog 4 (freebsd); the accept queue is full at 7") != std::string::npos);
  CHECK(find_line(lines, "bsd:80",
                  "SYN from storm#1 kept as a half-open request: the syncache has room (0 < syncache_limit") != "");
  CHECK(find_line(lines, "bsd:80",
                  "final ACK from storm#7 completes the connection: it joins the accept queue "
                  "(accept queue not full (6 <= 3*backlog/2 = 6))") != "");
  CHECK(find_line(lines, "bsd:80",
                  "final ACK from storm#8 answered with RST: accept queue full (7 > 3*backlog/2 = 6) "
                  "and rst_on_sock_fail=1") != "");
  CHECK(find_line(lines, "storm#8",
                  "outcome: reset (connect() had succeeded; the server answered the final ACK with RST: the next "
                  "call on the socket fails with ECONNRESET)") != "");
}

TEST_CASE("narration: a filter on one attempt shows that attempt's story only", "[narration]") {
  const auto spec = never_accepting(Os::kLinux);
  report::NarrationOptions o = all_steps();
  o.filter.client = 0;  // storm#7
  o.filter.attempt = 7;
  const auto lines = lines_of(narrate(spec, o));
  REQUIRE(lines.size() >= 6);
  const std::regex mine("storm#7([^0-9]|$)");
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK(std::regex_search(lines[i], mine));
  }
  CHECK(lines[0] == "t=0.006000000 s  storm#7     connect() to web:80");  // connects 1 ms apart: #7 at 6 ms
  CHECK(lines[1] == "t=0.006000000 s  storm#7     SYN -> web:80");
  CHECK(lines[2].find("SYN from storm#7 dropped: accept queue full (6 > backlog 5)") != std::string::npos);
  CHECK(lines[lines.size() - 2].find("storm#7     outcome: pending") != std::string::npos);
  CHECK(lines.back().rfind("... the run ended at t=3 s; ", 0) == 0);

  SECTION("an attempt the run never made is an error, after a run that showed nothing") {
    report::NarrationOptions late;
    late.filter.client = 0;  // storm#41
    late.filter.attempt = 41;
    std::ostringstream out;
    const auto r = report::narrate_run(spec, late, out);
    CHECK(out.str().empty());
    CHECK(r.error ==
          "--connection storm#41: client group \"storm\" made 40 attempts (storm#1 to storm#40) in this run");
  }
}

TEST_CASE("narration: a filter on a host keeps its's listeners and the attempts aimed at it", "[narration]") {
  const auto spec = scenario({host("web", Os::kLinux, backlog(5), 0), host("win", Os::kWindows, backlog(5), 0)},
                             {client("a", Os::kLinux, 0, one_by_one(10)), client("b", Os::kWindows, 1, one_by_one(10))},
                             sim::seconds(1));
  report::NarrationOptions o = all_steps();
  o.filter.host = 1;  // win
  const auto lines = lines_of(narrate(spec, o));
  REQUIRE(lines.size() > 20);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    INFO(lines[i]);
    const bool ours = lines[i].find("  win:80 ") != std::string::npos || lines[i].find("  b#") != std::string::npos;
    CHECK(ours);
    CHECK(lines[i].find("web:80") == std::string::npos);
  }
}

TEST_CASE("narration: a limit prints N steps and says honestly how many were left out", "[narration]") {
  const auto spec = never_accepting(Os::kLinux);
  const auto all = lines_of(narrate(spec, all_steps()));
  const std::size_t steps = all.size() - 1;
  report::NarrationOptions o;
  o.limit = 10;
  std::ostringstream out;
  const auto r = report::narrate_run(spec, o, out);
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 11);
  for (std::size_t i = 0; i < 10; ++i) CHECK(lines[i] == all[i]);
  CHECK(lines.back() == "... " + std::to_string(steps - 10) +
                            " more steps not shown (--limit 10; --limit 0 shows all); the run ended at t=3 s");
  CHECK(r.steps == steps);
  CHECK(r.shown == 10);
}

TEST_CASE("narration: the same spec gives the same bytes, from the run run_scenario makes", "[narration]") {
  const auto spec = scenario({host("web", Os::kLinux, backlog(5), 2, sim::ConstantDist{sim::milliseconds(30)})},
                             {client("storm", Os::kLinux, 0, model::PoissonArrivals{400})}, sim::seconds(2), 9);
  std::ostringstream a;
  std::ostringstream b;
  const auto ra = report::narrate_run(spec, all_steps(), a);
  const auto rb = report::narrate_run(spec, all_steps(), b);
  CHECK(a.str() == b.str());
  CHECK(ra.digest == rb.digest);
  CHECK(ra.digest == model::run_scenario(spec).digest);
  CHECK(count_containing(lines_of(a.str()), "outcome: accepted (accept() took it after ") > 0);
}

TEST_CASE("narration: a segment sent while its host is down is narrated as lost, and the times line up",
          "[narration][fault]") {
  // One connect every 100 ms to a host cut off on [1 s, 1.5 s) (a host_down fault), no SYN
  // retransmission: the 5 attempts made then lose their SYN. The run lasts 12 s, so the
  // seconds take two digits: " 1.000000000" lines up with "10.000000000".
  auto spec = scenario({host("web", Os::kLinux, backlog(8), 1)},
                       {client("c", Os::kLinux, 0, model::ConstantArrivals{10})}, sim::seconds(12));
  spec.clients[0].syn_retries = 0;
  model::FaultSpec f;
  f.kind = model::FaultKind::kHostDown;
  f.at = sim::Time::zero() + sim::seconds(1);
  f.length = sim::milliseconds(500);
  f.host = 0;
  spec.faults.push_back(f);
  const auto lines = lines_of(narrate(spec, all_steps()));
  CHECK(count_containing(lines, "SYN lost: web is down (host_down)") == 5);
  CHECK(find_line(lines, "c#10", "SYN lost: web is down (host_down)") ==
        "t= 1.000000000 s  c#10    SYN lost: web is down (host_down)");
  CHECK(count_containing(lines, "t= 1.000000000 s  web     fault (line 0): host down for 500ms") == 1);
  CHECK(find_line(lines, "c#100", "connect() to web:80") == "t=10.000000000 s  c#100   connect() to web:80");
}

TEST_CASE("narration: knobs that decided are named with the rule (Linux tcp_conn_request, tcp_check_req)",
          "[narration]") {
  SECTION("tcp_syncookies=0: a full SYN queue drops the SYN") {
    auto spec = scenario({host("web", Os::kLinux, backlog(5), 0)}, {client("storm", Os::kLinux, 0, simultaneous(10))},
                         sim::seconds(1));
    spec.hosts[0].kernel.tcp_syncookies = 0;
    const auto lines = lines_of(narrate(spec, all_steps()));
    CHECK(find_line(lines, "web:80", "SYN from storm#7 dropped: SYN queue full (6 > backlog 5) and tcp_syncookies=0") !=
          "");
  }
  SECTION("tcp_syncookies=0: a quarter of tcp_max_syn_backlog stays free") {
    auto spec = scenario({host("web", Os::kLinux, backlog(64), 0)}, {client("storm", Os::kLinux, 0, simultaneous(10))},
                         sim::seconds(1));
    spec.hosts[0].kernel.tcp_syncookies = 0;
    spec.hosts[0].kernel.tcp_max_syn_backlog = 8;
    const auto lines = lines_of(narrate(spec, all_steps()));
    // 8 - 6 = 2 is not < 8/4: kept; 8 - 7 = 1 < 2: dropped.
    CHECK(find_line(lines, "web:80", "SYN from storm#7 kept as a half-open request") != "");
    CHECK(find_line(lines, "web:80",
                    "SYN from storm#8 dropped: SYN backlog pressure: fewer than tcp_max_syn_backlog/4 = 2 slots left "
                    "(8 - 7 < 2) and tcp_syncookies=0") != "");
  }
  SECTION("tcp_syncookies=2: a cookie for every SYN") {
    auto spec = scenario({host("web", Os::kLinux, backlog(5), 0)}, {client("storm", Os::kLinux, 0, one_by_one(2))},
                         sim::seconds(1));
    spec.hosts[0].kernel.tcp_syncookies = 2;
    const auto lines = lines_of(narrate(spec, all_steps()));
    CHECK(find_line(lines, "web:80",
                    "SYN from storm#1 answered with a SYN cookie, no state kept: tcp_syncookies=2 (a cookie for every "
                    "SYN)") != "");
  }
  SECTION("tcp_abort_on_overflow=1: a final ACK on a full accept queue is answered with RST") {
    auto spec = scenario({host("web", Os::kLinux, backlog(5), 0)},
                         {client("early", Os::kLinux, 0, one_by_one(3)),
                          client("batch", Os::kLinux, 0, simultaneous(6, sim::Time::zero() + sim::milliseconds(100)))},
                         sim::seconds(2));
    spec.hosts[0].kernel.tcp_abort_on_overflow = 1;
    const auto lines = lines_of(narrate(spec, all_steps()));
    CHECK(find_line(lines, "web:80",
                    "final ACK from batch#4 answered with RST: accept queue full (6 > backlog 5) and "
                    "tcp_abort_on_overflow=1") != "");
    CHECK(find_line(lines, "batch#4",
                    "outcome: reset (connect() had succeeded; the server answered the final ACK with RST") != "");
  }
  SECTION("tcp_abort_on_overflow=1 is not read for a cookie's final ACK (cookie_v4_check)") {
    auto spec = scenario({host("web", Os::kLinux, backlog(5), 0)}, {client("storm", Os::kLinux, 0, simultaneous(10))},
                         sim::seconds(1));
    spec.hosts[0].kernel.tcp_abort_on_overflow = 1;
    const auto lines = lines_of(narrate(spec, all_steps()));
    const std::string line = find_line(lines, "web:80", "final ACK from storm#7 dropped without RST");
    CHECK(line.find("it answered a SYN cookie") != std::string::npos);
    CHECK(line.find("cookie_v4_check") != std::string::npos);
    CHECK(line.find("tcp_abort_on_overflow") == std::string::npos);
    CHECK(count_containing(lines, "answered with RST") == 0);
  }
}

TEST_CASE("narration: a Linux client gives up at tcp_syn_retries' time bound (tcp_write_timeout)", "[narration]") {
  // listen(5), never accepting; the clients' tcp_syn_retries=1: bound 3 s, before the
  // 1 + 4 linear retransmissions are used up.
  auto spec = never_accepting(Os::kLinux);
  spec.duration = sim::seconds(5);
  auto knobs = model::default_knobs(Os::kLinux);
  knobs.tcp_syn_retries = 1;
  spec.clients[0].kernel = knobs;
  const auto lines = lines_of(narrate(spec, all_steps()));
  CHECK(find_line(lines, "web:80",
                  "SYN from storm#7 dropped: accept queue full (6 > backlog 5); by then 3s (tcp_syn_retries' time "
                  "bound, tcp_model_timeout) will have passed since the first SYN: the client gives up at") != "");
  CHECK(find_line(lines, "storm#7",
                  "outcome: timed_out (no answer to its SYN or its 2 retransmissions: tcp_syn_retries' time bound (3s "
                  "since the first SYN) had passed when the timer fired") != "");
}

TEST_CASE("narration: macOS counts half-open and complete together and compares nothing at the ACK",
          "[narration][macos]") {
  const auto lines = lines_of(narrate(never_accepting(Os::kMacOS), all_steps()));
  CHECK(lines.front().find("listen(5) gives backlog 5 (macos); the queue of pending connections (half-open + "
                           "complete) is full at 5") != std::string::npos);
  CHECK(find_line(lines, "web:80",
                  "SYN from storm#1 kept as a half-open request: room in the queue of pending connections "
                  "(accept + half-open < backlog: 0 + 0 < 5)") != "");
  CHECK(find_line(lines, "web:80",
                  "final ACK from storm#1 completes the connection: it joins the accept queue (its place was taken "
                  "at the SYN)") != "");
  CHECK(find_line(lines, "web:80",
                  "SYN from storm#6 dropped: queue of pending connections full (accept + half-open >= backlog: 5 + 0 "
                  ">= 5)") != "");
}

TEST_CASE("narration: TCP_DEFER_ACCEPT keeps a bare ACK as acked; data, or the ACK at the defer limit, completes",
          "[narration][defer]") {
  model::HostSpec h = host("web", Os::kLinux, backlog(8), 1);
  h.listeners[0].defer_accept_seconds = 5;
  model::ClientSpec late = client("late", Os::kLinux, 0, one_by_one(1));
  late.first_data = sim::ConstantDist{sim::seconds(2)};
  model::ClientSpec silent = client("silent", Os::kLinux, 0, one_by_one(1));
  silent.first_data = sim::ConstantDist{sim::Duration::infinite()};
  const auto lines = lines_of(narrate(scenario({h}, {late, silent}, sim::seconds(10)), all_steps()));
  CHECK(find_line(lines, "web:80",
                  "final ACK from late#1 without data: kept in the SYN queue as acked (TCP_DEFER_ACCEPT, "
                  "tcp_check_req: request num_timeout 0 < TCP_DEFER_ACCEPT retransmissions 3)") != "");
  CHECK(find_line(lines, "web:80", "SYN-ACK timer of the acked request from silent#1: no retransmission") != "");
  CHECK(find_line(lines, "late#1", "first data (the request's first bytes) -> web:80") != "");
  CHECK(find_line(lines, "web:80", "first data from late#1 completes the connection: it joins the accept queue") != "");
  CHECK(find_line(lines, "web:80", "SYN-ACK retransmission 1 -> silent#1") != "");
  CHECK(find_line(lines, "web:80", "final ACK from silent#1 completes the connection") != "");
}

TEST_CASE("narration: event loops say who the kernel woke, by which rule, and when a loop is full", "[narration]") {
  model::HostSpec h = host("server", Os::kLinux, backlog(8), 0);
  model::EventLoopSpec loops;
  loops.count = 2;
  loops.wakeup = model::Wakeup::kEpoll;
  loops.max_connections = 1;
  loops.keepalive = sim::ConstantDist{sim::seconds(10)};
  h.listeners[0].loops = loops;
  const std::string text =
      narrate(scenario({h}, {client("c", Os::kLinux, 0, one_by_one(3))}, sim::seconds(1)), all_steps());
  INFO(text);
  CHECK(text.find("2 event loops wait (wakeup: epoll)") != std::string::npos);
  // The first connection finds both loops waiting: the herd, with the rule's source.
  CHECK(text.find("the kernel wakes all 2 waiting loops") != std::string::npos);
  CHECK(text.find("[ep_ptable_queue_proc (add_wait_queue)") != std::string::npos);
  // Each loop holds one connection at most: the third finds none waiting and stays queued.
  CHECK(text.find("its max_connections: it stops accepting until one closes") != std::string::npos);
  CHECK(text.find("none of the loops waits (each is busy or at max_connections): it stays queued") !=
        std::string::npos);
}

TEST_CASE("narration: a fault on one loop names the loop, and the run ends with each loop's results", "[narration]") {
  model::HostSpec h = host("server", Os::kLinux, backlog(8), 0);
  model::EventLoopSpec loops;
  loops.count = 2;
  loops.wakeup = model::Wakeup::kAccept;  // the loops take turns: 2 connections each
  loops.request_cost = sim::ConstantDist{sim::microseconds(100)};
  h.listeners[0].loops = loops;
  model::ScenarioSpec s = scenario({h}, {client("c", Os::kLinux, 0, one_by_one(4))}, sim::seconds(1));
  model::FaultSpec slow;
  slow.kind = model::FaultKind::kSlow;
  slow.length = sim::milliseconds(500);
  slow.port = 80;
  slow.factor = 3;
  slow.loop = 1;
  s.faults.push_back(slow);
  const std::string text = narrate(s, all_steps());
  INFO(text);
  CHECK(text.find("slow: loop 1's CPU costs x3 for 500ms") != std::string::npos);
  CHECK(text.find("slow over: loop 1's CPU costs are back to normal") != std::string::npos);
  // Loop 0: 2 x 100 us of 1 s; loop 1: 2 x 300 us.
  CHECK(text.find("loop 0 over the run: busy 0.0%, accepted 2, woken 2 times (0 found nothing)") != std::string::npos);
  CHECK(text.find("loop 1 over the run: busy 0.1%, accepted 2") != std::string::npos);
  // The results come before the closing line, which stays last.
  const std::vector<std::string> lines = lines_of(text);
  REQUIRE(lines.size() > 2);
  CHECK(lines[lines.size() - 2].find("loop 1 over the run") != std::string::npos);
  CHECK(lines.back().rfind("... the run ended at t=1 s", 0) == 0);
}

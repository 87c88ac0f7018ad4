// Scripts: socket calls made at their times inside the same simulation as the storms.
#include <catch2/catch.hpp>

#include "model/world.h"
#include "scenario_builder.h"

using namespace model;
using namespace model::test;

namespace {
ScriptStep step(std::int64_t at_ms, ScriptCall call) {
  ScriptStep s;
  s.at = sim::Time::zero() + sim::milliseconds(at_ms);
  s.call = call;
  s.line = static_cast<int>(at_ms);
  return s;
}
ScriptStep on(ScriptStep s, std::string socket) {
  s.socket = std::move(socket);
  return s;
}
// socket() named "s" at `at_ms`, then bind() to `port` a millisecond later.
std::vector<ScriptStep> bound_socket(std::int64_t at_ms, int port) {
  auto socket = step(at_ms, ScriptCall::kSocket);
  socket.as = "s";
  auto bind = on(step(at_ms + 1, ScriptCall::kBind), "s");
  bind.port = port;
  return {socket, bind};
}
ScriptStep listen_on_s(std::int64_t at_ms, std::int64_t backlog_value) {
  auto listen = on(step(at_ms, ScriptCall::kListen), "s");
  listen.backlog = backlog(backlog_value);
  return listen;
}
HostSpec bare_host(std::string name, Os os, std::int64_t max_sockets = 65536) {
  HostSpec h;
  h.name = std::move(name);
  h.os = os;
  h.kernel = default_knobs(os);
  h.max_sockets = max_sockets;
  return h;
}
}  // namespace

TEST_CASE("the issue's Windows exercise: listen before bind is WSAEINVAL, then a storm is served",
          "[script][windows]") {
  ScenarioSpec spec = scenario({bare_host("web", Os::kWindows, 8)}, {}, sim::seconds(2));
  auto socket = step(2, ScriptCall::kSocket);
  socket.as = "s";
  auto early = on(step(3, ScriptCall::kListen), "s");
  early.backlog = backlog(5);
  early.expect = "WSAEINVAL";
  auto bind = on(step(4, ScriptCall::kBind), "s");
  bind.port = 8080;
  auto listen = on(step(5, ScriptCall::kListen), "s");
  listen.backlog = backlog(5);
  listen.workers = 2;
  listen.service = sim::ConstantDist{sim::milliseconds(1)};
  spec.script = {step(1, ScriptCall::kWsaStartup), socket, early, bind, listen};
  ClientSpec storm = client("storm", Os::kWindows, 0, simultaneous(4, sim::Time::zero() + sim::milliseconds(10)));
  storm.target_port = 8080;
  spec.clients = {storm};
  const RunResults r = run_scenario(spec);
  REQUIRE(r.script.size() == 5);
  CHECK(r.script[2].result == "WSAEINVAL");
  CHECK(r.script[4].result == "OK");
  CHECK(r.script[4].value == 5);  // the backlog the kernel uses
  CHECK(r.expectations_met());
  CHECK(r.clients[0].counts.accepted == 4);
}

TEST_CASE("a SYN to a port nobody listens on is answered by RST", "[script]") {
  // The port is bound but never listened on; a Linux client is refused at once.
  ScenarioSpec spec = scenario({bare_host("web", Os::kLinux)}, {}, sim::seconds(1));
  spec.script = bound_socket(1, 9000);
  ClientSpec c = client("c", Os::kLinux, 0, simultaneous(3, sim::Time::zero() + sim::milliseconds(5)));
  c.target_port = 9000;
  spec.clients = {c};
  const auto r = run_scenario(spec);
  CHECK(r.clients[0].counts.refused == 3);
}

TEST_CASE("closing a listener during a storm resets what it held and refuses what comes after", "[script]") {
  ScenarioSpec spec = scenario({bare_host("web", Os::kLinux)}, {}, sim::seconds(1));
  spec.script = bound_socket(0, 80);
  spec.script.push_back(listen_on_s(2, 10));  // nobody accepts: connections wait in the queue
  spec.script.push_back(on(step(100, ScriptCall::kClose), "s"));
  spec.clients = {
      client("c", Os::kLinux, 0, BurstArrivals{10, sim::Time::zero() + sim::milliseconds(10), sim::milliseconds(180)})};
  const auto r = run_scenario(spec);
  const auto& k = r.clients[0].counts;
  CHECK(k.attempts == 10);
  CHECK(k.reset == 5);    // connected at 10, 28, 46, 64, 82 ms; the socket closed at 100 ms
  CHECK(k.refused == 5);  // the later ones find the port closed
  CHECK(k.balanced());
}

TEST_CASE("workers without a free descriptor leave connections queued until one frees (Winsock listen page)",
          "[script]") {
  // max_sockets 2: the listening socket and one accepted connection. The second worker's
  // accept() fails for lack of a descriptor; the connection waits in the queue until the
  // first connection is served and its descriptor closed.
  auto h = host("web", Os::kLinux, backlog(8), 2, sim::ConstantDist{sim::seconds(1)});
  h.max_sockets = 2;
  const auto r = run_scenario(scenario({h}, {client("c", Os::kLinux, 0, one_by_one(2))}, sim::seconds(3)));
  CHECK(r.clients[0].counts.accepted == 2);
  CHECK(r.listeners[0].accept_wait.max() == sim::milliseconds(999).ns());  // queued at 1 ms, accepted at 1 s
}

TEST_CASE("a script's accept takes a queued connection, or says it would block", "[script]") {
  ScenarioSpec spec = scenario({bare_host("web", Os::kWindows)}, {}, sim::seconds(1));
  const auto opened = bound_socket(1, 80);
  auto nothing = on(step(4, ScriptCall::kAccept), "s");
  nothing.expect = "WSAEWOULDBLOCK";
  auto one = on(step(20, ScriptCall::kAccept), "s");
  one.as = "c";
  auto wrong = on(step(30, ScriptCall::kListen), "c");
  wrong.backlog = backlog(5);
  wrong.expect = "WSAEINVAL";  // wrong on purpose: listen on a connected socket is WSAEISCONN
  spec.script = {step(0, ScriptCall::kWsaStartup), opened[0], opened[1], listen_on_s(3, 5), nothing, one, wrong};
  spec.clients = {client("c", Os::kWindows, 0, simultaneous(1, sim::Time::zero() + sim::milliseconds(10)))};
  const auto r = run_scenario(spec);
  CHECK(r.script[4].result == "WSAEWOULDBLOCK");
  CHECK(r.script[5].result == "OK");
  CHECK(r.clients[0].counts.accepted == 1);
  CHECK(r.script[6].result == "WSAEISCONN");
  CHECK_FALSE(r.script[6].met());
  CHECK_FALSE(r.expectations_met());
}

TEST_CASE("listen again on a live listener: Linux applies the new backlog, Windows keeps the old", "[script]") {
  for (Os os : {Os::kLinux, Os::kWindows}) {
    ScenarioSpec spec = scenario({bare_host("web", os)}, {}, sim::seconds(1));
    spec.script = bound_socket(1, 80);
    spec.script.push_back(listen_on_s(3, 2));
    spec.script.push_back(listen_on_s(4, 20));
    if (os == Os::kWindows) spec.script.insert(spec.script.begin(), step(0, ScriptCall::kWsaStartup));
    spec.clients = {client("c", os, 0, one_by_one(30, sim::Time::zero() + sim::milliseconds(10)))};
    const auto r = run_scenario(spec);
    CHECK(r.listeners[0].backlog == (os == Os::kWindows ? 2 : 20));
    CHECK(r.clients[0].counts.established == (os == Os::kWindows ? 2 : 21));
  }
}

// model/script_runner.h — a scenario's script: socket API calls made on hosts at set times.
//
// Each step calls the host's SocketTable (socket, bind, listen, accept, connect, close,
// WSAStartup/WSACleanup, net_down/net_up) at its time and records what it returned, with
// the error named as the host's OS names it, next to what the exercise expected. listen()
// on a bound port opens its listener slot; close() on a listening socket closes it. A
// blocking accept() holds the script's thread until a connection completes.
#pragma once

#include <cstdint>
#include <vector>

#include "model/digest.h"
#include "model/host.h"
#include "model/listener.h"
#include "model/results.h"
#include "model/spec.h"
#include "model/tracer.h"
#include "sim/engine.h"

namespace model {

class ScriptRunner final : public sim::EventHandler, public AcceptWaiter {
 public:
  ScriptRunner(const ScenarioSpec& spec, sim::Engine& engine, std::vector<Host>& hosts, Listeners& listeners,
               const Tracer& tracer, RunDigest& digest);

  // Schedules every step at its time (by time, then file order).
  void start();
  // A blocking accept() still waiting has no result: it is recorded as BLOCKED.
  std::vector<ScriptResult> finish();

  // Runs step `arg` of the schedule.
  void handle(sim::Engine& engine, std::uint64_t arg) override;
  void connection_ready(Listener& l) override;

 private:
  void run(const ScriptStep& st);
  void record(const Host& h, const ScriptStep& st, const SocketResult& r);

  const ScenarioSpec& spec_;
  sim::Engine& engine_;
  std::vector<Host>& hosts_;
  Listeners& listeners_;
  const Tracer& tracer_;
  RunDigest& digest_;
  std::vector<const ScriptStep*> steps_;  // by time, then file order
  std::vector<ScriptResult> results_;
};

}  // namespace model

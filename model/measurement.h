// model/measurement.h — the measurement window (`measure:`, `--window`): what a run's
// time-based figures cover.
//
// Counts are restricted where they are made: a connection started inside the window is
// `measured` (model/connection.h), and only measured connections are counted by Clients,
// Listeners and Wire. This part handles what is not a count of connections: the accept-
// and SYN-queue statistics, which it takes over [from, to) by reading the queues'
// time-weighted integrals at both ends. Without a window it does nothing and schedules
// nothing: the statistics are the whole run's, as before.
#pragma once

#include <vector>

#include "model/listener.h"
#include "model/results.h"
#include "model/spec.h"
#include "sim/engine.h"

namespace model {

class Measurement final : public sim::EventHandler {
 public:
  Measurement(const ScenarioSpec& spec, sim::Engine& engine, Listeners& listeners);

  // Schedules the window's two ends, if the scenario has a window.
  void start();
  // Writes each listener's queue statistics and measured span into its results (at the
  // run's end, `now`).
  void close(sim::Time now);

  void handle(sim::Engine& engine, std::uint64_t arg) override;

 private:
  struct Mark {
    double accept_area = 0, accept_full = 0, syn_area = 0, syn_full = 0;
    std::int64_t accept_max = 0, syn_max = 0;
  };
  Mark mark(const Listener& l, sim::Time t) const;

  const ScenarioSpec& spec_;
  sim::Engine& engine_;
  Listeners& listeners_;
  std::vector<Mark> at_from_;
  std::vector<Mark> at_to_;
  bool ended_ = false;  // the window's end has passed
};

}  // namespace model

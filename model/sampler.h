// model/sampler.h — the run's time series: one row per sample_interval.
//
// Every `sample_interval` the sampler appends a row: the attempts, outcomes and dropped
// SYNs of the interval, and each listener's time-weighted mean accept- and SYN-queue
// length over it. The run's end adds a last, shorter interval if one is open. With
// `sample_detail` the row goes on with each client group's attempts, accepted and failed
// (refused + timed_out + reset) attempts and its connect-latency p50 and p99 in the
// interval, then the p50 and p99 over every group; a percentile of an interval in which no
// connection was established is NaN. Without it, the columns are exactly those above.
#pragma once

#include <vector>

#include "model/client.h"
#include "model/listener.h"
#include "model/results.h"
#include "model/spec.h"
#include "sim/engine.h"
#include "sim/stats.h"

namespace model {

class Sampler final : public sim::EventHandler {
 public:
  Sampler(const ScenarioSpec& spec, sim::Engine& engine, Clients& clients, const Listeners& listeners);

  // Schedules the first sample.
  void start();
  // Adds the row of the interval still open at now(), if any.
  void finish();
  const sim::TimeSeries& series() const { return series_; }
  sim::TimeSeries take_series() { return std::move(series_); }

  void handle(sim::Engine& engine, std::uint64_t arg) override;

 private:
  void append();
  void append_detail(std::vector<double>& row);

  const ScenarioSpec& spec_;
  sim::Engine& engine_;
  sim::Time end_;
  Clients& clients_;
  const Listeners& listeners_;
  sim::TimeSeries series_{{}};
  // Cumulative values at the previous sample, to turn totals into per-interval figures.
  OutcomeCounts totals_;
  std::uint64_t syns_dropped_ = 0;
  std::vector<double> accept_integral_;
  std::vector<double> syn_integral_;
  std::vector<OutcomeCounts> group_totals_;  // sample_detail: each group's counts at the previous sample
  sim::Time last_;
};

}  // namespace model

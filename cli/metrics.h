// cli/metrics.h — the numbers a sweep or a plan reads off each replication.
//
// One table names every metric once: the sweep's CSV and JSON columns, plan's --target
// and docs/sweeps.md all use these names. measure() is a pure function of a run's
// results, so the same replication always gives the same values, bit for bit.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "model/results.h"
#include "sim/stats.h"

namespace cli {

struct MetricInfo {
  std::string_view name;     // "refusal_rate": the CSV column stem and plan's --target name
  std::string_view meaning;  // one line for docs and messages
  // For a metric a replication may have no value of (a percentile of no samples): the CSV
  // column counting the replications that had one ("connect_reps"); empty otherwise.
  std::string_view reps_column;
};

inline constexpr std::size_t kMetricCount = 10;
using MetricValues = std::array<double, kMetricCount>;

// In output order.
std::span<const MetricInfo, kMetricCount> metric_table();

// The index of the metric called `name`, or nullopt.
std::optional<std::size_t> find_metric(std::string_view name);

// The metrics of one run. The connect-latency percentiles are NaN when the run established
// no connection, the accept-wait percentile when nothing was accepted (there is nothing to
// report); every other metric is always finite.
MetricValues measure(const model::RunResults& r);

// Mean and confidence interval of one metric over replications, leaving out the NaN
// samples (n counts the samples used).
sim::MeanCI summarize(std::span<const double> samples, double confidence);

}  // namespace cli

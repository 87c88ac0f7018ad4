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
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/results.h"
#include "model/spec.h"
#include "sim/stats.h"

namespace cli {

struct MetricInfo {
  std::string_view name;     // "refusal_rate": the CSV column stem and plan's --target name
  std::string_view meaning;  // one line for docs and messages
  // For a metric a replication may have no value of (a percentile of no samples): the CSV
  // column counting the replications that had one ("connect_reps"); empty otherwise.
  std::string_view reps_column;
  // What `name[SELECTOR]` may select: one client group's attempts (and its requests through
  // a proxy), one listener's queue, or one proxy's queue (the HOST:PORT it serves).
  enum class Per { kGroup, kListener, kProxy } per;
  // kGroup: whether `name[GROUP/OS]` selects one OS of a mixed group. Requests are not
  // split by OS, so the request metrics refuse it rather than answer 0.
  bool per_os = true;
};

inline constexpr std::size_t kMetricCount = 17;
// The kMetricCount metrics of metric_table(), then any selected ones (SelectedMetric).
using MetricValues = std::vector<double>;

// A metric of one client group, one listener or one proxy: "loss_rate[windows-clients]",
// "accept_wait_p99_ms[gw:443]", "proxy_queue_wait_p99_ms[edge:80]" (HOST:PORT).
struct SelectedMetric {
  std::size_t metric;    // index into metric_table()
  std::string selector;  // the group's name, or HOST:PORT
  std::string name;      // "loss_rate[windows-clients]"
};

// Parses `name[SELECTOR]` and checks the selector against the scenario's client groups or
// listeners; the error names the known ones with a did-you-mean. A name without [...] is
// not a selected metric: nullopt then (use find_metric).
std::optional<std::variant<SelectedMetric, std::string>> parse_selected_metric(std::string_view text,
                                                                               const model::ScenarioSpec& spec);

// Parses --metrics LIST (comma-separated `name[SELECTOR]`), each as above; a name given
// twice counts once. The error names the first bad entry.
std::variant<std::vector<SelectedMetric>, std::string> parse_metric_list(std::string_view list,
                                                                         const model::ScenarioSpec& spec);

// In output order.
std::span<const MetricInfo, kMetricCount> metric_table();

// The index of the metric called `name`, or nullopt.
std::optional<std::size_t> find_metric(std::string_view name);

// The metrics of one run, then each of `selected` in order. The connect-latency percentiles
// are NaN when the run (or group) established no connection, the accept-wait percentile
// when nothing was accepted (there is nothing to report), a selected metric whose group or
// listener the run did not have; every other metric is always finite. This is the one
// place a replication's numbers are computed from its results: a restriction of what is
// counted (a measurement window) belongs here.
MetricValues measure(const model::RunResults& r, std::span<const SelectedMetric> selected = {});

// Mean and confidence interval of one metric over replications, leaving out the NaN
// samples (n counts the samples used).
sim::MeanCI summarize(std::span<const double> samples, double confidence);

}  // namespace cli

#include "cli/metrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace cli {

namespace {

constexpr std::array<MetricInfo, kMetricCount> kMetrics{{
    {"refusal_rate", "refused / attempts: connections answered with RST", ""},
    {"failure_rate", "1 - accepted / attempts: every attempt not accepted, those still open at the end included", ""},
    {"loss_rate",
     "(refused + timed_out + reset) / (attempts - pending): the attempts decided during the run that failed", ""},
    {"reset_rate", "reset / attempts: connections the client thought established and the server dropped", ""},
    {"timeout_rate", "timed_out / attempts: connections whose client gave up without an answer", ""},
    {"connect_p50_ms", "median connect latency over established connections, ms", "connect_reps"},
    {"connect_p99_ms", "99th percentile connect latency over established connections, ms", "connect_reps"},
    {"accept_wait_p99_ms", "99th percentile time in an accept queue before accept(), all listeners, ms",
     "accept_wait_reps"},
    {"accept_full_fraction", "fraction of time the fullest listener's accept queue was full (max over listeners)", ""},
    {"attempts", "connect() calls made during the run", ""},
}};

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

double rate(std::uint64_t part, std::uint64_t attempts) {
  return attempts ? static_cast<double>(part) / static_cast<double>(attempts) : 0.0;
}

}  // namespace

std::span<const MetricInfo, kMetricCount> metric_table() { return kMetrics; }

std::optional<std::size_t> find_metric(std::string_view name) {
  for (std::size_t i = 0; i < kMetrics.size(); ++i) {
    if (kMetrics[i].name == name) return i;
  }
  return std::nullopt;
}

MetricValues measure(const model::RunResults& r) {
  const model::OutcomeCounts& t = r.totals;
  const sim::Histogram latency = r.pooled_connect_latency();
  sim::Histogram wait(r.listeners.empty() ? 7 : r.listeners.front().accept_wait.sub_bits());
  double full = 0;
  for (const model::ListenerResults& l : r.listeners) {
    wait.merge(l.accept_wait);
    full = std::max(full, l.accept_queue.full_fraction);
  }
  const double nan = std::nan("");
  return MetricValues{
      t.refusal_rate(),
      t.failure_rate(),
      t.loss_rate(),
      rate(t.reset, t.attempts),
      rate(t.timed_out, t.attempts),
      latency.count() ? ms(latency.percentile(0.50)) : nan,
      latency.count() ? ms(latency.percentile(0.99)) : nan,
      wait.count() ? ms(wait.percentile(0.99)) : nan,
      full,
      static_cast<double>(t.attempts),
  };
}

sim::MeanCI summarize(std::span<const double> samples, double confidence) {
  std::vector<double> kept;
  kept.reserve(samples.size());
  for (double x : samples) {
    if (!std::isnan(x)) kept.push_back(x);
  }
  return sim::mean_confidence_interval(kept, confidence);
}

}  // namespace cli

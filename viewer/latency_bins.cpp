#include "viewer/latency_bins.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace viewer {

LatencyBins latency_bins(const sim::Histogram& h, std::size_t bins, std::size_t quantiles) {
  assert(bins >= 2 && quantiles >= 1);
  LatencyBins out;
  out.count = h.count();
  std::vector<double> values(quantiles);
  for (std::size_t i = 0; i < quantiles; ++i) {
    const double q = (static_cast<double>(i) + 0.5) / static_cast<double>(quantiles);
    values[i] = static_cast<double>(h.percentile(q)) / 1e9;
  }
  double smallest = 0;
  for (const double v : values) {
    if (v > 0 && (smallest == 0 || v < smallest)) smallest = v;
  }
  const double lo = smallest > 0 ? std::pow(10.0, std::floor(std::log10(smallest))) : 1e-6;
  const double largest = static_cast<double>(h.max()) / 1e9;
  const double hi = largest > lo ? largest : lo * 10;
  // Edge k (k >= 1) at lo * (hi/lo)^((k-1)/(bins-1)); the first bar is [0, lo).
  out.edges.assign(bins + 1, 0.0);
  const double ratio = std::log(hi / lo);
  for (std::size_t k = 1; k <= bins; ++k) {
    out.edges[k] = lo * std::exp(ratio * static_cast<double>(k - 1) / static_cast<double>(bins - 1));
  }
  out.edges[bins] = hi;
  out.counts.assign(bins, 0.0);
  if (out.count == 0) return out;
  const double weight = static_cast<double>(out.count) / static_cast<double>(quantiles);
  for (const double v : values) {
    // The last edge whose value is <= v names the bar; the largest value lands in the last bar.
    const auto it = std::upper_bound(out.edges.begin() + 1, out.edges.end(), v);
    const std::size_t bar = std::min<std::size_t>(static_cast<std::size_t>(it - out.edges.begin()) - 1, bins - 1);
    out.counts[bar] += weight;
  }
  return out;
}

}  // namespace viewer

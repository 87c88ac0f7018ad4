// viewer/latency_bins.h — a latency distribution as bars to draw.
//
// sim::Histogram answers quantiles, not bucket counts. The bars are recovered by asking
// `quantiles` evenly spaced quantiles and counting count/quantiles samples at each, in
// log-spaced bins from the smallest positive latency's decade to the largest latency: each
// bar's share is within 1/quantiles of the true one. Latencies below the first edge (zero
// included: no network) fall in the first bar.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/stats.h"

namespace viewer {

struct LatencyBins {
  std::uint64_t count = 0;
  std::vector<double> edges;   // seconds; bars + 1 values, the first 0
  std::vector<double> counts;  // estimated samples per bar
};

// Requires: bins >= 2, quantiles >= 1.
LatencyBins latency_bins(const sim::Histogram& h, std::size_t bins, std::size_t quantiles = 400);

}  // namespace viewer

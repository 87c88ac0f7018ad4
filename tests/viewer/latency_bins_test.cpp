// Tests of viewer::latency_bins: a histogram's shape recovered from its quantiles.
#include "viewer/latency_bins.h"

#include <numeric>

#include <catch2/catch.hpp>

TEST_CASE("latency bars hold every sample, zero latencies in the first bar", "[viewer][latency]") {
  sim::Histogram h;
  for (int i = 0; i < 300; ++i) h.record(0);
  for (int i = 0; i < 100; ++i) h.record(1'000'000'000);  // 1 s: a retransmitted SYN
  for (int i = 0; i < 100; ++i) h.record(3'000'000'000);
  const viewer::LatencyBins b = viewer::latency_bins(h, 10, 500);
  REQUIRE(b.count == 500);
  REQUIRE(b.edges.size() == 11);
  REQUIRE(b.counts.size() == 10);
  REQUIRE(b.edges.front() == 0);
  REQUIRE(b.edges.back() == Approx(3.0));
  REQUIRE(std::accumulate(b.counts.begin(), b.counts.end(), 0.0) == Approx(500));
  // 0 falls in the first bar, 1 s in the first log-spaced bar (the edge is its decade), 3 s in the last.
  REQUIRE(b.counts.front() == Approx(300));
  REQUIRE(b.edges[1] == Approx(1.0));
  REQUIRE(b.counts[1] == Approx(100));
  REQUIRE(b.counts.back() == Approx(100));
}

TEST_CASE("an empty histogram has empty bars over a default range", "[viewer][latency]") {
  const viewer::LatencyBins b = viewer::latency_bins(sim::Histogram{}, 4);
  REQUIRE(b.count == 0);
  REQUIRE(b.edges.size() == 5);
  REQUIRE(std::accumulate(b.counts.begin(), b.counts.end(), 0.0) == 0);
}

// cli/sweep.h — `synstorm sweep`: a grid of scenario variants, each run many times, with
// the mean and 95% confidence interval of every metric (cli/metrics.h) per point.
//
// Outputs (docs/sweeps.md documents every column): a CSV with one row per point, and
// optionally a JSON document with the same summaries plus every replication's seed, digest
// and metric values. Both are written by rank 0 only, atomically, in point order, and are
// byte-identical for every -j and every number of MPI ranks. An interrupted sweep (SIGINT,
// SIGTERM) writes the points it completed, marks the JSON "interrupted": true and exits
// 130; `--resume` then reads that JSON, checks it was made by the same scenario text, --vary
// and --reps, and runs only the missing points.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/ranks.h"

namespace cli {

struct SweepOptions {
  std::string file;
  std::vector<std::string> vary;  // PATH=VALUES, as given
  std::vector<std::string> set;   // PATH=VALUE pins, as given
  std::string metrics;            // --metrics: per-group/listener metrics, "loss_rate[web],..."; "" none
  bool crn = false;               // common random numbers: seeds leave the point out
  bool dry_run = false;           // print the grid and a pilot's time; run nothing else
  std::uint32_t reps = 10;
  unsigned jobs = 1;
  std::string csv_path;   // --out
  std::string json_path;  // --json; "" for none
  bool resume = false;
  bool progress = true;  // a progress bar when stderr is a terminal
  // --max-inflight, per replication; unset: half the memory shared between the -j threads.
  std::optional<std::uint64_t> max_inflight;
  std::optional<std::string> window;  // --window FROM..TO (config/window.h)
};

// Runs the sweep and returns the exit code (0, 2 bad input, 4 some point cut short by a
// limit (listed on `err` and in the JSON's "points_cut_short"; left out of the summaries),
// 130 interrupted). Collective
// over `ranks`; only rank 0 prints to `err` and writes files.
int run_sweep(const SweepOptions& options, const Ranks& ranks, std::ostream& err);

}  // namespace cli

// cli/replicate.h — replications run in parallel: threads in this process, MPI ranks
// across processes.
//
// Replication k of a list goes to rank k mod size; each rank runs its share on `jobs`
// threads, each replication on its own engine, and every rank gets every result back in
// list order. A result depends only on its spec and seed, never on which thread or rank
// ran it or when, so the gathered results are the same bits for any -j and any number of
// ranks. Collective: every rank calls it with the same arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "cli/metrics.h"
#include "cli/ranks.h"
#include "model/spec.h"

namespace cli {

struct Replication {
  std::size_t spec;    // index into the specs
  std::uint64_t seed;  // replaces the spec's seed
};

struct ReplicationResult {
  bool done = false;  // false: not run, or stopped, because of an interruption
  std::uint64_t digest = 0;
  MetricValues values{};
};

// Called on the main thread a few times a second with how many of this rank's
// replications are done, out of how many.
using ProgressFn = std::function<void(std::size_t done, std::size_t total)>;

// Runs every replication unless interrupted (cli/interrupt.h): then no new one starts,
// running ones stop at their next poll, and those are returned with done == false.
// Requires: jobs >= 1.
std::vector<ReplicationResult> run_replications(std::span<const model::ScenarioSpec> specs,
                                                std::span<const Replication> replications, unsigned jobs,
                                                const Ranks& ranks, const ProgressFn& progress = {});

}  // namespace cli

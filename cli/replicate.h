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
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cli/metrics.h"
#include "cli/ranks.h"
#include "model/results.h"
#include "model/spec.h"
#include "model/world.h"

namespace cli {

// Memory one connection in flight costs at most, all included: its pooled state, its
// pending timer and segment events, its share of the queues (measured: bench/, issue
// notes). The default in-flight limit lets them use half of the machine's memory.
inline constexpr std::uint64_t kBytesPerInflight = 512;
std::uint64_t default_max_inflight();

// What to say when memory ran out anyway: which limit bounds it, and how to set it.
std::string out_of_memory_advice();

// Why a run stopped as model::CutShort::kStalled, for messages.
std::string stalled_reason(const model::RunControl& control);

struct Replication {
  std::size_t spec;    // index into the specs
  std::uint64_t seed;  // replaces the spec's seed
};

struct ReplicationResult {
  bool done = false;  // false: not run, or stopped, because of an interruption
  // Set with done: the run stopped at a limit (--max-inflight, a stalled clock); its values
  // cover it up to there and are not to be summarised with complete runs.
  model::CutShort cut_short = model::CutShort::kNo;
  std::uint64_t digest = 0;
  MetricValues values;  // metric_table()'s, then the selected ones
};

// What every replication is run with; the in-flight limit applies to each one.
struct ReplicationLimits {
  std::size_t max_inflight = SIZE_MAX;
};

// The in-flight limit of each replication when `jobs` run at once in this process:
// `given` if the user gave one, else the default shared between them.
std::size_t inflight_limit_per_job(std::optional<std::uint64_t> given, unsigned jobs);

// Called on the main thread a few times a second with how many of this rank's
// replications are done, out of how many.
using ProgressFn = std::function<void(std::size_t done, std::size_t total)>;

// The spec of index k (Replication::spec), loaded when a worker takes its first
// replication: a sweep holds only the specs of the points in flight, never the whole grid.
// Called from worker threads, one at a time; the same k must always give the same spec.
using SpecLoader = std::function<model::ScenarioSpec(std::size_t spec)>;

// Runs every replication unless interrupted (cli/interrupt.h): then no new one starts,
// running ones stop at their next poll, and those are returned with done == false.
// Each result carries metric_table()'s values, then `selected`'s.
// When fewer threads than `jobs` can be created, it goes on with those it has (saying so
// on stderr), on the calling thread if none. Requires: jobs >= 1; the replications of one
// spec next to each other (else specs are loaded more than once: slower, same results).
std::vector<ReplicationResult> run_replications(const SpecLoader& load, std::span<const Replication> replications,
                                                unsigned jobs, const Ranks& ranks, const ReplicationLimits& limits,
                                                std::span<const SelectedMetric> selected = {},
                                                const ProgressFn& progress = {});

}  // namespace cli

#include "cli/replicate.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <unistd.h>

#include "cli/interrupt.h"
#include "model/world.h"

namespace cli {

namespace {

// A result on the wire: its index, done, how it was cut short, digest, then the metrics' bits.
constexpr std::size_t kHeaderWords = 4;

// The specs the workers are using: the few most recently loaded. Replications come in
// spec order, so a spec is loaded about once, and memory holds about one per thread.
class SpecCache {
 public:
  SpecCache(const SpecLoader& load, std::size_t capacity) : load_(load), capacity_(capacity) {}

  model::ScenarioSpec get(std::size_t k) {
    const std::lock_guard lock(mutex_);
    for (const auto& [index, spec] : held_) {
      if (index == k) return *spec;
    }
    auto spec = std::make_shared<const model::ScenarioSpec>(load_(k));
    if (held_.size() >= capacity_) held_.erase(held_.begin());
    held_.emplace_back(k, spec);
    return *spec;
  }

 private:
  const SpecLoader& load_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::vector<std::pair<std::size_t, std::shared_ptr<const model::ScenarioSpec>>> held_;  // oldest first
};

}  // namespace

std::uint64_t default_max_inflight() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 1'000'000;  // unknown: a conservative million
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) / 2 / kBytesPerInflight;
}

std::size_t inflight_limit_per_job(std::optional<std::uint64_t> given, unsigned jobs) {
  if (given) return static_cast<std::size_t>(*given);
  return static_cast<std::size_t>(std::max<std::uint64_t>(1, default_max_inflight() / std::max(jobs, 1u)));
}

std::string out_of_memory_advice() {
  return "out of memory; --max-inflight N bounds the connections a run holds at once (by default half the memory "
         "at " +
         std::to_string(kBytesPerInflight) + " bytes each, shared between the -j threads of a sweep or plan)";
}

std::string stalled_reason(const model::RunControl& control) {
  return "the simulated clock did not advance for " + std::to_string(control.max_events_at_one_instant) +
         " events (a loop with no delay in it: e.g. a closed population whose think, service and network times are "
         "all zero)";
}

std::vector<ReplicationResult> run_replications(const SpecLoader& load, std::span<const Replication> replications,
                                                unsigned jobs, const Ranks& ranks, const ReplicationLimits& limits,
                                                std::span<const SelectedMetric> selected, const ProgressFn& progress) {
  std::vector<std::size_t> mine;
  for (std::size_t k = static_cast<std::size_t>(ranks.rank()); k < replications.size();
       k += static_cast<std::size_t>(ranks.size())) {
    mine.push_back(k);
  }
  std::vector<ReplicationResult> local(mine.size());

  std::atomic<std::size_t> next{0};
  std::size_t finished = 0;  // guarded by mutex
  std::size_t running = 0;   // worker threads still going; guarded by mutex
  std::exception_ptr failure;
  std::mutex mutex;
  std::condition_variable changed;

  model::RunControl control;
  control.interrupted = &cli::interrupted;
  control.max_inflight = limits.max_inflight;
  const std::size_t threads = std::min<std::size_t>(std::max(jobs, 1u), std::max<std::size_t>(mine.size(), 1));
  SpecCache specs(load, 2 * threads);
  const auto work = [&] {
    try {
      while (!cli::interrupted()) {
        const std::size_t i = next.fetch_add(1);
        if (i >= mine.size()) break;
        const Replication& job = replications[mine[i]];
        model::ScenarioSpec spec = specs.get(job.spec);
        spec.seed = job.seed;
        const model::RunResults r = model::run_scenario(spec, control);
        if (!r.internal_error.empty()) throw std::runtime_error(r.internal_error);  // reported as internal
        if (r.cut_short != model::CutShort::kInterrupted) {
          local[i] = ReplicationResult{true, r.cut_short, r.digest, measure(r, selected)};
        }
        const std::lock_guard lock(mutex);
        ++finished;
        changed.notify_all();
      }
    } catch (...) {
      const std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
      next.store(mine.size());  // the others stop too
    }
    const std::lock_guard lock(mutex);
    --running;
    changed.notify_all();
  };

  std::vector<std::thread> pool;
  {
    // Counted as running before it starts, so that the wait below cannot end early.
    const std::lock_guard lock(mutex);
    running = threads;
  }
  for (std::size_t t = 0; t < threads; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error& e) {
      // Thread creation can fail (a process or memory limit): go on with the threads we
      // have, or on this one. The results do not depend on how many there are.
      std::cerr << "synstorm: could start only " << t << " of " << threads << " threads (" << e.what() << "); "
                << (t == 0 ? "running on one" : "going on with those") << "\n";
      const std::lock_guard lock(mutex);
      running -= threads - t;
      break;
    }
  }
  if (pool.empty()) {
    {
      const std::lock_guard lock(mutex);
      ++running;
    }
    work();
  }
  {
    std::unique_lock lock(mutex);
    while (running > 0) {
      if (progress) {
        const std::size_t done = finished;
        lock.unlock();
        progress(done, mine.size());
        lock.lock();
      }
      changed.wait_for(lock, std::chrono::milliseconds(200));
    }
  }
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  if (progress) progress(finished, mine.size());

  const std::size_t value_count = kMetricCount + selected.size();
  const std::size_t words_each = kHeaderWords + value_count;
  std::vector<std::uint64_t> words;
  words.reserve(mine.size() * words_each);
  for (std::size_t i = 0; i < mine.size(); ++i) {
    words.push_back(mine[i]);
    words.push_back(local[i].done ? 1 : 0);
    words.push_back(static_cast<std::uint64_t>(local[i].cut_short));
    words.push_back(local[i].digest);
    local[i].values.resize(value_count, std::nan(""));  // a replication not run has none
    for (const double v : local[i].values) words.push_back(std::bit_cast<std::uint64_t>(v));
  }
  const std::vector<std::uint64_t> all = ranks.all_gather(words);
  std::vector<ReplicationResult> results(replications.size());
  for (std::size_t w = 0; w + words_each <= all.size(); w += words_each) {
    ReplicationResult& r = results[static_cast<std::size_t>(all[w])];
    r.done = all[w + 1] != 0;
    r.cut_short = static_cast<model::CutShort>(all[w + 2]);
    r.digest = all[w + 3];
    r.values.resize(value_count);
    for (std::size_t m = 0; m < value_count; ++m) r.values[m] = std::bit_cast<double>(all[w + kHeaderWords + m]);
  }
  return results;
}

}  // namespace cli

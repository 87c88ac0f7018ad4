// bench/event_queue_bench.cpp — event throughput under the classic "hold" model.
//
// The hold model (Vaucher & Duval, 1975; Jones, 1986) keeps the pending-event set at a
// constant size N: each processed event schedules exactly one new event at
// now + an exponential increment. items_per_second is events processed per second.
//   BM_EngineHold  — sim::Engine end to end: pop, dispatch through EventHandler,
//                    draw the increment with sim::sample, push.
//   BM_QueueHold   — sim::EventQueue alone (increments drawn in advance), to separate
//                    the heap's cost from the dispatch and sampling.
// Run a Release build, e.g.
//   event_queue_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "sim/distribution.h"
#include "sim/engine.h"
#include "sim/event_queue.h"
#include "sim/random.h"

namespace {

constexpr std::uint64_t kSeed = 2024;
const sim::DurationDist kIncrement = sim::ExponentialDist{sim::milliseconds(1)};

class HoldHandler final : public sim::EventHandler {
 public:
  HoldHandler() : rng_(kSeed, "hold") {}

  sim::Duration increment() { return sim::sample(kIncrement, rng_); }

  void handle(sim::Engine& engine, std::uint64_t arg) override { engine.schedule_in(increment(), *this, arg); }

 private:
  sim::RandomStream rng_;
};

void BM_EngineHold(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  sim::Engine engine;
  engine.reserve(n + 1);
  HoldHandler handler;
  for (std::size_t i = 0; i < n; ++i) engine.schedule_at(sim::Time::zero() + handler.increment(), handler, i);
  for (auto _ : state) {
    engine.step();
  }
  benchmark::DoNotOptimize(engine.now());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_EngineHold)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);

void BM_QueueHold(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  // A ring of pre-drawn increments, large enough that its reuse has no pattern the
  // heap could benefit from, small enough to stay in L2.
  constexpr std::size_t kRing = 1 << 14;
  sim::RandomStream rng(kSeed, "queue_hold");
  std::vector<sim::Duration> increments(kRing);
  for (auto& d : increments) d = sim::sample(kIncrement, rng);

  sim::EventQueue queue;
  queue.reserve(n + 1);
  std::uint64_t seq = 0;
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; ++i) {
    queue.push(sim::Event{sim::Time::zero() + increments[k], seq++, nullptr, i});
    k = (k + 1) & (kRing - 1);
  }
  for (auto _ : state) {
    const sim::Event e = queue.pop();
    queue.push(sim::Event{e.at + increments[k], seq++, nullptr, e.arg});
    k = (k + 1) & (kRing - 1);
  }
  benchmark::DoNotOptimize(queue.top());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_QueueHold)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);

}  // namespace

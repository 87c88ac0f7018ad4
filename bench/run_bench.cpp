// bench/run_bench.cpp — whole runs: synstorm against a minimal event loop of the same model.
//
//   run_bench [SCENARIO]   (default: bench/scenarios/r1.yaml)
//
// Runs the scenario through model::run_scenario and, for R1 (one listener, c workers,
// accept queue K, Poisson arrivals, exponential service, refusals immediate, zero
// latency), a minimal loop of the same model: a binary heap (std::priority_queue) of POD
// events, two event kinds (arrival, departure), nothing else. Both draw from the same
// samplers (sim/distribution.h), so they do the same random work. Prints wall times (best
// of --repetitions), their ratio, events/s and attempts/s, and the process's peak RSS
// after the synstorm runs. Wall time is read only here, never by the simulator.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <queue>
#include <string>
#include <vector>

#include "config/loader.h"
#include "model/world.h"
#include "sim/distribution.h"
#include "sim/random.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Minimal {
  std::uint64_t events = 0;
  std::uint64_t attempts = 0;
  std::uint64_t refused = 0;
};

// The minimal loop: the M/M/c/(c+K) system R1 is, written as anyone would by hand.
Minimal minimal_loop(double rate, sim::Duration mean_service, int c, int k, sim::Duration duration,
                     std::uint64_t seed) {
  struct Event {
    std::int64_t at;
    std::uint64_t seq;
    bool arrival;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> heap;
  sim::RandomStream arrivals(seed, "minimal/arrivals");
  sim::RandomStream service(seed, "minimal/service");
  const sim::DurationDist service_dist = sim::ExponentialDist{mean_service};
  const double mean_gap = 1.0 / rate;
  std::uint64_t seq = 0;
  int in_system = 0;  // in service + waiting
  Minimal m;
  heap.push({sim::duration_from_seconds(sim::sample_exponential(arrivals, mean_gap))->ns(), seq++, true});
  while (!heap.empty()) {
    const Event e = heap.top();
    heap.pop();
    if (e.at >= duration.ns()) break;
    ++m.events;
    if (e.arrival) {
      ++m.attempts;
      if (in_system >= c + k) {
        ++m.refused;
      } else if (++in_system <= c) {
        heap.push({e.at + sim::sample(service_dist, service).ns(), seq++, false});
      }
      heap.push({e.at + sim::duration_from_seconds(sim::sample_exponential(arrivals, mean_gap))->ns(), seq++, true});
    } else if (--in_system >= c) {
      heap.push({e.at + sim::sample(service_dist, service).ns(), seq++, false});  // the next waiting one
    }
  }
  return m;
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string file = argc > 1 ? argv[1] : std::string(SYNSTORM_SOURCE_DIR) + "/bench/scenarios/r1.yaml";
  const int repetitions = argc > 2 ? std::atoi(argv[2]) : 3;
  const config::LoadResult loaded = config::load_scenario_file(file);
  if (!loaded.ok()) {
    for (const auto& d : loaded.errors) std::fprintf(stderr, "%s\n", config::format(d).c_str());
    return 2;
  }
  const model::ScenarioSpec& spec = *loaded.spec;

  double best_synstorm = 1e300;
  model::RunResults r;
  for (int i = 0; i < repetitions; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    r = model::run_scenario(spec);
    best_synstorm = std::min(best_synstorm, seconds_since(t0));
  }
  const long rss = peak_rss_kib();
  std::printf("%s: %llu attempts, %llu events, %.1f s simulated\n", spec.name.c_str(),
              static_cast<unsigned long long>(r.totals.attempts), static_cast<unsigned long long>(r.events),
              r.end.seconds());
  std::printf("synstorm      %8.3f s  %6.2f M events/s  %6.2f M attempts/s  peak RSS %ld MiB\n", best_synstorm,
              static_cast<double>(r.events) / best_synstorm / 1e6,
              static_cast<double>(r.totals.attempts) / best_synstorm / 1e6, rss / 1024);

  // Memory per connection held: the whole process's peak RSS over the connections the
  // listeners held at their most (half-open + complete), an upper bound when they all
  // peak together (as in bench/scenarios/half-open.yaml).
  std::int64_t held = 0;
  for (const auto& l : r.listeners) held += l.syn_queue.max + l.accept_queue.max;
  if (held > 0) {
    std::printf("connections held (sum over listeners of their most): %lld; peak RSS / held: %.0f bytes\n",
                static_cast<long long>(held), static_cast<double>(rss) * 1024.0 / static_cast<double>(held));
  }

  // The minimal loop needs R1's shape: one listener, Poisson arrivals, exponential service.
  const auto* poisson =
      spec.clients.size() == 1 ? std::get_if<model::PoissonArrivals>(&spec.clients[0].arrivals) : nullptr;
  const auto* exp_service = spec.hosts.size() == 1 && spec.hosts[0].listeners.size() == 1
                                ? std::get_if<sim::ExponentialDist>(&spec.hosts[0].listeners[0].service)
                                : nullptr;
  if (!poisson || !exp_service || spec.hosts[0].os != model::Os::kWindows) {
    std::printf("(no minimal loop: the scenario is not R1-shaped)\n");
    return 0;
  }
  const model::ListenerSpec& l = spec.hosts[0].listeners[0];
  double best_minimal = 1e300;
  Minimal m;
  for (int i = 0; i < repetitions; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    m = minimal_loop(poisson->rate_per_s, exp_service->mean, l.workers, static_cast<int>(l.backlog.value),
                     spec.duration, spec.seed);
    best_minimal = std::min(best_minimal, seconds_since(t0));
  }
  std::printf("minimal loop  %8.3f s  %6.2f M events/s  %6.2f M attempts/s  (refused %.4f; synstorm %.4f)\n",
              best_minimal, static_cast<double>(m.events) / best_minimal / 1e6,
              static_cast<double>(m.attempts) / best_minimal / 1e6,
              static_cast<double>(m.refused) / static_cast<double>(m.attempts), r.totals.refusal_rate());
  std::printf("ratio synstorm / minimal loop: %.2f (target <= 2)\n", best_synstorm / best_minimal);
  return 0;
}

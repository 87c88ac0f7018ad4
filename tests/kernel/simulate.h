// tests/kernel/simulate.h — the same experiment, played by synstorm's Linux personality.
//
// Builds the ScenarioSpec that mirrors a loopback Experiment (one Linux host whose
// knobs are the sysctls the kernel had, one client group whose connect() calls follow
// the real schedule) and reduces the run to the figures the kernel side measures.
#pragma once

#include <cstdint>
#include <vector>

#include "loopback.h"
#include "model/results.h"
#include "model/spec.h"

namespace kernel {

struct Simulated {
  model::ScenarioSpec spec;
  model::RunResults results;
  const model::ClientResults& client() const { return results.clients.front(); }
  const model::ListenerResults& listener() const { return results.listeners.front(); }
  // Clients still in SYN_SENT at the end: neither established nor finished.
  std::int64_t in_progress() const;
  // Per second of the run [k, k+1) s: connect() successes and accept()s.
  std::vector<std::int64_t> established_per_second;
  std::vector<std::int64_t> accepted_per_second;
  // connect() successes up to `ns` into the run (a multiple of the 1 s sample interval).
  std::int64_t established_by(std::int64_t ns) const;
  // Connects that succeeded in [lo, hi) after their own connect() call.
  std::int64_t connected_after_call(std::int64_t lo_ns, std::int64_t hi_ns) const;
};

// The experiment as the kernel side actually ran it.
struct Realised {
  Sysctls sysctls;                  // the knobs
  std::int64_t connect_gap_ns = 0;  // spacing of the simulated connect() calls
  std::int64_t service_ns = 0;      // the worker's busy time after each accept()
  int hz = 0;                       // CONFIG_HZ, 0: unknown (keep the personality's)
};
Simulated simulate(const Experiment& x, const Realised& as_run);

// The held-request experiment: group "queued" connects one by one, then group "held"
// all at once (every SYN of an instant is taken before any final ACK, as TCP_DEFER_ACCEPT
// makes it in the kernel); results.clients[1] is "held".
Simulated simulate(const HeldRequests& x, const Sysctls& sysctls);

}  // namespace kernel

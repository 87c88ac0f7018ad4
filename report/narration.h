// report/narration.h — a run told step by step, for people to read.
//
// A Narration is a model::TraceObserver that turns each step of a run into one line:
// listen(), every connect() call, every SYN, SYN-ACK, ACK and RST, each kernel decision
// with the rule that made it, and each attempt's outcome. It formats the decision records
// the model returns (model/personality.h: what was compared, the limit, the knob, the
// source) and never restates a rule. Lines come in simulated-time order and are
// deterministic: same spec, same bytes. `synstorm explain` and the viewer both use it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "model/results.h"
#include "model/spec.h"
#include "model/trace.h"

namespace report {

// Which steps to show. Unset members show everything.
struct NarrationFilter {
  // One attempt only: the client group (index into ScenarioSpec::clients) and its
  // attempt number, from 1 (the "storm#17" of the narration).
  std::optional<std::size_t> client;
  std::uint64_t attempt = 0;
  // Only listeners on this host (index into ScenarioSpec::hosts) and attempts aimed at it.
  std::optional<std::size_t> host;
};

struct NarrationOptions {
  NarrationFilter filter;
  std::uint64_t limit = 200;  // lines to print before the summary; 0 prints every line
  // Polled as model::RunControl polls it; true stops the run (NarrationReport::interrupted).
  bool (*interrupted)() = nullptr;
  // Sees every step of the run too, after the narration (`explain --pcap`'s capture); may be null.
  model::TraceObserver* also = nullptr;
};

struct NarrationReport {
  std::uint64_t steps = 0;   // lines the filter let through, printed or not
  std::uint64_t shown = 0;   // of those, printed
  std::uint64_t digest = 0;  // the run's digest: the same as `synstorm run` prints
  // Set when the filter named an attempt the run never made (nothing matched). The
  // narration then has no summary line; the caller prints this and exits 2.
  std::string error;
  // The run's own RunResults::internal_error (the engine broke an invariant).
  std::string internal_error;
  // Why the run stopped early (options.interrupted, a stalled clock), if it did; the
  // narration covers it up to then.
  model::CutShort cut_short = model::CutShort::kNo;
};

// Runs `spec` with model::run_scenario, this narration watching, and writes it to `out`: at
// most `limit` step lines, then one summary line starting "...".
NarrationReport narrate_run(const model::ScenarioSpec& spec, const NarrationOptions& options, std::ostream& out);

// The same narration for a run someone else drives (the viewer steps a World itself): each
// step's line is written to `out` as the run reaches it, up to `limit` lines. Call
// narrate_listens() once, then observe the World from its start; finish() ends it (pending
// attempts and the summary line). `spec` and `out` must outlive it.
class Narration final : public model::TraceObserver {
 public:
  Narration(const model::ScenarioSpec& spec, const NarrationOptions& options, std::ostream& out);
  ~Narration();
  Narration(const Narration&) = delete;
  Narration& operator=(const Narration&) = delete;

  // The listen() lines at t = 0 (the narration's first lines).
  void narrate_listens();
  void on_event(const model::TraceEvent& e) override;
  // The attempts still open at the end, then the summary line (or the error of a filter
  // that named an attempt the run never made).
  NarrationReport finish(const model::RunResults& results);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace report

// cli/explain.h — `synstorm explain`: a run told step by step, for people to read.
//
// Runs a scenario exactly as `synstorm run` does, with a model::TraceObserver that turns
// each step into one line: listen(), every connect() call, every SYN, SYN-ACK, ACK and
// RST, each kernel decision with the queue lengths it saw and the rule (the comparison
// itself, from the listener's own Personality) that decided, and each attempt's outcome.
// Lines come in simulated-time order and are deterministic: same spec, same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <variant>

#include "model/spec.h"
#include "model/trace.h"

namespace cli {

// Which steps to show. Unset members show everything.
struct ExplainFilter {
  // One attempt only: the client group (index into ScenarioSpec::clients) and its
  // attempt number, from 1 (the "storm#17" of the narration).
  std::optional<std::size_t> client;
  std::uint64_t attempt = 0;
  // Only listeners on this host (index into ScenarioSpec::hosts) and attempts aimed at it.
  std::optional<std::size_t> host;
};

// Turns the command line's `--connection ID` and `--host H` into a filter. On bad syntax
// or a name the scenario does not have, returns the message to print (with a "did you
// mean" when a name is close).
std::variant<ExplainFilter, std::string> resolve_explain_filter(const model::ScenarioSpec& spec,
                                                                const std::optional<std::string>& connection,
                                                                const std::optional<std::string>& host);

struct ExplainOptions {
  ExplainFilter filter;
  std::uint64_t limit = 200;  // lines to print before the summary; 0 prints every line
};

struct ExplainReport {
  std::uint64_t steps = 0;   // lines the filter let through, printed or not
  std::uint64_t shown = 0;   // of those, printed
  std::uint64_t digest = 0;  // the run's digest: the same as `synstorm run` prints
  // Set when the filter named an attempt the run never made (nothing matched). The
  // narration then has no summary line; the caller prints this and exits 2.
  std::string error;
};

// Runs `spec` from t = 0 to its duration, as model::run_scenario does, and writes the
// narration to `out`: at most `limit` step lines, then one summary line starting "...".
ExplainReport explain_scenario(const model::ScenarioSpec& spec, const ExplainOptions& options, std::ostream& out);

// The same narration for a run someone else drives (the viewer steps a World itself): each
// step's line is written to `out` as the run reaches it, up to `limit` lines; there is no
// summary line. Call narrate_listens() once, then observe the World from its start.
// `spec` and `out` must outlive it.
class Narration final : public model::TraceObserver {
 public:
  Narration(const model::ScenarioSpec& spec, const ExplainOptions& options, std::ostream& out);
  ~Narration();
  Narration(const Narration&) = delete;
  Narration& operator=(const Narration&) = delete;

  // The listen() lines at t = 0 (explain_scenario's first lines).
  void narrate_listens();
  void on_event(const model::TraceEvent& e) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cli

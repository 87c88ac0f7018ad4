// cli/plan.h — `synstorm plan`: the smallest (or, with --maximize, the largest) value of
// one scenario setting that meets a target such as `refusal_rate<=0.001`.
//
// The search assumes the target is met monotonically along the values (a larger backlog
// never refuses more; a higher arrival rate never refuses less) and bisects. Each probe
// runs replications in batches and decides with the Student-t confidence interval of the
// metric's mean: "meets" when the whole interval satisfies the target, "fails" when none
// of it does, otherwise another batch, up to a cap; a probe still undecided at the cap is
// reported as such, never rounded to an answer. Two bisections find the smallest value
// shown to meet the target and the smallest not shown to fail it: when they agree that is
// the answer, otherwise the answer line names the undecided values in between.
//
// Output: one evidence line per probe, then the answer on the last line, which starts with
// "answer:", "undecided:", "none:" or "interrupted:". With grid --vary arguments, each grid
// point's search is printed after a "grid ...:" line, then the frontier: one line per grid
// point with its answer, and with --cost the cheapest answer ("cheapest:"). Replications use the same seeds as a
// sweep of the same value, so a probe's numbers can be reproduced with `synstorm sweep`.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cli/metrics.h"
#include "cli/ranks.h"

namespace cli {

struct PlanOptions {
  std::string file;
  // The first: the searched setting, PATH=LO..HI[:STEP] or PATH=v1,v2,... (in monotone
  // order); any further one: a grid, each of whose points gets its own search (a frontier).
  std::vector<std::string> vary;
  std::vector<std::string> set;  // PATH=VALUE pins
  std::string cost;              // --cost EXPR over the varied settings (cli/cost.h); "" none
  bool crn = false;              // common random numbers, as for sweep
  std::string target;            // METRIC OP NUMBER, OP one of <= < >= >; METRIC may be NAME[GROUP]
  double confidence = 0.95;
  bool maximize = false;
  std::uint32_t batch = 10;      // --reps: replications added per round
  std::uint32_t max_reps = 160;  // --max-reps: the cap per value
  unsigned jobs = 1;
  std::optional<std::uint64_t> max_inflight;  // as for sweep
  std::optional<std::string> window;          // as for sweep
};

struct Target {
  std::size_t metric;                      // index into MetricValues: metric_table(), or kMetricCount for `selected`
  std::optional<SelectedMetric> selected;  // a metric of one group or listener
  enum class Op { kLessEq, kLess, kGreaterEq, kGreater } op;
  double bound;
  std::string text;  // normalized: "refusal_rate<=0.001"
};

// Parses --target; the error message says what was expected. A per-group or per-listener
// metric (loss_rate[web-clients]) is checked against `spec`, and refused without one.
std::variant<Target, std::string> parse_target(std::string_view text, const model::ScenarioSpec* spec = nullptr);

enum class Verdict { kMeets, kFails, kUndecided };

// The verdict on an interval [mean - half_width, mean + half_width] against the target.
Verdict judge(const Target& target, double mean, double half_width);

// Runs the plan and returns the exit code (0 whatever the answer, 2 bad input, 130
// interrupted). Collective over `ranks`; only rank 0 prints.
int run_plan(const PlanOptions& options, const Ranks& ranks, std::ostream& out, std::ostream& err);

}  // namespace cli

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
// "answer:", "undecided:", "none:" or "interrupted:". Replications use the same seeds as a
// sweep of the same value, so a probe's numbers can be reproduced with `synstorm sweep`.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>

#include "cli/ranks.h"

namespace cli {

struct PlanOptions {
  std::string file;
  std::string vary;    // PATH=LO..HI[:STEP] or PATH=v1,v2,... (in monotone order)
  std::string target;  // METRIC OP NUMBER, OP one of <= < >= >
  double confidence = 0.95;
  bool maximize = false;
  std::uint32_t batch = 10;      // --reps: replications added per round
  std::uint32_t max_reps = 160;  // --max-reps: the cap per value
  unsigned jobs = 1;
  std::optional<std::uint64_t> max_inflight;  // as for sweep
  std::optional<std::string> window;          // as for sweep
};

struct Target {
  std::size_t metric;  // index into metric_table()
  enum class Op { kLessEq, kLess, kGreaterEq, kGreater } op;
  double bound;
  std::string text;  // normalized: "refusal_rate<=0.001"
};

// Parses --target; the error message says what was expected.
std::variant<Target, std::string> parse_target(std::string_view text);

enum class Verdict { kMeets, kFails, kUndecided };

// The verdict on an interval [mean - half_width, mean + half_width] against the target.
Verdict judge(const Target& target, double mean, double half_width);

// Runs the plan and returns the exit code (0 whatever the answer, 2 bad input, 130
// interrupted). Collective over `ranks`; only rank 0 prints.
int run_plan(const PlanOptions& options, const Ranks& ranks, std::ostream& out, std::ostream& err);

}  // namespace cli

#include "cli/commands.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <iostream>
#include <limits>
#include <new>

#include "cli/exit_codes.h"
#include "cli/metrics.h"
#include "cli/replicate.h"
#include "config/suggest.h"

namespace cli {

namespace {

// --window on sweep and plan, as on run (cli/main.cpp): checked against each point.
void add_window_option(CLI::App& cmd, std::optional<std::string>& window) {
  cmd.add_option("--window", window,
                 "Measure only attempts started in FROM..TO (e.g. 40s..160s), at every point; replaces measure:");
}

std::string metric_names() {
  std::string names;
  for (const MetricInfo& m : metric_table()) names += (names.empty() ? "" : ", ") + std::string(m.name);
  return names;
}

template <class Options, class Run>
int guarded(const Options& options, Run run) {
  Ranks ranks;
  try {
    return run(options, ranks);
  } catch (const std::bad_alloc&) {
    std::cerr << "synstorm: " << out_of_memory_advice() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "synstorm: internal error: " << e.what() << "\n";
  }
  ranks.abort_job(kExitInternal);
  return kExitInternal;
}

}  // namespace

std::string unsigned_problem(const std::string& text, std::uint64_t min, std::uint64_t max) {
  const std::string range = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  const bool digits =
      !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return "expected " + range + ", got " + config::quote(text);
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range || (ec == std::errc{} && v > max)) {
    return "expected " + range + ", got " + config::quote(text) + ", which is larger";
  }
  if (ec != std::errc{} || end != text.data() + text.size())
    return "expected " + range + ", got " + config::quote(text);
  if (v < min) return "expected " + range + ", got " + text;
  return "";
}

CLI::Validator unsigned_check(std::uint64_t min, std::uint64_t max) {
  return CLI::Validator([min, max](std::string& v) { return unsigned_problem(v, min, max); },
                        "INT in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
}

const CLI::Validator& output_path_check() {
  static const CLI::Validator check(
      [](std::string& v) {
        return v.empty() ? std::string("expected a file name, or - for standard output; got an empty name")
                         : std::string();
      },
      "FILE|-");
  return check;
}

CLI::App* add_sweep_command(CLI::App& app, SweepOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Run a grid of scenario variants, each replicated; write mean and 95% CI of each metric per point");
  cmd->add_option("file", o.file, "Scenario file (YAML)")->required();
  cmd->add_option("--vary", o.vary,
                  "PATH=v1,v2,... or PATH=LO..HI[:STEP]; PATH as in error messages, e.g. "
                  "hosts.web.listeners[0].backlog. Repeat for a grid")
      ->allow_extra_args(false);
  cmd->add_option("--set", o.set,
                  "PATH=VALUE: pin one setting for every point (the path syntax of --vary, one value). Repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--metrics", o.metrics,
                  "Also write these per-group or per-listener metrics, comma-separated: e.g. "
                  "'loss_rate[windows-clients],accept_wait_p99_ms[gw:443]'");
  cmd->add_flag("--crn", o.crn,
                "Common random numbers: every point sees the same random streams in replication r (seeds leave the "
                "point out)");
  cmd->add_flag("--dry-run", o.dry_run,
                "Print the grid size, the replications and a time estimate from one pilot replication; write nothing");
  cmd->add_option("--reps", o.reps, "Replications per point")->capture_default_str()->check(unsigned_check(1, 1000000));
  cmd->add_option("-j,--jobs", o.jobs, "Threads per process")->capture_default_str()->check(unsigned_check(1, 1024));
  cmd->add_option("--out", o.csv_path,
                  "CSV file: one row per point (docs/sweeps.md); - for standard output. Required, unless --dry-run")
      ->check(output_path_check());
  cmd->add_option("--json", o.json_path,
                  "JSON file: the same plus every replication's values (needed by --resume); - for standard output")
      ->check(output_path_check());
  cmd->add_option("--max-inflight", o.max_inflight,
                  "Stop a replication with more connections than this in flight at once (default: half the memory "
                  "shared between the -j threads); its point is reported as cut short, exit 4")
      ->check(unsigned_check(1, std::numeric_limits<std::uint64_t>::max()));
  add_window_option(*cmd, o.window);
  cmd->add_flag("--resume", o.resume, "Run only the points missing from --json's file (an interrupted sweep's)");
  cmd->add_flag_callback(
      "--no-progress", [&o] { o.progress = false; }, "No progress bar (there is none when stderr is not a terminal)");
  cmd->footer("Metrics: " + metric_names() +
              ".\nUnder mpirun or srun (SYNSTORM_MPI builds), the replications are spread over the ranks; rank 0 "
              "writes.");
  return cmd;
}

CLI::App* add_plan_command(CLI::App& app, PlanOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "plan", "Find the smallest (or largest) value of a setting that meets a target, with confidence intervals");
  cmd->add_option("file", o.file, "Scenario file (YAML)")->required();
  cmd->add_option("--vary", o.vary,
                  "PATH=LO..HI[:STEP] or PATH=v1,v2,... in the order the target gets easier: the searched setting. "
                  "Further --vary: a grid, searched point by point (the frontier)")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--set", o.set, "PATH=VALUE: pin one setting (the path syntax of --vary, one value). Repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--cost", o.cost,
                  "With grid --vary: an expression over the varied settings (e.g. 'workers*1 + backlog*0.01') naming "
                  "the cheapest frontier point");
  cmd->add_flag("--crn", o.crn, "Common random numbers: every value sees the same random streams in replication r");
  cmd->add_option("--target", o.target,
                  "METRIC OP NUMBER, e.g. 'refusal_rate<=0.001' (OP: <= < >= >); METRIC[GROUP] or METRIC[HOST:PORT] "
                  "for one client group or listener")
      ->required();
  cmd->add_option("--confidence", o.confidence, "Confidence level of each decision")->capture_default_str();
  cmd->add_flag("--maximize", o.maximize, "Find the largest value meeting the target instead of the smallest");
  cmd->add_option("--reps", o.batch, "Replications per batch; a value gets batches until decided")
      ->capture_default_str()
      ->check(unsigned_check(1, std::numeric_limits<std::uint32_t>::max()));
  cmd->add_option("--max-reps", o.max_reps, "At most this many replications per value")
      ->capture_default_str()
      ->check(unsigned_check(1, std::numeric_limits<std::uint32_t>::max()));
  cmd->add_option("-j,--jobs", o.jobs, "Threads per process")->capture_default_str()->check(unsigned_check(1, 1024));
  cmd->add_option("--max-inflight", o.max_inflight,
                  "Stop a replication with more connections than this in flight at once (default: half the memory "
                  "shared between the -j threads); the plan then ends with exit 4")
      ->check(unsigned_check(1, std::numeric_limits<std::uint64_t>::max()));
  add_window_option(*cmd, o.window);
  cmd->footer("Metrics: " + metric_names() + ".");
  return cmd;
}

int sweep_command(const SweepOptions& options) {
  return guarded(options, [](const SweepOptions& o, const Ranks& r) { return run_sweep(o, r, std::cerr); });
}

int plan_command(const PlanOptions& options) {
  return guarded(options, [](const PlanOptions& o, const Ranks& r) { return run_plan(o, r, std::cout, std::cerr); });
}

}  // namespace cli

// synstorm — the command line: run a scenario, check one, or explain one step by step;
// sweep a scenario's settings or plan one against a target (cli/sweep.h, cli/plan.h).
//
// Exit codes: 0 ok, 2 bad input (scenario, a file it names, arguments or an output path;
// the error on stderr, nothing run and no file created), 1 internal error (or an output
// that could not be written after the run), 3 a script step did not give the result its
// `expect` names (the run's outputs are written; stderr names each expected and actual
// result), 4 the run was cut short by --max-events, --max-inflight or a stalled clock,
// 130 interrupted by SIGINT or SIGTERM (in both cases the outputs are written, marked
// "complete": false).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <limits>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>

#include <unistd.h>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/exit_codes.h"
#include "cli/explain.h"
#include "cli/interrupt.h"
#include "cli/output.h"
#include "cli/output_files.h"
#include "cli/pcap_capture.h"
#include "cli/replicate.h"
#include "cli/study.h"
#include "config/loader.h"
#include "config/overrides.h"
#include "config/suggest.h"
#include "config/window.h"
#include "model/world.h"
#include "sim/format.h"

namespace {

using cli::kExitBadInput;
using cli::kExitCutShort;
using cli::kExitExpectationFailed;
using cli::kExitInternal;
using cli::kExitOk;

struct RunOptions {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::string json_path;
  std::string timeseries_path;
  bool timeseries_detail = false;
  std::optional<std::string> window;
  bool quiet = false;
  std::optional<std::uint64_t> max_events;
  std::optional<std::uint64_t> max_inflight;
  std::string pcap_path;  // --pcap: every segment, as a capture
  std::optional<std::string> pcap_host, pcap_client;
  std::vector<std::string> set;  // --set PATH=VALUE pins
};

struct ExplainArgs {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::int64_t limit = 200;  // signed: CLI11 would wrap "-3" into a huge unsigned count
  std::optional<std::string> connection;
  std::optional<std::string> host;
  std::string pcap_path;  // --pcap: the narrated run's segments, as a capture
};

// Loads and validates a scenario; prints every problem. nullopt on bad input. `inputs`
// (if given) receives every file the load read.
std::optional<model::ScenarioSpec> load(const std::string& file, std::vector<std::string>* inputs = nullptr,
                                        std::span<const config::Override> pins = {}) {
  config::LoadResult r =
      pins.empty() ? config::load_scenario_file(file) : config::ScenarioSource::from_file(file).load(pins);
  for (const auto& d : r.errors) std::cerr << config::format(d) << "\n";
  for (const auto& d : r.warnings) std::cerr << config::format(d) << "\n";
  if (!r.ok()) {
    std::cerr << "synstorm: " << r.errors.size() << (r.errors.size() == 1 ? " error" : " errors") << " in "
              << sim::printable(file) << "; nothing was run\n";
    return std::nullopt;
  }
  if (inputs) *inputs = std::move(r.inputs);
  return std::move(r.spec);
}

// Prints each line of `problems` after "synstorm: "; true when there were none.
bool report_problems(const std::string& problems) {
  std::size_t begin = 0;
  while (begin < problems.size()) {
    const std::size_t end = problems.find('\n', begin);
    std::cerr << "synstorm: " << problems.substr(begin, end - begin) << "\n";
    begin = end == std::string::npos ? problems.size() : end + 1;
  }
  return problems.empty();
}

// The engine broke one of its own invariants (RunResults::internal_error): nothing it
// computed is to be trusted.
int internal_error(const std::string& what) {
  std::cerr << "synstorm: internal error: " << what << "\n";
  return kExitInternal;
}

// --pcap-host and --pcap-client by name; nullopt (after saying why) for a name the scenario
// does not have.
std::optional<cli::PcapCapture::Filter> resolve_pcap_filter(const model::ScenarioSpec& spec,
                                                            const std::optional<std::string>& host,
                                                            const std::optional<std::string>& client) {
  cli::PcapCapture::Filter f;
  const auto find = [](const auto& items, const std::string& name, const char* flag, const char* what,
                       std::optional<std::uint32_t>& out) {
    std::vector<std::string_view> names;
    for (std::size_t i = 0; i < items.size(); ++i) {
      names.push_back(items[i].name);
      if (items[i].name == name) out = static_cast<std::uint32_t>(i);
    }
    if (!out) {
      std::cerr << "synstorm: " << flag << " " << config::quote(name) << ": no " << what << " of that name"
                << config::suggestion_suffix(name, names) << "\n";
    }
    return out.has_value();
  };
  if (host && !find(spec.hosts, *host, "--pcap-host", "host", f.host)) return std::nullopt;
  if (client && !find(spec.clients, *client, "--pcap-client", "client group", f.client)) return std::nullopt;
  return f;
}

int run(const RunOptions& o) {
  const std::optional<cli::Point> pins = cli::parse_pins(o.set, std::cerr);
  if (!pins) return kExitBadInput;
  std::vector<std::string> inputs;
  auto spec = load(o.file, &inputs, *pins);
  if (!spec) return kExitBadInput;
  if (o.seed) spec->seed = *o.seed;
  if (o.window) {
    const auto w = config::parse_window(*o.window, spec->duration);
    if (!w.ok()) {
      std::cerr << "synstorm: --window: " << w.error << "\n";
      return kExitBadInput;
    }
    spec->measure = *w.value;
  }
  spec->sample_detail = o.timeseries_detail;
  // Every output is checked and created before the run, so that none is half-made and a
  // long run never ends in "cannot write".
  cli::OutputFiles outputs;
  outputs.add("--json", o.json_path);
  outputs.add("--timeseries", o.timeseries_path);
  outputs.add("--pcap", o.pcap_path);
  const auto pcap_filter = resolve_pcap_filter(*spec, o.pcap_host, o.pcap_client);
  if (!pcap_filter) return kExitBadInput;
  if (!report_problems(outputs.prepare(inputs))) return kExitBadInput;
  std::optional<cli::PcapCapture> capture;
  if (!o.pcap_path.empty()) capture.emplace(*spec, *pcap_filter);

  model::RunControl control;
  control.max_events = o.max_events.value_or(UINT64_MAX);
  control.max_inflight = static_cast<std::size_t>(o.max_inflight.value_or(cli::default_max_inflight()));
  control.interrupted = &cli::interrupted;
  if (capture) control.observer = &*capture;
  cli::install_interrupt_handlers();
  const model::RunResults results = model::run_scenario(*spec, control);
  if (!results.internal_error.empty()) return internal_error(results.internal_error);
  if (capture) {
    std::string error;
    const std::string bytes = capture->finish(error);
    if (!error.empty()) return internal_error(error);
    if (!report_problems(outputs.write(
            "--pcap", [&](std::ostream& f) { f.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); })))
      return kExitInternal;
  }

  std::string problem =
      outputs.write("--json", [&](std::ostream& f) { f << cli::results_json(results).dump(2) << "\n"; });
  if (problem.empty())
    problem = outputs.write("--timeseries", [&](std::ostream& f) { results.timeseries.write_csv(f); });
  if (problem.empty()) problem = outputs.commit();
  if (!report_problems(problem)) return kExitInternal;
  // With an output on standard output, the summary goes to stderr, out of its way.
  std::ostream& summary = outputs.any_to_stdout() ? std::cerr : std::cout;
  if (o.quiet) {
    summary << "digest " << cli::digest_hex(results.digest) << "\n";
  } else {
    cli::print_summary(summary, results);
  }
  const std::string at = "t=" + sim::format_seconds(results.end) + " s";
  switch (results.cut_short) {
    case model::CutShort::kNo: break;
    case model::CutShort::kMaxEvents:
      std::cerr << "synstorm: run cut short at " << at << ": " << results.events
                << " events processed (--max-events); the results cover the run up to there\n";
      return kExitCutShort;
    case model::CutShort::kMaxInflight:
      std::cerr << "synstorm: run cut short at " << at << ": more than " << control.max_inflight
                << " connections in flight at once (--max-inflight"
                << (o.max_inflight
                        ? ""
                        : ", by default half the memory at " + std::to_string(cli::kBytesPerInflight) + " bytes each")
                << "); the results cover the run up to there\n";
      return kExitCutShort;
    case model::CutShort::kStalled:
      std::cerr << "synstorm: run cut short at " << at << ": " << cli::stalled_reason(control)
                << "; the results cover the run up to there\n";
      return kExitCutShort;
    case model::CutShort::kInterrupted:
      std::cerr << "synstorm: interrupted at " << at << " (signal " << cli::interrupt_signal()
                << "); the results cover the run up to there\n";
      return cli::kExitInterrupted;
  }
  if (!results.expectations_met()) {
    for (const auto& st : results.script) {
      if (st.met()) continue;
      std::cerr << sim::printable(o.file + ":" + std::to_string(st.line) + ": " + st.host + " " + st.call +
                                  "() returned " + st.result + ", expected " + st.expected)
                << "\n";
    }
    return kExitExpectationFailed;
  }
  return kExitOk;
}

int explain(const ExplainArgs& o) {
  auto spec = load(o.file);
  if (!spec) return kExitBadInput;
  if (o.seed) spec->seed = *o.seed;
  auto filter = cli::resolve_explain_filter(*spec, o.connection, o.host);
  if (const auto* err = std::get_if<std::string>(&filter)) {
    std::cerr << "synstorm: " << *err << "\n";
    return kExitBadInput;
  }
  report::NarrationOptions options;
  options.filter = std::get<report::NarrationFilter>(filter);
  // --pcap: the segments of what is narrated (its --host, its --connection), to a file
  // checked and made before the run, committed after it.
  cli::OutputFiles outputs;
  outputs.add("--pcap", o.pcap_path);
  if (!report_problems(outputs.prepare({o.file}))) return kExitBadInput;
  if (outputs.any_to_stdout()) {
    std::cerr << "synstorm: --pcap -: explain prints its narration on standard output; give the capture a file\n";
    return kExitBadInput;
  }
  std::optional<cli::PcapCapture> capture;
  if (!o.pcap_path.empty()) {
    cli::PcapCapture::Filter f;
    if (options.filter.host) f.host = static_cast<std::uint32_t>(*options.filter.host);
    if (options.filter.client) {
      f.client = static_cast<std::uint32_t>(*options.filter.client);
      f.attempt = options.filter.attempt;
    }
    capture.emplace(*spec, f);
    options.also = &*capture;
  }
  options.limit = static_cast<std::uint64_t>(o.limit);
  // As a run: a signal stops the narration at the next poll, what was printed is flushed,
  // and the command exits 130.
  options.interrupted = &cli::interrupted;
  cli::install_interrupt_handlers();
  const report::NarrationReport report = report::narrate_run(*spec, options, std::cout);
  std::cout.flush();
  if (!report.internal_error.empty()) return internal_error(report.internal_error);
  if (capture) {
    std::string error;
    const std::string bytes = capture->finish(error);
    if (!error.empty()) return internal_error(error);
    std::string problem = outputs.write(
        "--pcap", [&](std::ostream& f) { f.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
    if (problem.empty()) problem = outputs.commit();
    if (!report_problems(problem)) return kExitInternal;
  }
  if (report.cut_short == model::CutShort::kStalled) {
    std::cerr << "synstorm: run cut short: " << cli::stalled_reason(model::RunControl{})
              << "; the narration above covers the run up to there\n";
    return kExitCutShort;
  }
  if (report.cut_short == model::CutShort::kInterrupted) {
    std::cerr << "synstorm: interrupted (signal " << cli::interrupt_signal()
              << "); the narration above covers the run up to there\n";
    return cli::kExitInterrupted;
  }
  if (!report.error.empty()) {
    std::cerr << "synstorm: " << report.error << "\n";
    return kExitBadInput;
  }
  return kExitOk;
}

int check(const std::string& file) {
  const auto spec = load(file);
  if (!spec) return kExitBadInput;
  const auto count = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::string parts =
      count(spec->hosts.size(), "host", "hosts") + ", " + count(spec->clients.size(), "client group", "client groups");
  if (!spec->balancers.empty()) parts += ", " + count(spec->balancers.size(), "balancer", "balancers");
  if (!spec->faults.empty()) parts += ", " + count(spec->faults.size(), "fault", "faults");
  std::cout << file << ": ok (" << parts << ")\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"synstorm: a deterministic simulator of TCP connection storms"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "synstorm 0.1.0");

  RunOptions run_options;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a scenario and print its results");
  run_cmd->add_option("file", run_options.file, "Scenario file (YAML)")->required();
  run_cmd->add_option("--seed", run_options.seed, "Override the scenario's seed")
      ->check(cli::unsigned_check(0, std::numeric_limits<std::uint64_t>::max()));
  run_cmd->add_option("--json", run_options.json_path, "Write the full results as JSON (- for standard output)")
      ->check(cli::output_path_check());
  run_cmd
      ->add_option("--timeseries", run_options.timeseries_path,
                   "Write the per-interval time series as CSV (- for standard output)")
      ->check(cli::output_path_check());
  run_cmd->add_flag("--timeseries-detail", run_options.timeseries_detail,
                    "The time series also gets per-group columns and connect-latency p50/p99 per interval");
  run_cmd->add_option("--window", run_options.window,
                      "Measure only attempts started in FROM..TO (e.g. 40s..160s); replaces the scenario's measure:");
  run_cmd
      ->add_option("--pcap", run_options.pcap_path,
                   "Write every simulated segment (SYN, SYN-ACK, ACK, RST, retransmissions) as a pcap capture, "
                   "for Wireshark or tcpdump (- for standard output)")
      ->check(cli::output_path_check());
  run_cmd->add_option("--pcap-host", run_options.pcap_host, "Capture only the connections to this host");
  run_cmd->add_option("--pcap-client", run_options.pcap_client, "Capture only this client group's connections");
  run_cmd->add_flag("--quiet,-q", run_options.quiet, "Print only the digest");
  run_cmd
      ->add_option("--set", run_options.set,
                   "PATH=VALUE: replace one value of the scenario (the path syntax of sweep's --vary). Repeatable")
      ->allow_extra_args(false);
  run_cmd
      ->add_option("--max-events", run_options.max_events,
                   "Stop after this many events; the results are marked cut short (exit 4)")
      ->check(cli::unsigned_check(1, std::numeric_limits<std::uint64_t>::max()));
  run_cmd
      ->add_option("--max-inflight", run_options.max_inflight,
                   "Stop when more connections than this are in flight at once (default here: " +
                       std::to_string(cli::default_max_inflight()) + ", half the memory at " +
                       std::to_string(cli::kBytesPerInflight) + " bytes each); exit 4")
      ->check(cli::unsigned_check(1, std::numeric_limits<std::uint64_t>::max()));

  std::string check_file;
  CLI::App* check_cmd = app.add_subcommand("check", "Validate a scenario without running it");
  check_cmd->add_option("file", check_file, "Scenario file (YAML)")->required();

  ExplainArgs explain_args;
  const CLI::Validator non_negative(
      [](std::string& v) { return v.rfind('-', 0) == 0 ? "expected 0 (no limit) or more, got " + v : std::string(); },
      "N>=0");
  CLI::App* explain_cmd = app.add_subcommand(
      "explain", "Run a scenario and narrate it: every connect(), segment, kernel decision and outcome");
  explain_cmd->add_option("file", explain_args.file, "Scenario file (YAML)")->required();
  explain_cmd
      ->add_option("--limit", explain_args.limit, "Print at most N steps, then say how many were left out (0: all)")
      ->check(non_negative)
      ->capture_default_str();
  explain_cmd->add_option("--connection", explain_args.connection,
                          "Only this attempt, e.g. storm#17 (client group#attempt)");
  explain_cmd->add_option("--host", explain_args.host, "Only this host's listeners and the attempts aimed at it");
  explain_cmd
      ->add_option("--pcap", explain_args.pcap_path,
                   "Write the segments of what is narrated (all, --host's, --connection's) as a pcap capture")
      ->check(cli::output_path_check());
  explain_cmd->add_option("--seed", explain_args.seed, "Override the scenario's seed")
      ->check(cli::unsigned_check(0, std::numeric_limits<std::uint64_t>::max()));

  std::string error_name;
  CLI::App* errors_cmd =
      app.add_subcommand("errors", "What a socket call's error means, per OS (no NAME: list them all)");
  errors_cmd->add_option("name", error_name, "An error name: WSAEISCONN, EISCONN, ... (any case)");

  cli::SweepOptions sweep_options;
  CLI::App* sweep_cmd = cli::add_sweep_command(app, sweep_options);
  cli::PlanOptions plan_options;
  CLI::App* plan_cmd = cli::add_plan_command(app, plan_options);

  // A first argument that is no option and no subcommand is a mistyped subcommand: name
  // the nearest one (CLI11 alone would only say that one is required).
  if (argc > 1 && argv[1][0] != '-') {
    const std::string typed = argv[1];
    std::vector<std::string_view> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), typed) == names.end()) {
      std::cerr << "synstorm: no command " << config::quote(typed) << config::suggestion_suffix(typed, names) << "\n";
      return kExitBadInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }

  try {
    if (*run_cmd) return run(run_options);
    if (*check_cmd) return check(check_file);
    if (*errors_cmd) {
      std::string problem;
      const std::optional<std::string> text = cli::errors_text(error_name, problem);
      if (!text) {
        std::cerr << "synstorm: " << problem << "\n";
        return kExitBadInput;
      }
      std::cout << *text;
      return kExitOk;
    }
    if (*explain_cmd) return explain(explain_args);
    if (*sweep_cmd) return cli::sweep_command(sweep_options);
    if (*plan_cmd) return cli::plan_command(plan_options);
  } catch (const std::bad_alloc&) {
    std::cerr << "synstorm: " << cli::out_of_memory_advice() << "\n";
    return kExitInternal;
  } catch (const std::exception& e) {
    std::cerr << "synstorm: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
  return kExitInternal;
}

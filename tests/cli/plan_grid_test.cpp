// Tests of issue 18's planner additions, in-process: --set pins, per-group and per-listener
// metrics (--metrics, --target NAME[SEL]), common random numbers (--crn), sweep --dry-run,
// the progress line off a terminal, plan frontiers with --cost (cli/cost.h), and specs
// loaded only when a worker takes a point (cli/replicate.h).
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cost.h"
#include "cli/metrics.h"
#include "cli/plan.h"
#include "cli/progress.h"
#include "cli/ranks.h"
#include "cli/replicate.h"
#include "cli/study.h"
#include "cli/sweep.h"
#include "config/overrides.h"
#include "sim/random.h"

namespace fs = std::filesystem;

namespace {

fs::path scratch() {
  const fs::path dir = fs::path(SYNSTORM_BINARY_DIR) / "plan-grid-tests";
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// One Linux server; Linux and Windows clients at 300/s each, Poisson; 5 s. A file per
// test (`tag`): ctest runs the test cases in parallel.
std::string two_groups(const std::string& tag) {
  const fs::path file = scratch() / (tag + ".yaml");
  std::ofstream(file) << "name: two-groups\nseed: 7\nduration: 5s\nsample_interval: 1s\n"
                      << "hosts:\n  gw:\n    os: linux\n    listeners:\n"
                      << "      - {port: 443, backlog: 16, workers: 4, service: {dist: exponential, mean: 6ms}}\n"
                      << "clients:\n"
                      << "  linux-clients:\n    os: linux\n    target: gw:443\n"
                      << "    arrivals: {process: poisson, rate: 300/s}\n    connect_timeout: 2s\n"
                      << "  windows-clients:\n    os: windows\n    target: gw:443\n"
                      << "    arrivals: {process: poisson, rate: 300/s}\n    connect_timeout: 2s\n";
  return file.string();
}

struct Sweep {
  int exit_code;
  std::string err;
  std::string csv;
  nlohmann::json json;
};

Sweep sweep(cli::SweepOptions o, const std::string& tag) {
  o.csv_path = (scratch() / (tag + ".csv")).string();
  o.json_path = (scratch() / (tag + ".json")).string();
  fs::remove(o.csv_path);
  fs::remove(o.json_path);
  o.progress = false;
  std::ostringstream err;
  const cli::Ranks ranks;
  const int code = cli::run_sweep(o, ranks, err);
  const std::string json = slurp(o.json_path);
  return Sweep{code, err.str(), slurp(o.csv_path), json.empty() ? nlohmann::json() : nlohmann::json::parse(json)};
}

cli::SweepOptions options(const std::string& tag, std::vector<std::string> vary, std::uint32_t reps) {
  cli::SweepOptions o;
  o.file = two_groups(tag);
  o.vary = std::move(vary);
  o.reps = reps;
  return o;
}

std::vector<double> samples(const nlohmann::json& j, std::size_t point, const std::string& metric) {
  std::vector<double> xs;
  for (const auto& v : j.at("points").at(point).at("samples").at(metric)) xs.push_back(v.get<double>());
  return xs;
}

}  // namespace

TEST_CASE("a --set pin is a one-valued --vary: same seeds, same numbers", "[sweep][set]") {
  cli::SweepOptions pinned = options("scenario-1", {"hosts.gw.listeners[0].workers=3,5"}, 3);
  pinned.set = {"hosts.gw.listeners[0].backlog=8"};
  const Sweep a = sweep(pinned, "pinned");
  REQUIRE(a.exit_code == 0);
  const Sweep b =
      sweep(options("scenario-2", {"hosts.gw.listeners[0].backlog=8", "hosts.gw.listeners[0].workers=3,5"}, 3),
            "varied-once");
  REQUIRE(b.exit_code == 0);
  for (std::size_t p = 0; p < 2; ++p) {
    CHECK(a.json["points"][p]["seeds"] == b.json["points"][p]["seeds"]);
    CHECK(a.json["points"][p]["digests"] == b.json["points"][p]["digests"]);
  }
  CHECK(a.json["set"] == nlohmann::json{{"hosts.gw.listeners[0].backlog", "8"}});
  // And it changes the run: backlog 8 is not the file's 16.
  const Sweep c = sweep(options("scenario-3", {"hosts.gw.listeners[0].workers=3,5"}, 3), "unpinned");
  CHECK(c.json["points"][0]["digests"] != a.json["points"][0]["digests"]);
}

TEST_CASE("a pin (--set) takes one value, and never a path that is also varied", "[sweep][set]") {
  std::ostringstream err;
  CHECK(cli::parse_pins(std::vector<std::string>{"duration=2s"}, err).has_value());
  CHECK_FALSE(cli::parse_pins(std::vector<std::string>{"duration=2s,3s"}, err).has_value());
  CHECK(err.str().find("one value expected, got 2 (to try several, use --vary)") != std::string::npos);
  CHECK_FALSE(cli::parse_pins(std::vector<std::string>{"hosts.gw=1", "hosts.gw.os=linux"}, err).has_value());
  CHECK(err.str().find("overlaps what is set by --set hosts.gw=1") != std::string::npos);
  cli::SweepOptions o = options("scenario-4", {"duration=1s,2s"}, 2);
  o.set = {"duration=3s"};
  const Sweep s = sweep(o, "set-and-vary");
  CHECK(s.exit_code == 2);
  CHECK(s.err.find("is also pinned by --set duration=3s") != std::string::npos);
  CHECK(s.csv.empty());
}

TEST_CASE("per-group metrics add up to the run's, and per-listener ones name HOST:PORT", "[sweep][metrics]") {
  cli::SweepOptions o = options("scenario-5", {"hosts.gw.listeners[0].workers=3,4"}, 4);
  o.metrics =
      "attempts[linux-clients], attempts[windows-clients],loss_rate[linux-clients],"
      "loss_rate[windows-clients],accept_wait_p99_ms[gw:443],connect_p99_ms[windows-clients]";
  const Sweep s = sweep(o, "per-group");
  REQUIRE(s.exit_code == 0);
  // The CSV's header: the old columns, then the selected ones (a percentile with its _n).
  CHECK(s.csv.find(",attempts[linux-clients]_mean,attempts[linux-clients]_ci95,") != std::string::npos);
  CHECK(s.csv.find(",connect_p99_ms[windows-clients]_mean,connect_p99_ms[windows-clients]_ci95,"
                   "connect_p99_ms[windows-clients]_n\n") != std::string::npos);
  for (std::size_t p = 0; p < 2; ++p) {
    const auto total = samples(s.json, p, "attempts");
    const auto lin = samples(s.json, p, "attempts[linux-clients]");
    const auto win = samples(s.json, p, "attempts[windows-clients]");
    const auto loss = samples(s.json, p, "loss_rate");
    const auto loss_lin = samples(s.json, p, "loss_rate[linux-clients]");
    const auto loss_win = samples(s.json, p, "loss_rate[windows-clients]");
    const auto wait = samples(s.json, p, "accept_wait_p99_ms");
    const auto wait_gw = samples(s.json, p, "accept_wait_p99_ms[gw:443]");
    for (std::size_t k = 0; k < total.size(); ++k) {
      CHECK(lin[k] + win[k] == total[k]);
      CHECK(lin[k] > 0);
      CHECK(win[k] > 0);
      // The run's loss rate is the groups' weighted by decided attempts; the weights are
      // within a few pending attempts of the attempts, so the mixture lies between them.
      CHECK(loss[k] >= std::min(loss_lin[k], loss_win[k]) - 1e-12);
      CHECK(loss[k] <= std::max(loss_lin[k], loss_win[k]) + 1e-12);
      CHECK(wait_gw[k] == wait[k]);  // one listener: the run's is its own
    }
  }
  // With backlog 16 and 3 workers at 600/s x 6 ms = 3.6 erlangs, the server is overloaded:
  // something is lost, so the identities above were not checked on zeros.
  CHECK(samples(s.json, 0, "loss_rate")[0] > 0);
}

TEST_CASE("an unknown group or listener is an error with a did-you-mean", "[sweep][metrics]") {
  cli::SweepOptions o = options("scenario-6", {"duration=1s"}, 2);
  o.metrics = "loss_rate[windows-client]";
  Sweep s = sweep(o, "bad-group");
  CHECK(s.exit_code == 2);
  CHECK(s.err.find("no client group \"windows-client\"; did you mean \"windows-clients\"?") != std::string::npos);
  o.metrics = "accept_wait_p99_ms[gw:80]";
  s = sweep(o, "bad-listener");
  CHECK(s.exit_code == 2);
  CHECK(s.err.find("no listener (HOST:PORT) \"gw:80\"") != std::string::npos);
  o.metrics = "loss_rat[gw:443]";
  s = sweep(o, "bad-metric");
  CHECK(s.err.find("unknown metric \"loss_rat\"; did you mean \"loss_rate\"?") != std::string::npos);
  CHECK(s.csv.empty());
}

TEST_CASE("with --crn every point sees the same arrivals in replication r", "[sweep][crn]") {
  // The service time does not change when clients arrive, so with common random numbers
  // each replication makes the same number of attempts at both points; without, the
  // points' streams are independent and the counts differ.
  const std::vector<std::string> vary{"hosts.gw.listeners[0].service.mean=5ms,7ms"};
  cli::SweepOptions o = options("scenario-7", vary, 5);
  o.crn = true;
  const Sweep crn = sweep(o, "crn");
  REQUIRE(crn.exit_code == 0);
  CHECK(crn.json["crn"] == true);
  CHECK(crn.json["points"][0]["seeds"] == crn.json["points"][1]["seeds"]);
  CHECK(samples(crn.json, 0, "attempts") == samples(crn.json, 1, "attempts"));
  const Sweep plain = sweep(options("scenario-8", vary, 5), "no-crn");
  CHECK_FALSE(plain.json.contains("crn"));
  CHECK(samples(plain.json, 0, "attempts") != samples(plain.json, 1, "attempts"));
  // --resume refuses a JSON made the other way.
  o.resume = true;
  o.json_path = (scratch() / "no-crn.json").string();
  std::ostringstream err;
  const cli::Ranks ranks;
  o.csv_path = (scratch() / "resume.csv").string();
  CHECK(cli::run_sweep(o, ranks, err) == 2);
  CHECK(err.str().find("it was made with other --crn") != std::string::npos);
}

TEST_CASE("sweep --dry-run prints the grid and an estimate, and writes nothing", "[sweep][dry-run]") {
  cli::SweepOptions o = options("scenario-9", {"hosts.gw.listeners[0].workers=3..6", "duration=1s,2s"}, 7);
  o.dry_run = true;
  o.jobs = 2;
  const Sweep s = sweep(o, "dry");
  CHECK(s.exit_code == 0);
  CHECK(s.err.find("sweep: 8 points (hosts.gw.listeners[0].workers: 4 values x duration: 2 values) x 7 "
                   "replications = 56 runs\n") != std::string::npos);
  CHECK(s.err.find("pilot: point 0, replication 0 took ") != std::string::npos);
  CHECK(s.err.find("for 56 runs on 2 threads") != std::string::npos);
  CHECK(s.csv.empty());
  CHECK(s.json.is_null());
}

TEST_CASE("off a terminal, progress is a line per interval, none once done", "[sweep][progress]") {
  std::FILE* sink = std::tmpfile();
  REQUIRE(sink);
  {
    cli::ProgressBar bar("sweep", sink, std::chrono::steady_clock::duration::zero());
    bar.update(1, 4);
    bar.update(2, 4);
    bar.update(4, 4);
  }
  std::rewind(sink);
  std::string text;
  for (int c; (c = std::fgetc(sink)) != EOF;) text.push_back(static_cast<char>(c));
  std::fclose(sink);
  CHECK(text.find("sweep: 1/4 runs (25%), ") == 0);
  CHECK(text.find("\nsweep: 2/4 runs (50%), ") != std::string::npos);
  CHECK(text.find("4/4") == std::string::npos);
  CHECK(text.find('\r') == std::string::npos);  // no terminal redraws
  std::FILE* quiet = std::tmpfile();
  {
    cli::ProgressBar bar("sweep", quiet, std::chrono::hours(1));
    bar.update(1, 4);  // within the first interval: nothing
  }
  CHECK(std::ftell(quiet) == 0);
  std::fclose(quiet);
}

TEST_CASE("a spec is loaded when a worker first needs it, about once per point", "[sweep][memory]") {
  const config::ScenarioSource source = config::ScenarioSource::from_file(two_groups("loader"));
  std::size_t loads = 0;
  const cli::SpecLoader load = [&](std::size_t k) -> model::ScenarioSpec {
    ++loads;
    config::LoadResult r =
        source.load(std::vector<config::Override>{{"duration", std::to_string(k + 1) + "s", "test"}});
    if (!r.ok()) throw std::runtime_error("the test scenario does not load");  // not REQUIRE: a worker thread
    return std::move(*r.spec);
  };
  std::vector<cli::Replication> reps;
  for (std::size_t p = 0; p < 6; ++p) {
    for (std::uint64_t r = 0; r < 3; ++r) reps.push_back(cli::Replication{p, 100 * p + r});
  }
  const cli::Ranks ranks;
  const auto one = cli::run_replications(load, reps, 1, ranks, cli::ReplicationLimits{});
  CHECK(loads == 6);
  loads = 0;
  const auto two = cli::run_replications(load, reps, 2, ranks, cli::ReplicationLimits{});
  CHECK(loads == 6);
  for (std::size_t k = 0; k < reps.size(); ++k) CHECK(one[k].digest == two[k].digest);
}

TEST_CASE("a cost expression is parsed strictly and evaluated over the varied settings", "[plan][cost]") {
  const std::vector<std::string> paths{"hosts.gw.listeners[0].workers", "hosts.gw.listeners[0].backlog",
                                       "hosts.gw.listeners[0].service.mean"};
  const auto parsed = cli::CostExpr::parse("workers*1 + backlog*0.01 - (2 - -1) / 3", paths);
  REQUIRE(std::holds_alternative<cli::CostExpr>(parsed));
  const std::map<std::string, std::string> at{{paths[0], "12"}, {paths[1], "256"}, {paths[2], "4ms"}};
  const auto v = std::get<cli::CostExpr>(parsed).evaluate(at);
  REQUIRE(std::holds_alternative<double>(v));
  CHECK(std::get<double>(v) == Approx(12 + 2.56 - 1).epsilon(1e-12));
  const auto mean = std::get<cli::CostExpr>(cli::CostExpr::parse("2*mean", paths)).evaluate(at);
  CHECK(std::get<double>(mean) == 8);  // the number as written, "4ms" -> 4
  for (const char* bad : {"workers +", "workers * cost", "system(1)", "workers;", "(workers", "1e999"}) {
    INFO(bad);
    CHECK(std::holds_alternative<std::string>(cli::CostExpr::parse(bad, paths)));
  }
  const auto unknown = cli::CostExpr::parse("worker*2", paths);
  CHECK(std::get<std::string>(unknown).find("worker is not a varied setting") != std::string::npos);
}

TEST_CASE("plan with a grid --vary prints each grid point's search, the frontier and the cheapest point",
          "[plan][frontier]") {
  cli::PlanOptions o;
  o.file = two_groups("frontier");
  o.vary = {"hosts.gw.listeners[0].workers=2..8", "hosts.gw.listeners[0].backlog=4,64"};
  o.target = "loss_rate[windows-clients]<=0.01";
  o.cost = "workers + backlog/100";
  o.batch = 4;
  o.max_reps = 16;
  const cli::Ranks ranks;
  std::ostringstream out, err;
  REQUIRE(cli::run_plan(o, ranks, out, err) == 0);
  const std::string text = out.str();
  INFO(text << err.str());
  // Each grid point's own search is the single plan with that grid value pinned.
  std::string frontier;
  std::vector<std::string> answers;
  for (const std::string backlog : {"4", "64"}) {
    cli::PlanOptions one = o;
    one.vary = {o.vary.front()};
    one.set = {"hosts.gw.listeners[0].backlog=" + backlog};
    one.cost.clear();
    std::ostringstream out1, err1;
    REQUIRE(cli::run_plan(one, ranks, out1, err1) == 0);
    const std::string body = out1.str().substr(out1.str().find('\n') + 1);
    CHECK(text.find("grid hosts.gw.listeners[0].backlog=" + backlog + ":\n" + body) != std::string::npos);
    const std::string prefix = "answer: hosts.gw.listeners[0].workers=";
    const std::size_t at = body.find(prefix);
    REQUIRE(at != std::string::npos);
    answers.push_back(
        body.substr(at + prefix.size(), body.find_first_of(" \n", at + prefix.size()) - at - prefix.size()));
  }
  const double c4 = std::stod(answers[0]) + 0.04;
  const double c64 = std::stod(answers[1]) + 0.64;
  CHECK(text.find("frontier: the smallest hosts.gw.listeners[0].workers meeting loss_rate[windows-clients]<=0.01 "
                  "per grid point\n") != std::string::npos);
  CHECK(text.find("  hosts.gw.listeners[0].backlog=4: hosts.gw.listeners[0].workers=" + answers[0]) !=
        std::string::npos);
  const std::string cheapest =
      c4 <= c64 ? "4, hosts.gw.listeners[0].workers=" + answers[0] : "64, hosts.gw.listeners[0].workers=" + answers[1];
  CHECK(text.find("cheapest: hosts.gw.listeners[0].backlog=" + cheapest) != std::string::npos);
}

TEST_CASE("with --crn a replication's seed is sweep's formula without the point", "[sweep][crn][seeds]") {
  std::ostringstream err;
  const std::vector<std::string> vary{"hosts.gw.listeners[0].workers=3,4"};
  std::optional<cli::Study> study = cli::prepare_study(two_groups("crn-seeds"), vary, err);
  REQUIRE(study);
  const auto independent = cli::replication_seeds(*study, 1, 7, 0, 3);
  study->crn = true;
  const auto common0 = cli::replication_seeds(*study, 0, 7, 0, 3);
  const auto common1 = cli::replication_seeds(*study, 1, 7, 0, 3);
  CHECK(common0 == common1);
  CHECK(common0 != independent);
  // docs/sweeps.md: derive_seed(S, "sweep\n" + "rep " + r), the point's key left out.
  for (std::uint32_t r = 0; r < 3; ++r) CHECK(common0[r] == sim::derive_seed(7, "sweep\nrep " + std::to_string(r)));
}

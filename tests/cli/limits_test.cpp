// End-to-end: a run cut short by --max-events or --max-inflight, or interrupted by SIGINT
// or SIGTERM, writes its results marked as such and exits 4 or 130; nothing half-written
// is ever left behind.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "binary.h"

extern char** environ;

namespace fs = std::filesystem;

namespace {

const fs::path kSource = SYNSTORM_SOURCE_DIR;

using synstorm_test::quote;
using synstorm_test::slurp;
using synstorm_test::synstorm;

fs::path scratch(const std::string& name) {
  const fs::path dir = synstorm_test::scratch_dir() / ("limits-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

// Files in `dir` other than `keep`: a temporary left behind would show here.
std::vector<std::string> strays(const fs::path& dir, const std::string& keep) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name != keep && name.find(".tmp.") != std::string::npos) out.push_back(name);
  }
  return out;
}

// A scenario that would run for hours: an hour of 20 000 connects/s.
fs::path endless_scenario() {
  const fs::path p = scratch("endless.yaml");
  std::ofstream(p)
      << "duration: 1h\n"
         "hosts:\n"
         "  web:\n"
         "    listeners: [{port: 80, backlog: 128, workers: 8, service: {dist: exponential, mean: 0.3ms}}]\n"
         "clients:\n"
         "  c: {target: web:80, arrivals: {process: poisson, rate: 20000/s}}\n";
  return p;
}

}  // namespace

TEST_CASE("max-events stops the run at exactly that many events, marked cut short, exit 4", "[e2e][limits]") {
  const fs::path json = scratch("events.json");
  const auto r = synstorm("run " + quote((kSource / "scenarios/overload.yaml").string()) +
                          " --max-events 5000 --quiet --json " + quote(json.string()));
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("cut short") != std::string::npos);
  CHECK(r.err.find("--max-events") != std::string::npos);
  const auto j = nlohmann::json::parse(slurp(json));
  CHECK(j["events"] == 5000);
  CHECK(j["complete"] == false);
  CHECK(j["cut_short"] == "max_events");
  CHECK(j["interrupted"] == false);
  CHECK(j["sim_time_s"].get<double>() < 30.0);
  // Cut short, the outcome invariant still holds: open attempts are pending.
  const auto& t = j["totals"];
  CHECK(t["attempts"] == t["accepted"].get<int>() + t["refused"].get<int>() + t["timed_out"].get<int>() +
                             t["reset"].get<int>() + t["pending"].get<int>());
  // The same budget gives the same bytes.
  const fs::path again = scratch("events-again.json");
  synstorm("run " + quote((kSource / "scenarios/overload.yaml").string()) + " --max-events 5000 --quiet --json " +
           quote(again.string()));
  CHECK(slurp(json) == slurp(again));
}

TEST_CASE("max-inflight ends the run when too many connections are open at once, exit 4", "[e2e][limits]") {
  const fs::path json = scratch("inflight.json");
  // flash-crowd.yaml has 20 000 connects within 200 ms from t = 10 s.
  const auto r = synstorm("run " + quote((kSource / "scenarios/flash-crowd.yaml").string()) +
                          " --max-inflight 1000 --quiet --json " + quote(json.string()));
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("more than 1000 connections in flight") != std::string::npos);
  const auto j = nlohmann::json::parse(slurp(json));
  CHECK(j["cut_short"] == "max_inflight");
  CHECK(j["sim_time_s"].get<double>() >= 10.0);
  CHECK(j["sim_time_s"].get<double>() < 10.2);
  CHECK(j["totals"]["pending"].get<int>() >= 1000);
}

TEST_CASE("the default --max-inflight is half the machine's memory at 512 bytes per connection", "[e2e][limits]") {
  // The machine's memory as the kernel reports it (/proc/meminfo, MemTotal in KiB), not as
  // the program computes it; `synstorm run --help` states the default it will use.
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  while (meminfo >> key && key != "MemTotal:") meminfo.ignore(1 << 10, '\n');
  REQUIRE(key == "MemTotal:");
  REQUIRE(meminfo >> kib);
  REQUIRE(kib > 0);
  const std::uint64_t expected = kib * 1024 / 2 / 512;
  const auto r = synstorm("run --help");
  CHECK(r.exit_code == 0);
  INFO(r.out);
  CHECK(r.out.find("(default here: " + std::to_string(expected) + ", half the memory") != std::string::npos);
}

TEST_CASE("SIGINT or SIGTERM stops a run at an event boundary: partial results, interrupted, exit 130",
          "[e2e][limits]") {
  const int sig = GENERATE(SIGINT, SIGTERM);
  const fs::path json = scratch("interrupted-" + std::to_string(sig) + ".json");
  const fs::path scenario = endless_scenario();
  const std::string bin = SYNSTORM_BIN;
  const std::vector<std::string> args = {bin, "run", scenario.string(), "--quiet", "--json", json.string()};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));  // well into the run
  REQUIRE(::kill(pid, sig) == 0);
  const auto sent = std::chrono::steady_clock::now();
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(seconds < 5.0);  // it stops at once, not at the end of the hour
  const auto j = nlohmann::json::parse(slurp(json));
  CHECK(j["interrupted"] == true);
  CHECK(j["complete"] == false);
  CHECK(j["cut_short"] == "interrupted");
  CHECK(j["sim_time_s"].get<double>() > 0.0);
  CHECK(j["sim_time_s"].get<double>() < 3600.0);
  CHECK(strays(json.parent_path(), json.filename().string()).empty());
}

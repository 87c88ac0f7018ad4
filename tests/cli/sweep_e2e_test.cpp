// End-to-end tests of `synstorm sweep` as a process: SIGINT in the middle of a sweep, then
// --resume; and, in builds with SYNSTORM_MPI, `mpirun -np 2` against -j 1.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "binary.h"

namespace fs = std::filesystem;

namespace {

using synstorm_test::quote;
using synstorm_test::slurp;
using synstorm_test::synstorm;

fs::path scratch() {
  const fs::path dir = fs::path(SYNSTORM_BINARY_DIR) / "sweep-e2e";
  fs::create_directories(dir);
  return dir;
}

// Each replication takes some tens of milliseconds, so a sweep lasts long enough to be
// interrupted in the middle.
std::string write_scenario(const std::string& name, int seed = 3) {
  const fs::path file = scratch() / (name + ".yaml");
  std::ofstream(file) << "name: " << name << "\nseed: " << seed << "\nduration: 60s\nsample_interval: 1s\n"
                      << "hosts:\n  server:\n    os: windows\n    listeners:\n"
                      << "      - {port: 8080, backlog: 4, workers: 8, service: {dist: exponential, mean: 8ms}}\n"
                      << "clients:\n  load:\n    os: windows\n    target: server:8080\n"
                      << "    arrivals: {process: poisson, rate: 800/s}\n    syn_retries: 0\n";
  return file.string();
}

// The number of threads of a running process (/proc/PID/task).
std::size_t thread_count(pid_t pid) {
  std::size_t n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(fs::path("/proc") / std::to_string(pid) / "task", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return n;
}

// Starts `synstorm ARGS...` with stderr to `err_file`; returns its pid.
pid_t spawn(const std::vector<std::string>& args, const fs::path& err_file) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::FILE* err = std::freopen(err_file.c_str(), "w", stderr);
    (void)err;
    std::vector<char*> argv;
    std::string bin = SYNSTORM_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    std::_Exit(127);
  }
  return pid;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));  // not killed by the signal: it stopped on its own
  return WEXITSTATUS(status);
}

std::size_t lines(const std::string& text) {
  std::size_t n = 0;
  for (const char c : text) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("an interrupted sweep writes the points it finished, and --resume completes it", "[e2e][sweep]") {
  const std::string file = write_scenario("interrupt");
  const std::string vary = "hosts.server.listeners[0].backlog=1..16";
  const fs::path dir = scratch();
  const auto args = [&](const std::string& tag) {
    return std::vector<std::string>{"sweep",  file,
                                    "--vary", vary,
                                    "--reps", "3",
                                    "-j",     "1",
                                    "--out",  (dir / (tag + ".csv")).string(),
                                    "--json", (dir / (tag + ".json")).string()};
  };
  auto shell = [&](const std::vector<std::string>& a) {
    std::string s;
    for (const auto& x : a) s += quote(x) + " ";
    return s;
  };

  // The reference: the same sweep, uninterrupted, timed: the interruption below comes
  // half-way through it, whatever the build's speed (a sanitizer build is ten times slower).
  const auto started = std::chrono::steady_clock::now();
  const auto full = synstorm(shell(args("full")));
  const auto full_time = std::chrono::steady_clock::now() - started;
  INFO(full.err);
  REQUIRE(full.exit_code == 0);

  fs::remove(dir / "part.csv");
  fs::remove(dir / "part.json");
  const pid_t pid = spawn(args("part"), dir / "part.err");
  // The worker thread exists once the points are loaded and the handlers installed; give
  // it half the uninterrupted sweep's time to finish some points, then interrupt.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (thread_count(pid) < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(thread_count(pid) >= 2);
  std::this_thread::sleep_for(full_time / 2);
  REQUIRE(::kill(pid, SIGINT) == 0);
  const int code = wait_exit_code(pid);
  const std::string err = slurp(dir / "part.err");
  INFO(err);
  CHECK(code == 130);
  CHECK_THAT(err, Catch::Contains("sweep interrupted") && Catch::Contains("--resume"));

  const std::string json = slurp(dir / "part.json");
  const std::string csv = slurp(dir / "part.csv");
  CHECK(json.find("\"interrupted\": true") != std::string::npos);
  const auto done_at = json.find("\"points_done\": ");
  REQUIRE(done_at != std::string::npos);
  const int done = std::stoi(json.substr(done_at + 15));
  INFO(done << " points done before the interruption");
  CHECK(done < 16);
  // Without a finished point the resume below would prove nothing: it would run them all.
  REQUIRE(done >= 1);
  CHECK(lines(csv) == static_cast<std::size_t>(done) + 1);  // the header and the finished points
  // The finished points are exactly those of the full sweep.
  CHECK(slurp(dir / "full.csv").rfind(csv, 0) == 0);

  // --resume refuses a file made by another sweep (no SECTIONs: each would redo the sweeps).
  {
    auto other_reps = args("part");
    other_reps[5] = "4";
    other_reps.push_back("--resume");
    auto r = synstorm(shell(other_reps));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("cannot resume from") && Catch::Contains("--reps 3, this sweep has --reps 4"));

    auto other_vary = args("part");
    other_vary[3] = "hosts.server.listeners[0].backlog=1..17";
    other_vary.push_back("--resume");
    r = synstorm(shell(other_vary));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("other --vary arguments"));

    const std::string changed = write_scenario("interrupt-changed", 4);
    auto other_file = args("part");
    other_file[1] = changed;
    other_file.push_back("--resume");
    r = synstorm(shell(other_file));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("different scenario text"));
    // Nothing was overwritten.
    CHECK(slurp(dir / "part.json") == json);
  }
  // --resume runs the rest and gives the uninterrupted sweep's bytes.
  auto resumed = args("part");
  resumed.push_back("--resume");
  const auto r = synstorm(shell(resumed));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  // It reused the finished points rather than running them again.
  CHECK_THAT(r.err, Catch::Contains("--resume: " + std::to_string(done) + " of 16 points already done"));
  CHECK(slurp(dir / "part.csv") == slurp(dir / "full.csv"));
  CHECK(slurp(dir / "part.json") == slurp(dir / "full.json"));
}

TEST_CASE("resuming a sweep needs its JSON file", "[e2e][sweep]") {
  const std::string file = write_scenario("resume-no-json");
  const auto r = synstorm("sweep " + quote(file) + " --reps 2 --resume --out " + quote((scratch() / "x.csv").string()));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--resume needs --json"));
}

#ifdef SYNSTORM_MPIEXEC
namespace {

// `mpirun -np 2 synstorm ARGS`, stdout to `out`, stderr to `err`; the exit code. CI runs
// as root, which OpenMPI refuses without these variables; `timeout` bounds a hung job.
int mpirun(const std::string& args, const fs::path& out, const fs::path& err) {
  const std::string cmd =
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 timeout 300 " +
      quote(SYNSTORM_MPIEXEC) + " -np 2 " + quote(SYNSTORM_BIN) + " " + args + " >" + quote(out.string()) + " 2>" +
      quote(err.string());
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("mpirun -np 2 gives the bytes of -j 1", "[e2e][sweep][mpi]") {
  const std::string file = write_scenario("mpi");
  const fs::path dir = scratch();
  const std::string common = "sweep " + quote(file) +
                             " --vary 'hosts.server.listeners[0].backlog=1..5' --vary "
                             "'clients.load.arrivals.rate=600/s,900/s' --reps 3";
  const auto one = synstorm(common + " -j 1 --out " + quote((dir / "mpi-j1.csv").string()) + " --json " +
                            quote((dir / "mpi-j1.json").string()));
  INFO(one.err);
  REQUIRE(one.exit_code == 0);
  const int code = mpirun(
      common + " --out " + quote((dir / "mpi-np2.csv").string()) + " --json " + quote((dir / "mpi-np2.json").string()),
      dir / "mpi.out", dir / "mpi.err");
  INFO(slurp(dir / "mpi.err"));
  REQUIRE(code == 0);
  CHECK(slurp(dir / "mpi-np2.csv") == slurp(dir / "mpi-j1.csv"));
  CHECK(slurp(dir / "mpi-np2.json") == slurp(dir / "mpi-j1.json"));
  // Rank 0 alone reports.
  const std::string err = slurp(dir / "mpi.err");
  CHECK(err.find("synstorm: sweep of") != std::string::npos);
  CHECK(err.find("synstorm: sweep of") == err.rfind("synstorm: sweep of"));
}

TEST_CASE("plan under mpirun -np 2 prints the bytes of -j 1", "[e2e][plan][mpi]") {
  const std::string file = write_scenario("mpi-plan");
  const fs::path dir = scratch();
  const std::string args = "plan " + quote(file) +
                           " --vary 'hosts.server.listeners[0].backlog=1..32' --target 'refusal_rate<=0.03' --reps 4";
  const auto one = synstorm(args + " -j 1");
  INFO(one.err);
  REQUIRE(one.exit_code == 0);
  CHECK_THAT(one.out, Catch::Contains("answer: hosts.server.listeners[0].backlog="));
  REQUIRE(mpirun(args, dir / "plan.out", dir / "plan.err") == 0);
  CHECK(slurp(dir / "plan.out") == one.out);
}
#endif

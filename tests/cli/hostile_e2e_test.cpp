// End-to-end: `synstorm check` on every file of the hostile corpus (tests/config/hostile/)
// and on files too large or endless to check in. Each must exit 2 with its expected
// message on stderr, nothing on stdout, within a bounded CPU time and peak memory measured
// by the kernel for the child (wait4's rusage). The bounds are generous — a sanitizer
// build is slow and large — but far below what an unbounded input would take.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/config/expectations.h"

namespace {

namespace fs = std::filesystem;

constexpr double kMaxCpuSeconds = 20.0;
constexpr long kMaxRssKib = 1024 * 1024;  // 1 GiB
constexpr auto kKillAfter = std::chrono::seconds(120);

// Under AddressSanitizer a run is several times slower and its peak memory includes the
// shadow and the quarantine of freed blocks: the tight bounds below are for plain builds.
// The sections that cannot mean anything under it are not compiled there (rather than
// passing without checking): CI runs them in its plain build.
#if defined(__SANITIZE_ADDRESS__)
#define SYNSTORM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYNSTORM_ASAN 1
#endif
#endif
#ifdef SYNSTORM_ASAN
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
// The peak memory of a command that holds only what is in flight (a plain build).
constexpr long kTightRssKib = kSanitized ? kMaxRssKib : 256 * 1024;

struct Check {
  int exit_code = -1;  // -1: killed by a signal (or by us, after kKillAfter)
  std::string out;
  std::string err;
  double cpu_seconds = 0;
  long max_rss_kib = 0;
};

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(SYNSTORM_BINARY_DIR) / "e2e";
  fs::create_directories(dir);
  return dir / (name + "-" + std::to_string(::getpid()));
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

struct Invocation {
  std::vector<std::string> args;
  int signal_after_ms = 0;  // > 0: send `signal` that long after the start
  int signal = SIGINT;
  rlim_t address_space = 0;  // > 0: RLIMIT_AS of the child
};

// Runs synstorm with `how`, stdin from /dev/null, stdout and stderr to files, and measures it.
Check invoke(const Invocation& how, std::chrono::seconds kill_after = kKillAfter) {
  const fs::path out_file = scratch("invoke-stdout");
  const fs::path err_file = scratch("invoke-stderr");
  std::vector<std::string> argv_strings{SYNSTORM_BIN};
  argv_strings.insert(argv_strings.end(), how.args.begin(), how.args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(127);
    if (how.address_space > 0) {
      const rlimit limit{how.address_space, how.address_space};
      ::setrlimit(RLIMIT_AS, &limit);
    }
    ::execv(SYNSTORM_BIN, argv.data());
    ::_exit(127);
  }
  Check c;
  int status = 0;
  rusage usage{};
  const auto start = std::chrono::steady_clock::now();
  bool signalled = false;
  pid_t done = 0;
  while ((done = ::wait4(pid, &status, WNOHANG, &usage)) == 0) {
    const auto now = std::chrono::steady_clock::now();
    if (how.signal_after_ms > 0 && !signalled && now - start > std::chrono::milliseconds(how.signal_after_ms)) {
      ::kill(pid, how.signal);
      signalled = true;
    }
    if (now - start > kill_after) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(done == pid);
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  c.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  c.max_rss_kib = usage.ru_maxrss;
  c.out = slurp(out_file);
  c.err = slurp(err_file);
  fs::remove(out_file);
  fs::remove(err_file);
  return c;
}

Check invoke(std::vector<std::string> args) { return invoke(Invocation{std::move(args)}); }

// Runs `synstorm check FILE`.
Check check(const fs::path& file) { return invoke({"check", file.string()}); }

void require_refused(const Check& c, const std::string& expected_text) {
  INFO("stderr: " << c.err.substr(0, 2000));
  INFO("cpu " << c.cpu_seconds << " s, peak rss " << c.max_rss_kib << " KiB");
  CHECK(c.exit_code == 2);
  CHECK(c.out.empty());
  CHECK(c.err.find(": error: ") != std::string::npos);
  CHECK(c.err.find(expected_text) != std::string::npos);
  CHECK(c.cpu_seconds < kMaxCpuSeconds);
  CHECK(c.max_rss_kib < kMaxRssKib);
}

}  // namespace

TEST_CASE("synstorm check refuses every file of the hostile corpus: exit 2, a message, bounded time and memory",
          "[e2e][hostile]") {
  const fs::path dir = fs::path(SYNSTORM_SOURCE_DIR) / "tests" / "config" / "hostile";
  const std::vector<synstorm_test::HostileCase> cases = synstorm_test::hostile_cases(dir);
  CHECK(cases.size() >= 40);
  for (const synstorm_test::HostileCase& hostile : cases) {
    DYNAMIC_SECTION(hostile.file.filename().string()) {
      REQUIRE(hostile.expected.has_value());
      const std::string where = hostile.expected->line > 0 ? ":" + std::to_string(hostile.expected->line) + ":" +
                                                                 std::to_string(hostile.expected->column) + ": error: "
                                                           : ": error: ";
      const Check c = check(hostile.file);
      require_refused(c, hostile.expected->text);
      CHECK(c.err.find(hostile.file.string() + where) != std::string::npos);
    }
  }
}

TEST_CASE("synstorm check refuses files too large or endless to read, without reading them whole", "[e2e][hostile]") {
  SECTION("an endless device") { require_refused(check("/dev/zero"), "not a regular file (a character device)"); }
  SECTION("a file one byte over the limit") {
    const fs::path big = scratch("hostile-big.yaml");
    {
      std::ofstream out(big, std::ios::binary);
      out << "duration: 10s\n# ";
      out << std::string((std::size_t{16} << 20) - 16 + 1, 'x');
    }
    REQUIRE(fs::file_size(big) == (std::size_t{16} << 20) + 1);
    require_refused(check(big), "larger than the limit of 16 MiB");
    fs::remove(big);
  }
}

// ---- every command, on hostile inputs, outputs and arguments ----------------------------
//
// Each case runs the real binary with a deadline and bounded memory; the bounds are those
// of a command that never blocks and holds only what is in flight.

namespace {

// A directory of its own for each case, emptied first.
fs::path case_dir(const std::string& name) {
  const fs::path dir = fs::path(SYNSTORM_BINARY_DIR) / "e2e" / ("hostile-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A small scenario: one server, one client group with `arrivals`, and `extra` keys.
std::string scenario(const std::string& arrivals, const std::string& client_extra = "",
                     const std::string& top_extra = "", const std::string& duration = "2s") {
  return "duration: " + duration + "\n" + top_extra +
         "hosts:\n"
         "  web:\n"
         "    listeners:\n"
         "      - {port: 80, backlog: 64, workers: 4, service: {dist: constant, value: 1ms}}\n"
         "clients:\n"
         "  c:\n"
         "    target: web:80\n"
         "    arrivals: " +
         arrivals + "\n" + client_extra;
}

void expect(const Check& c, int code, const std::string& text) {
  INFO("exit " << c.exit_code << "; stderr: " << c.err.substr(0, 3000));
  INFO("cpu " << c.cpu_seconds << " s, peak rss " << c.max_rss_kib << " KiB");
  CHECK(c.exit_code == code);
  CHECK(c.err.find(text) != std::string::npos);
  CHECK(c.max_rss_kib < kMaxRssKib);
}

bool no_raw_control(const std::string& s) {
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if ((b < 0x20 && b != '\n') || b == 0x7f) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("liveness: no input blocks, whatever it is", "[e2e][hostile][liveness]") {
  const fs::path dir = case_dir("liveness");
  const fs::path fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  write(dir / "ok.yaml", scenario("{process: poisson, rate: 10/s}"));
  SECTION("a scenario that is a FIFO") { expect(invoke({"check", fifo.string()}), 2, "not a regular file (a FIFO)"); }
  SECTION("a csv trace that is a FIFO") {
    write(dir / "s.yaml", scenario("{process: trace, csv: fifo}"));
    expect(invoke({"check", (dir / "s.yaml").string()}), 2, "not a regular file (a FIFO)");
  }
  SECTION("a pcap trace that is a FIFO") {
    write(dir / "s.yaml", scenario("{process: trace, pcap: fifo, port: 80}"));
    expect(invoke({"run", (dir / "s.yaml").string()}), 2, "not a regular file (a FIFO)");
  }
  SECTION("a scenario under /proc") {
    expect(invoke({"check", "/proc/self/environ"}), 2, "on the proc pseudo-filesystem");
  }
  SECTION("a trace under /proc, whose content is never printed") {
    write(dir / "s.yaml", scenario("{process: trace, csv: /proc/self/environ}"));
    const Check c = invoke({"check", (dir / "s.yaml").string()});
    expect(c, 2, "on the proc pseudo-filesystem");
    CHECK(c.err.find("PATH=") == std::string::npos);
  }
  SECTION("a file of /proc that would block a reader (kmsg)") {
    if (!fs::exists("/proc/kmsg")) {
      WARN("skipped: no /proc/kmsg");
      return;
    }
    expect(invoke({"check", "/proc/kmsg"}), 2, "pseudo-filesystem");
  }
  SECTION("a scenario that is a directory") { expect(invoke({"check", dir.string()}), 2, "Is a directory"); }
  SECTION("a --resume file that is a FIFO") {
    expect(invoke({"sweep", (dir / "ok.yaml").string(), "--reps", "1", "--out", (dir / "o.csv").string(), "--json",
                   fifo.string(), "--resume"}),
           2, "not a regular file");
    CHECK(listing(dir) == std::vector<std::string>{"fifo", "ok.yaml"});
  }
}

TEST_CASE("liveness: signals are honoured by explain and while a sweep loads its grid", "[e2e][hostile][liveness]") {
  const fs::path dir = case_dir("signals");
  write(dir / "long.yaml", scenario("{process: poisson, rate: 1000/s}", "", "", "100000s"));
  for (const int sig : {SIGINT, SIGTERM}) {
    DYNAMIC_SECTION("explain, signal " << sig) {
      const Check c = invoke(Invocation{{"explain", (dir / "long.yaml").string(), "--limit", "300"}, 1500, sig});
      expect(c, 130, "interrupted (signal " + std::to_string(sig) + ")");
      // What it printed was flushed, down to the summary line.
      CHECK(c.out.find("connect()") != std::string::npos);
      REQUIRE(c.out.size() > 1);
      CHECK(c.out.back() == '\n');
      CHECK(c.out.rfind("\n... ") != std::string::npos);
    }
  }
  SECTION("sweep, while loading a 100000-point grid (and a 20000-value --vary list takes linear memory)") {
    // Before: every point held the whole list (110 kB) as its origin: 2 GB for this grid.
    std::string values;
    for (int i = 1; i <= 20000; ++i) values += (i > 1 ? "," : "") + std::to_string(i);
    const auto start = std::chrono::steady_clock::now();
    const Check c =
        invoke(Invocation{{"sweep", (dir / "long.yaml").string(), "--vary", "seed=" + values, "--vary",
                           "clients.c.arrivals.rate=1/s..5/s", "--reps", "1", "--out", (dir / "o.csv").string()},
                          2000,
                          SIGINT});
    expect(c, 130, "while loading point");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
    CHECK(c.max_rss_kib < kTightRssKib);
    CHECK_FALSE(fs::exists(dir / "o.csv"));
  }
}

TEST_CASE("outputs: never clobber what is not ours, never leave half a result", "[e2e][hostile][outputs]") {
  const fs::path dir = case_dir("outputs");
  const fs::path s = dir / "s.yaml";
  const std::string text = scenario("{process: poisson, rate: 100/s}");
  write(s, text);
  const auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"run", s.string(), "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    return invoke(args);
  };
  SECTION("a device is refused, never replaced") {
    expect(run({"--json", "/dev/null"}), 2, "exists and is a character device");
    CHECK(fs::is_character_file("/dev/null"));
  }
  SECTION("a directory is refused, and the other output is not left behind") {
    const Check c = run({"--timeseries", (dir / "d").string(), "--json", dir.string()});
    expect(c, 2, "is a directory");
    CHECK(listing(dir) == std::vector<std::string>{"s.yaml"});
  }
  SECTION("a FIFO as an output is refused at once") {
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    expect(run({"--json", (dir / "fifo").string()}), 2, "exists and is a FIFO");
  }
  SECTION("two outputs that are one file") {
    expect(run({"--json", (dir / "x").string(), "--timeseries", (dir / "." / "x").string()}), 2,
           "the same file as --json");
    CHECK(listing(dir) == std::vector<std::string>{"s.yaml"});
  }
  SECTION("an output that is the scenario") {
    expect(run({"--json", s.string()}), 2, "the same file as the input");
    CHECK(slurp(s) == text);
  }
  SECTION("an output that is the scenario through a symbolic link") {
    fs::create_symlink(s, dir / "link.json");
    expect(run({"--timeseries", (dir / "link.json").string()}), 2, "the same file as the input");
    CHECK(slurp(s) == text);
  }
  SECTION("an output that is a trace the scenario reads") {
    write(dir / "t.csv", "0\n0.5\n1\n");
    write(dir / "r.yaml", scenario("{process: trace, csv: t.csv}"));
    expect(invoke({"run", (dir / "r.yaml").string(), "--json", (dir / "t.csv").string()}), 2,
           "the same file as the input");
    CHECK(slurp(dir / "t.csv") == "0\n0.5\n1\n");
  }
  SECTION("sweep --out and --json the same file") {
    expect(invoke({"sweep", s.string(), "--reps", "1", "--out", (dir / "x").string(), "--json", (dir / "x").string()}),
           2, "the same file as --out");
    CHECK(listing(dir) == std::vector<std::string>{"s.yaml"});
  }
  SECTION("an output that cannot be created stops the run before it starts, and nothing is left") {
    const Check c = run({"--json", (dir / "j.json").string(), "--timeseries", (dir / "no" / "t.csv").string()});
    expect(c, 2, "cannot create a file in");
    CHECK(c.out.empty());  // nothing ran
    CHECK(listing(dir) == std::vector<std::string>{"s.yaml"});
  }
  SECTION("sweep: an output that cannot be created stops it before it runs") {
    const Check c = invoke({"sweep", s.string(), "--reps", "1", "--out", (dir / "o.csv").string(), "--json",
                            (dir / "no" / "o.json").string()});
    expect(c, 2, "cannot create a file in");
    CHECK(listing(dir) == std::vector<std::string>{"s.yaml"});
  }
  SECTION("a bad scenario creates no output") {
    write(dir / "bad.yaml", "duration: 1s\n");
    expect(invoke({"run", (dir / "bad.yaml").string(), "--json", (dir / "j.json").string()}), 2, "error");
    CHECK(listing(dir) == std::vector<std::string>{"bad.yaml", "s.yaml"});
  }
  SECTION("--json '' is an error, not no output") {
    expect(run({"--json", ""}), 2, "expected a file name, or - for standard output");
  }
  SECTION("- is standard output for run's --json; the summary goes to stderr") {
    const Check c = invoke({"run", s.string(), "--json", "-"});
    expect(c, 0, "digest ");
    REQUIRE_FALSE(c.out.empty());
    CHECK(c.out.front() == '{');
    CHECK(c.out.find("\"digest\"") != std::string::npos);
    CHECK_FALSE(fs::exists("-"));
  }
  SECTION("- is standard output for sweep's --out") {
    const Check c = invoke({"sweep", s.string(), "--reps", "2", "--out", "-"});
    expect(c, 0, "written to -");
    CHECK(c.out.rfind("point,reps", 0) == 0);
  }
  SECTION("- twice is refused") {
    expect(invoke({"run", s.string(), "--json", "-", "--timeseries", "-"}), 2, "the same file as --json -");
  }
  SECTION("a symbolic link planted where a temporary file used to go is never written through") {
    write(dir / "victim", "keep\n");
    for (int pid = 1; pid < 200; ++pid) {
      fs::create_symlink(dir / "victim", dir / ("out.json.tmp." + std::to_string(pid)));
    }
    expect(run({"--json", (dir / "out.json").string()}), 0, "");
    CHECK(slurp(dir / "victim") == "keep\n");
    CHECK(slurp(dir / "out.json").front() == '{');
  }
  SECTION("an output through a symbolic link replaces its target and keeps the link") {
    write(dir / "target.json", "old");
    fs::create_symlink("target.json", dir / "link.json");
    expect(run({"--json", (dir / "link.json").string()}), 0, "");
    CHECK(fs::is_symlink(dir / "link.json"));
    CHECK(slurp(dir / "target.json").front() == '{');
  }
}

TEST_CASE("memory: bounded by what is in flight", "[e2e][hostile][memory]") {
  const fs::path dir = case_dir("memory");
  SECTION("a burst of 10^9 at one instant stops at the in-flight limit") {
    write(dir / "s.yaml", scenario("{process: burst, count: 1000000000, at: 1s}"));
    const Check c = invoke({"run", (dir / "s.yaml").string(), "-q", "--max-inflight", "1000"});
    expect(c, 4, "more than 1000 connections in flight");
    CHECK(c.cpu_seconds < 10);
  }
#ifndef SYNSTORM_ASAN  // 10^8 events take longer than the deadline under AddressSanitizer
  SECTION("a clock that stops is detected: exit 4 with the reason") {
    write(dir / "s.yaml", replaced(scenario("{process: closed, users: 10, think: {dist: constant, value: 0s}}"),
                                   "value: 1ms", "value: 0s"));
    const Check c = invoke({"run", (dir / "s.yaml").string(), "-q"});
    expect(c, 4, "the simulated clock did not advance");
    CHECK(c.max_rss_kib < kTightRssKib);
  }
#endif
  SECTION("a time series too long to hold is an error check reports") {
    write(dir / "s.yaml", scenario("{process: poisson, rate: 10/s}", "", "sample_interval: 1ns\n", "10s"));
    expect(invoke({"check", (dir / "s.yaml").string()}), 2, "rows of time series (the limit); use at least 10us");
  }
#ifndef SYNSTORM_ASAN  // AddressSanitizer's quarantine of freed memory hides a difference of a few MB
  SECTION("cancelled timers of an hour-long connect timeout do not pile up") {
    // 600 000 attempts that each end within milliseconds: the hour-long timeouts they
    // cancel must not stay queued (before: ~16 bytes each).
    const auto rss = [&](const std::string& timeout) {
      // A server with room for all of them (64 workers at 1 ms: 64 000/s).
      write(dir / "s.yaml",
            replaced(scenario("{process: poisson, rate: 20000/s}", "    connect_timeout: " + timeout + "\n", "", "30s"),
                     "backlog: 64, workers: 4", "backlog: 4096, workers: 64"));
      const Check c = invoke({"run", (dir / "s.yaml").string(), "-q"});
      CHECK(c.exit_code == 0);
      return c.max_rss_kib;
    };
    const long hour = rss("1h");
    const long second = rss("1s");
    INFO("peak rss: " << hour << " KiB with 1h, " << second << " KiB with 1s");
    CHECK(hour < second + 4 * 1024);
  }
#endif
  SECTION("sweep applies the in-flight limit to each replication and reports the points cut short") {
    write(dir / "s.yaml", scenario("{process: burst, count: 100, at: 1s}"));
    const Check c =
        invoke({"sweep", (dir / "s.yaml").string(), "--vary", "clients.c.arrivals.count=10,5000", "--reps", "2", "-j",
                "2", "--max-inflight", "1000", "--out", (dir / "o.csv").string(), "--json", (dir / "o.json").string()});
    expect(c, 4, "1 of 2 points was cut short");
    CHECK(c.err.find("clients.c.arrivals.count=5000") != std::string::npos);
    const std::string json = slurp(dir / "o.json");
    CHECK(json.find("\"points_cut_short\"") != std::string::npos);
    CHECK(json.find("\"max_inflight\"") != std::string::npos);
  }
  SECTION("plan stops with exit 4 when a replication is cut short") {
    write(dir / "s.yaml", scenario("{process: burst, count: 100, at: 1s}"));
    const Check c = invoke({"plan", (dir / "s.yaml").string(), "--vary", "clients.c.arrivals.count=5000,6000",
                            "--target", "refusal_rate<=0.5", "--max-inflight", "1000"});
    expect(c, 4, "was cut short");
  }
#ifndef SYNSTORM_ASAN  // an address-space limit and AddressSanitizer's shadow memory do not mix
  SECTION("threads that cannot be created: the sweep goes on with fewer") {
    write(dir / "s.yaml", scenario("{process: poisson, rate: 10/s}"));
    // 400 threads of 8 MiB stacks do not fit in 1 GiB of address space.
    const Check c = invoke(Invocation{{"sweep", (dir / "s.yaml").string(), "--reps", "400", "-j", "400", "--out",
                                       (dir / "o.csv").string(), "--no-progress"},
                                      0,
                                      SIGINT,
                                      rlim_t{1} << 30});
    expect(c, 0, "could start only");
    CHECK(fs::exists(dir / "o.csv"));
  }
#endif
}

TEST_CASE("arguments: parsed as strictly as the file", "[e2e][hostile][arguments]") {
  const fs::path dir = case_dir("arguments");
  const fs::path s = dir / "s.yaml";
  write(s, scenario("{process: poisson, rate: 10/s}"));
  SECTION("--seed -1") { expect(invoke({"run", s.string(), "--seed", "-1"}), 2, "expected an integer in [0, "); }
  SECTION("--seed 2^64") {
    expect(invoke({"run", s.string(), "--seed", "18446744073709551616"}), 2, "which is larger");
  }
  SECTION("--seed -2^64+1") {
    expect(invoke({"explain", s.string(), "--seed", "-18446744073709551615"}), 2, "expected an integer");
  }
  SECTION("-j beyond its range") {
    expect(invoke({"sweep", s.string(), "-j", "99999", "--out", (dir / "o.csv").string()}), 2, "which is larger");
  }
  SECTION("overlapping --vary paths") {
    expect(invoke({"sweep", s.string(), "--vary", "hosts.web.listeners[0].service.value=2ms,30ms", "--vary",
                   "hosts.web.listeners[0].service={dist: constant, value: 1ms}", "--out", (dir / "o.csv").string()}),
           2, "overlaps what is varied by");
  }
  SECTION("a range of 64-bit seeds") {
    write(s, scenario("{process: poisson, rate: 10/s}", "", "seed: 1\n"));
    const Check c = invoke({"sweep", s.string(), "--vary", "seed=18446744073709551614..18446744073709551615", "--reps",
                            "1", "--out", "-"});
    expect(c, 0, "sweep of 2 points");
    CHECK(c.out.find("18446744073709551615") != std::string::npos);
  }
  SECTION("a range step without a unit") {
    expect(invoke({"sweep", s.string(), "--vary", "clients.c.arrivals.rate=6000/s..12000/s:2000", "--out", "-"}), 2,
           "has no unit");
  }
  SECTION("a long range step") {
    expect(invoke({"sweep", s.string(), "--vary", "seed=1..2:" + std::string(30, '1'), "--out", "-"}), 2,
           "has more than 26 digits");
  }
  SECTION("a number that underflows") {
    write(dir / "u.yaml",
          scenario("{process: poisson, rate: 10/s}", "    retry: {max: 1, backoff: 1s, jitter: 1e-400}\n"));
    expect(invoke({"check", (dir / "u.yaml").string()}), 2, "too close to 0 for a double");
  }
  SECTION("a mistyped subcommand") { expect(invoke({"rnu", s.string()}), 2, "did you mean \"run\"?"); }
  SECTION("a subcommand typed far off") { expect(invoke({"zzzzzz", s.string()}), 2, "expected one of: run, check"); }
}

TEST_CASE("untrusted scenarios: nothing disclosed, no terminal control", "[e2e][hostile][untrusted]") {
  const fs::path dir = case_dir("untrusted");
  SECTION("a scenario name with an escape sequence reaches the summary escaped") {
    write(dir / "s.yaml", "name: \"\\e]0;pwned\\a\"\n" + scenario("{process: poisson, rate: 10/s}").substr(0) + "");
    const Check c = invoke({"run", (dir / "s.yaml").string()});
    expect(c, 0, "");
    CHECK(no_raw_control(c.out));
    CHECK(c.out.find("\\x1b]0;pwned\\x07") != std::string::npos);
  }
  SECTION("a client name with control characters: refused, and shown escaped") {
    write(dir / "s.yaml", replaced(scenario("{process: poisson, rate: 10/s}"), "  c:\n", "  \"c\\e[2J\":\n"));
    const Check c = invoke({"explain", (dir / "s.yaml").string(), "--limit", "5"});
    expect(c, 2, "invalid client name \"c\\x1b[2J\"");
    CHECK(no_raw_control(c.err));
  }
  SECTION("a key with control characters, in a diagnostic") {
    write(dir / "s.yaml", "\"dur\\e[31mation\": 1s\n" + scenario("{process: poisson, rate: 10/s}"));
    const Check c = invoke({"check", (dir / "s.yaml").string()});
    expect(c, 2, "error");
    CHECK(no_raw_control(c.err));
  }
  SECTION("csv ids with control characters, listed when the id matches none") {
    write(dir / "t.csv", "0,\x1b]0;x\x07\n1,api\n");
    write(dir / "s.yaml", scenario("{process: trace, csv: t.csv, id: nomatch-at-all}"));
    const Check c = invoke({"check", (dir / "s.yaml").string()});
    expect(c, 2, "ids in the file");
    CHECK(no_raw_control(c.err));
  }
  SECTION("a file that is no trace is quoted once, never printed line by line") {
    std::string shadow;
    for (int i = 0; i < 40; ++i)
      shadow += "user" + std::to_string(i) + ":$6$rounds$SECRETHASH" + std::to_string(i) + ":19000::\n";
    write(dir / "shadow", shadow);
    write(dir / "s.yaml", scenario("{process: trace, csv: shadow}"));
    const Check c = invoke({"check", (dir / "s.yaml").string()});
    expect(c, 2, "got something else");
    std::size_t seen = 0;
    for (std::size_t at = c.err.find("SECRETHASH"); at != std::string::npos; at = c.err.find("SECRETHASH", at + 1))
      ++seen;
    CHECK(seen <= 1);
  }
  SECTION("the list of a trace's ids is capped") {
    std::string csv;
    for (int i = 0; i < 5000; ++i) csv += std::to_string(i) + "," + std::string(3000, 'a') + std::to_string(i) + "\n";
    write(dir / "t.csv", csv);
    write(dir / "s.yaml", scenario("{process: trace, csv: t.csv, id: zzz}", "", "", "100000s"));
    const Check c = invoke({"check", (dir / "s.yaml").string()});
    expect(c, 2, "more)");
    CHECK(c.err.size() < 4096);
  }
}

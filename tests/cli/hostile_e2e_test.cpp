// End-to-end: `synstorm check` on every file of the hostile corpus (tests/config/hostile/)
// and on files too large or endless to check in. Each must exit 2 with its expected
// message on stderr, nothing on stdout, within a bounded CPU time and peak memory measured
// by the kernel for the child (wait4's rusage). The bounds are generous — a sanitizer
// build is slow and large — but far below what an unbounded input would take.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/config/expectations.h"

namespace {

namespace fs = std::filesystem;

constexpr double kMaxCpuSeconds = 20.0;
constexpr long kMaxRssKib = 1024 * 1024;  // 1 GiB
constexpr auto kKillAfter = std::chrono::seconds(120);

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

// Runs `synstorm check FILE` with stdout and stderr to files, and measures it.
Check check(const fs::path& file) {
  const fs::path out_file = scratch("hostile-stdout");
  const fs::path err_file = scratch("hostile-stderr");
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(127);
    ::execl(SYNSTORM_BIN, SYNSTORM_BIN, "check", file.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  Check c;
  int status = 0;
  rusage usage{};
  const auto deadline = std::chrono::steady_clock::now() + kKillAfter;
  pid_t done = 0;
  while ((done = ::wait4(pid, &status, WNOHANG, &usage)) == 0) {
    if (std::chrono::steady_clock::now() > deadline) ::kill(pid, SIGKILL);
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
  SECTION("an endless device") { require_refused(check("/dev/zero"), "larger than the limit of 16 MiB"); }
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

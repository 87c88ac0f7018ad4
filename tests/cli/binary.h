// tests/cli/binary.h — runs the built `synstorm` binary for end-to-end tests.
//
// Requires SYNSTORM_BIN and SYNSTORM_BINARY_DIR (tests/cli/CMakeLists.txt defines them).
// ctest runs test cases as parallel processes, so each process gets its own stderr file.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

namespace synstorm_test {

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string quote(const std::string& s) { return "'" + s + "'"; }

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

inline std::filesystem::path scratch_dir() {
  const auto dir = std::filesystem::path(SYNSTORM_BINARY_DIR) / "e2e";
  std::filesystem::create_directories(dir);
  return dir;
}

// Runs `synstorm ARGS` (ARGS already shell-quoted where needed).
inline Result synstorm(const std::string& args) {
  const auto err_file = scratch_dir() / ("stderr-" + std::to_string(::getpid()) + ".txt");
  const std::string cmd = quote(SYNSTORM_BIN) + " " + args + " 2>" + quote(err_file.string());
  Result r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_file);
  return r;
}

}  // namespace synstorm_test

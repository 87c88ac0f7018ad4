// Tests of config/input_file.h: the one way an input is opened never blocks, and accepts
// only a regular file on a real filesystem, of at most the caller's size.
#include "config/input_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

namespace fs = std::filesystem;

namespace {

fs::path scratch() {
  const fs::path dir = fs::path(SYNSTORM_BINARY_DIR) / "input_file_test" / std::to_string(::getpid());
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("a regular file is read whole, up to the limit", "[input]") {
  const fs::path file = scratch() / "ok.txt";
  std::ofstream(file) << "hello\n";
  std::string error;
  CHECK(config::read_input(file.string(), 6, error) == std::optional<std::string>("hello\n"));
  CHECK_FALSE(config::read_input(file.string(), 5, error));
  CHECK(error == "larger than the limit of 5 bytes");
  CHECK(config::file_id(file.string()) == config::open_input(file.string(), 100, error)->id);
}

TEST_CASE("what is not a regular file on a real filesystem is refused, without blocking", "[input]") {
  std::string error;
  const auto refused = [&](const std::string& path, const std::string& why) {
    const auto start = std::chrono::steady_clock::now();
    error.clear();
    CHECK_FALSE(config::open_input(path, 1 << 20, error));
    CHECK_THAT(error, Catch::Contains(why));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  };
  SECTION("a FIFO nobody writes to") {
    const fs::path fifo = scratch() / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    refused(fifo.string(), "not a regular file (a FIFO)");
  }
  SECTION("a directory") { refused(scratch().string(), "Is a directory"); }
  SECTION("a device") { refused("/dev/zero", "not a regular file (a character device)"); }
  SECTION("a file of /proc, whose size says nothing") {
    if (!fs::exists("/proc/self/environ")) {
      WARN("skipped: no /proc here");
      return;
    }
    refused("/proc/self/environ", "on the proc pseudo-filesystem");
  }
  SECTION("a file of /sys") {
    if (!fs::exists("/sys/devices/system/cpu/online")) {
      WARN("skipped: no /sys/devices/system/cpu/online here");
      return;
    }
    refused("/sys/devices/system/cpu/online", "on the sysfs pseudo-filesystem");
  }
  SECTION("nothing") { refused("", "no file name given"); }
  SECTION("a missing file") { refused((scratch() / "none").string(), "No such file or directory"); }
}

TEST_CASE("limits are stated in the unit they are set in", "[input]") {
  CHECK(config::byte_limit_text(std::uint64_t{16} << 20) == "16 MiB");
  CHECK(config::byte_limit_text(std::uint64_t{4} << 30) == "4 GiB");
  CHECK(config::byte_limit_text(1000) == "1000 bytes");
}

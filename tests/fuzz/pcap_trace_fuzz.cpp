// tests/fuzz/pcap_trace_fuzz.cpp — libFuzzer target: any bytes as a capture file
// (config::read_pcap_trace, through libpcap and the BPF filter it compiles).
//
// The reader promises sorted times at or after the capture's start, a bounded list of
// problems, and no crash, hang or unbounded allocation whatever the records claim. The
// bytes go to a file in a directory of the fuzzer's own, since captures are read by path.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/trace_reader.h"

namespace {

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "pcap_trace_fuzz: contract broken: %s\n", what);
  std::abort();
}

std::string directory;

void remove_directory() { std::filesystem::remove_all(directory); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string pattern = (std::filesystem::temp_directory_path() / "synstorm-pcap-fuzz-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::perror("pcap_trace_fuzz: cannot make a directory");
    std::exit(1);
  }
  directory = pattern;
  std::atexit(remove_directory);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = directory + "/input.pcap";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const config::TraceRead r = config::read_pcap_trace(path, config::PcapTraceOptions{80, 1.0});
  require(!r.unreadable, "a regular file is never unreadable");
  require(r.problems.size() <= config::kMaxTraceProblems + 1, "a bounded list of problems");
  for (std::size_t i = 0; i < r.times.size(); ++i) {
    require(r.times[i] >= sim::Time::zero(), "no arrival before the capture's start");
    if (i > 0) require(r.times[i - 1] <= r.times[i], "times are sorted");
  }
  for (const config::TraceProblem& p : r.problems) require(!p.message.empty(), "a problem says something");
  return 0;
}

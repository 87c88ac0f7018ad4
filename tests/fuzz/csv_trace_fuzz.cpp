// tests/fuzz/csv_trace_fuzz.cpp — libFuzzer target: any bytes as a CSV trace
// (config::parse_csv_trace), with and without an id to select.
//
// config/trace_reader.h promises non-decreasing times, problems at the file's own
// positions and bounded in number, a bounded list of ids, and a file's text quoted once.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/trace_reader.h"

namespace {

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "csv_trace_fuzz: contract broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the options: bit 0 an id, bit 1 a time scale of 0.5.
  const std::uint8_t pick = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  config::CsvTraceOptions options;
  if (pick & 1) options.id = "web";
  if (pick & 2) options.time_scale = 0.5;
  const config::TraceRead r = config::parse_csv_trace(text, options);
  require(!r.unreadable, "text is never unreadable");
  require(r.problems.size() <= config::kMaxTraceProblems + 1, "at most kMaxTraceProblems problems and the last word");
  require(r.ids.size() <= 50, "at most 50 ids");
  for (std::size_t i = 1; i < r.times.size(); ++i) require(r.times[i - 1] <= r.times[i], "times never decrease");
  for (const config::TraceProblem& p : r.problems) {
    require(!p.message.empty(), "a problem says something");
    require(p.line >= 0 && p.column >= 0 && (p.line > 0 || p.column == 0), "positions are 1-based, or none");
  }
  const config::TraceRead again = config::parse_csv_trace(text, options);
  require(again.times == r.times && again.problems.size() == r.problems.size(), "the same answer twice");
  return 0;
}

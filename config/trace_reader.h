// config/trace_reader.h — the instants of a replayed trace, from a CSV log or a capture.
//
// Pure functions from a file (or text) to arrival times or to what is wrong with it; the
// scenario reader turns the result into diagnostics (a problem inside the file at the
// file's own line and column, an unreadable file at the scenario key that names it).
// Times are exact: a CSV time is read as a decimal to the nanosecond, never through a
// binary double (as durations are, config/units.h); a capture's times are libpcap's
// nanosecond timestamps. Scaling by time_scale is the one floating-point step (rounded to
// the nearest nanosecond). Captures are read only through libpcap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace config {

// Memory bounds: a trace with more lines (CSV) or more arrivals (capture) is refused, and
// so is a CSV line longer than kMaxTraceLineLength characters.
inline constexpr std::int64_t kMaxTraceLines = 100'000'000;
inline constexpr std::size_t kMaxTraceLineLength = 4096;
// A trace file must be a regular file of at most this many bytes; a CSV file is not read
// past it even if it grows (or says it is empty, as files under /proc do).
inline constexpr std::uint64_t kMaxTraceBytes = std::uint64_t{4} << 30;
// A file's problems are listed up to this many; reading stops there.
inline constexpr std::size_t kMaxTraceProblems = 20;

struct TraceProblem {
  int line = 0;    // 1-based, in the trace file; 0 when the problem has no position
  int column = 0;  // 1-based; 0 with line 0
  std::string message;
};

struct TraceRead {
  // Set when the file cannot be opened or read at all: what the system said. Nothing
  // else is then set.
  std::optional<std::string> unreadable;
  std::vector<TraceProblem> problems;  // in file order
  std::vector<sim::Time> times;        // non-decreasing; meaningful when ok()
  // CSV: the distinct ids of the file, in order of first appearance (at most 50), so that
  // an `id` that selects nothing can be told what there is.
  std::vector<std::string> ids;
  // Capture: packets read, whatever they were.
  std::int64_t packets = 0;

  bool ok() const { return !unreadable && problems.empty(); }
};

struct CsvTraceOptions {
  std::optional<std::string> id;  // replay only the lines whose second field is exactly this
  double time_scale = 1.0;        // multiplies every time. Requires: > 0 and finite.
};

// A CSV trace: one line per connect(), `SECONDS[,ID]`, SECONDS a plain non-negative decimal
// (seconds since the run's start), non-decreasing through the file; blank lines and lines
// whose first non-blank character is '#' are skipped; spaces around fields are ignored.
TraceRead parse_csv_trace(std::string_view text, const CsvTraceOptions& options);
// The same, read from `path` a block at a time (memory stays bounded by the times kept).
TraceRead read_csv_trace(const std::string& path, const CsvTraceOptions& options);

struct PcapTraceOptions {
  int port = 80;            // the destination port of the SYNs to replay
  double time_scale = 1.0;  // Requires: > 0 and finite.
};

// Every TCP SYN (SYN set, ACK clear) to `port`, over IPv4 or IPv6 (without extension
// headers), on the capture's link type, also inside one 802.1Q VLAN tag; selected by a
// BPF filter that libpcap compiles and runs. Times are relative to the capture's first
// packet (any packet), sorted (captures merged from several interfaces are not always
// in order).
TraceRead read_pcap_trace(const std::string& path, const PcapTraceOptions& options);

// The BPF filter read_pcap_trace applies for `port` (without and with the VLAN part).
std::string syn_filter(int port, bool with_vlan);

}  // namespace config

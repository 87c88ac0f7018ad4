#include "config/trace_reader.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>

#include "config/input_file.h"
#include "config/suggest.h"
#include "config/units.h"
#include "sim/format.h"

namespace config {

namespace {

constexpr std::size_t kMaxIdsListed = 50;

using File = FileHandle;

File open_readable(const std::string& path, std::string& error) {
  std::optional<InputFile> in = open_input(path, kMaxTraceBytes, error);
  return in ? std::move(in->file) : nullptr;
}

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

std::string too_large() { return "larger than the limit of " + byte_limit_text(kMaxTraceBytes); }

// `ns` nanoseconds since the start, multiplied by `scale`; nullopt past the last instant.
// Requires: ns >= 0, scale > 0.
std::optional<sim::Time> scaled(std::int64_t ns, double scale) {
  if (scale == 1.0) return sim::Time::from_ns(ns);
  const double v = static_cast<double>(ns) * scale;
  if (!(v < 9223372036854775807.0)) return std::nullopt;  // 2^63 as a double: past Time::never()
  return sim::Time::from_ns(std::llround(v));
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digits with at most one '.', and at least one digit.
bool is_plain_decimal(std::string_view text) {
  bool digit = false;
  bool dot = false;
  for (char c : text) {
    if (is_digit(c)) {
      digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digit;
}

// NaN and infinity as C, YAML and spreadsheets spell them, with an optional sign.
bool names_non_finite(std::string_view text) {
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);
  std::string lower;
  for (char c : text) lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  return lower == "nan" || lower == "inf" || lower == "infinity";
}

// A field of a line: its text without surrounding blanks, and its 1-based column.
struct CsvField {
  std::string_view text;
  int column = 0;
};

CsvField trimmed_field(std::string_view line, std::size_t begin, std::size_t end) {
  while (begin < end && is_blank(line[begin])) ++begin;
  while (end > begin && is_blank(line[end - 1])) --end;
  return {line.substr(begin, end - begin), static_cast<int>(begin) + 1};
}

// Reads a CSV trace line by line; the line splitting (from text or a file) is the caller's.
class CsvTraceParser {
 public:
  explicit CsvTraceParser(const CsvTraceOptions& options) : options_(options) {}

  // One line, without its '\n'. `overlong`: it was cut at kMaxTraceLineLength characters.
  // Returns false once reading should stop (too many lines or problems).
  bool line(std::string_view text, bool overlong);
  TraceRead finish() { return std::move(out_); }

 private:
  void problem(int column, std::string message);
  std::optional<std::int64_t> read_time(const CsvField& f);
  // "got \"...\"" for the file's first problem, cut short; later ones quote nothing, so
  // that a file that is no trace at all (a password file) is not printed line by line.
  std::string got(std::string_view text);

  CsvTraceOptions options_;
  TraceRead out_;
  int line_ = 0;
  bool quoted_ = false;
  bool stopped_ = false;
  std::int64_t previous_ns_ = 0;  // the latest time so far (unscaled)
  std::string previous_text_;     // as written, for messages; empty before the first time
  int previous_line_ = 0;
};

void CsvTraceParser::problem(int column, std::string message) {
  out_.problems.push_back(TraceProblem{line_, column, std::move(message)});
  if (out_.problems.size() >= kMaxTraceProblems) {
    out_.problems.push_back(TraceProblem{line_, column, "too many problems: the rest of the file was not read"});
    stopped_ = true;
  }
}

bool CsvTraceParser::line(std::string_view text, bool overlong) {
  if (stopped_) return false;
  ++line_;
  if (line_ > kMaxTraceLines) {
    problem(1, "more than " + std::to_string(kMaxTraceLines) + " lines: too large a trace to replay");
    stopped_ = true;
    return false;
  }
  if (overlong) {
    problem(static_cast<int>(kMaxTraceLineLength) + 1,
            "line longer than " + std::to_string(kMaxTraceLineLength) + " characters: expected SECONDS or SECONDS,ID");
    return !stopped_;
  }
  if (line_ == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos || text[first] == '#') return true;

  const std::size_t comma = text.find(',');
  const CsvField time_field = trimmed_field(text, 0, std::min(comma, text.size()));
  std::optional<std::string_view> id;
  if (comma != std::string_view::npos) {
    const std::size_t second_comma = text.find(',', comma + 1);
    if (second_comma != std::string_view::npos) {
      problem(static_cast<int>(second_comma) + 1, "expected SECONDS or SECONDS,ID, got a third field");
      return !stopped_;
    }
    const CsvField id_field = trimmed_field(text, comma + 1, text.size());
    if (id_field.text.empty()) {
      problem(static_cast<int>(comma) + 2, "expected an id after ',', got nothing");
      return !stopped_;
    }
    id = id_field.text;
    const bool listed = std::find(out_.ids.begin(), out_.ids.end(), *id) != out_.ids.end();
    if (!listed && out_.ids.size() < kMaxIdsListed) out_.ids.emplace_back(*id);
  }
  const std::optional<std::int64_t> ns = read_time(time_field);
  if (!ns) return !stopped_;
  // Every line counts for the order, whatever its id: the file is one log.
  if (!previous_text_.empty() && *ns < previous_ns_) {
    problem(time_field.column, "times must not decrease: " + std::string(time_field.text) + " comes after " +
                                   previous_text_ + " (line " + std::to_string(previous_line_) + ")");
    return !stopped_;
  }
  previous_ns_ = *ns;
  previous_text_ = std::string(time_field.text);
  previous_line_ = line_;
  if (options_.id && id != options_.id) return true;
  const std::optional<sim::Time> t = scaled(*ns, options_.time_scale);
  if (!t) {
    problem(time_field.column, "time " + std::string(time_field.text) + " times time_scale " +
                                   sim::format_number(options_.time_scale) + " is past the largest time");
    return !stopped_;
  }
  out_.times.push_back(*t);
  return true;
}

std::string CsvTraceParser::got(std::string_view text) {
  if (quoted_) return "got something else (a file's text is quoted once, in its first problem)";
  quoted_ = true;
  return "got " + quote(text);
}

std::optional<std::int64_t> CsvTraceParser::read_time(const CsvField& f) {
  if (f.text.empty()) {
    problem(f.column, "expected a time in seconds such as 1.25, got nothing");
    return std::nullopt;
  }
  if (names_non_finite(f.text)) {
    problem(f.column, "expected a finite time in seconds, " + got(f.text));
    return std::nullopt;
  }
  if (f.text.front() == '-' && is_plain_decimal(f.text.substr(1))) {
    problem(f.column, "expected a time >= 0 (seconds since the run's start), " + got(f.text));
    return std::nullopt;
  }
  if (!is_plain_decimal(f.text)) {
    problem(f.column,
            "expected a time in seconds such as 1.25 (a plain decimal: no sign, no exponent), " + got(f.text));
    return std::nullopt;
  }
  const ParseResult<sim::Duration> d = parse_duration(std::string(f.text) + "s");
  if (!d.ok() || d.value->is_infinite()) {
    problem(f.column, "time " + quote(f.text) + " is too large: the largest is 9223372036.854775806 seconds");
    return std::nullopt;
  }
  return d.value->ns();
}

std::string link_type_name(pcap_t* capture) {
  const int type = pcap_datalink(capture);
  const char* name = pcap_datalink_val_to_name(type);
  return name != nullptr ? std::string(name) : std::to_string(type);
}

}  // namespace

TraceRead parse_csv_trace(std::string_view text, const CsvTraceOptions& options) {
  CsvTraceParser parser(options);
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    const bool overlong = line.size() > kMaxTraceLineLength;
    if (!parser.line(overlong ? line.substr(0, kMaxTraceLineLength) : line, overlong)) break;
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return parser.finish();
}

TraceRead read_csv_trace(const std::string& path, const CsvTraceOptions& options) {
  std::string error;
  const File file = open_readable(path, error);
  if (!file) {
    TraceRead out;
    out.unreadable = error;
    return out;
  }
  CsvTraceParser parser(options);
  std::string line;  // at most kMaxTraceLineLength characters: the rest of a longer line is dropped
  bool overlong = false;
  bool going = true;
  char buffer[1 << 16];
  std::size_t n = 0;
  std::uint64_t bytes = 0;
  while (going && (n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    bytes += n;
    if (bytes > kMaxTraceBytes) {
      TraceRead out;
      out.unreadable = too_large();
      return out;
    }
    std::string_view block(buffer, n);
    while (going && !block.empty()) {
      const std::size_t end = std::min(block.find('\n'), block.size());
      const std::size_t room = kMaxTraceLineLength - line.size();
      overlong = overlong || end > room;
      line.append(block.substr(0, std::min(end, room)));
      if (end == block.size()) break;  // the line goes on in the next block
      going = parser.line(line, overlong);
      line.clear();
      overlong = false;
      block.remove_prefix(end + 1);
    }
  }
  if (std::ferror(file.get())) {
    TraceRead out;
    out.unreadable = errno_text(errno);
    return out;
  }
  if (going && (!line.empty() || overlong)) parser.line(line, overlong);  // no '\n' at the end
  return parser.finish();
}

std::string syn_filter(int port, bool with_vlan) {
  const std::string p = std::to_string(port);
  // libpcap's tcp[] reaches into IPv4 only, so IPv6's flags are read at their offset
  // behind a 40-byte header whose next header is TCP (which `tcp dst port` checks).
  const std::string ip4 = "(tcp dst port " + p + " and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn)";
  const std::string ip6 = "(ip6 and tcp dst port " + p + " and ip6[53] & 0x12 == 0x02)";
  const std::string any = ip4 + " or " + ip6;
  if (!with_vlan) return any;
  return any + " or (vlan and (" + any + "))";
}

TraceRead read_pcap_trace(const std::string& path, const PcapTraceOptions& options) {
  TraceRead out;
  std::string error;
  File file = open_readable(path, error);
  if (!file) {
    out.unreadable = error;
    return out;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* raw = pcap_fopen_offline_with_tstamp_precision(file.get(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (raw == nullptr) {
    out.problems.push_back({0, 0, std::string("not a capture libpcap can read: ") + errbuf});
    return out;
  }
  file.release();  // pcap_close closes it
  const std::unique_ptr<pcap_t, void (*)(pcap_t*)> capture(raw, pcap_close);

  // Link types without 802.1Q (raw IP, Linux cooked captures) reject `vlan`: then without it.
  bpf_program program{};
  if (pcap_compile(raw, &program, syn_filter(options.port, true).c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0 &&
      pcap_compile(raw, &program, syn_filter(options.port, false).c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    out.problems.push_back(
        {0, 0, "cannot select TCP SYNs in a capture of link type " + link_type_name(raw) + ": " + pcap_geterr(raw)});
    return out;
  }
  const std::unique_ptr<bpf_program, void (*)(bpf_program*)> filter(&program, pcap_freecode);

  std::int64_t first_s = 0;
  std::int64_t first_ns = 0;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  while ((rc = pcap_next_ex(raw, &header, &data)) == 1) {
    ++out.packets;
    // With nanosecond precision tv_usec holds nanoseconds.
    const std::int64_t s = header->ts.tv_sec;
    const std::int64_t ns = header->ts.tv_usec;
    if (ns < 0 || ns >= 1'000'000'000) {
      // A malformed record (a microsecond field of 0xFFFFFFFF): never replayed as some
      // other instant.
      out.problems.push_back({0, 0,
                              "packet " + std::to_string(out.packets) +
                                  ": the fraction of a second in its timestamp is out of range (" + std::to_string(ns) +
                                  " ns, at most 999999999): a malformed record"});
      break;
    }
    if (out.packets == 1) {
      first_s = s;
      first_ns = ns;
    }
    if (pcap_offline_filter(&program, header, data) == 0) continue;
    std::int64_t since_ns = 0;
    if (__builtin_mul_overflow(s - first_s, std::int64_t{1'000'000'000}, &since_ns) ||
        __builtin_add_overflow(since_ns, ns - first_ns, &since_ns)) {
      since_ns = s < first_s ? -1 : sim::Time::never().ns();
    }
    if (since_ns < 0) {
      out.problems.push_back(
          {0, 0,
           "packet " + std::to_string(out.packets) + " (a SYN) is timestamped before the capture's first packet"});
      if (out.problems.size() >= kMaxTraceProblems) break;
      continue;
    }
    const std::optional<sim::Time> t = scaled(since_ns, options.time_scale);
    if (!t || *t == sim::Time::never()) {
      out.problems.push_back({0, 0, "packet " + std::to_string(out.packets) + " is past the largest time"});
      break;
    }
    if (static_cast<std::int64_t>(out.times.size()) == kMaxTraceLines) {
      out.problems.push_back(
          {0, 0, "more than " + std::to_string(kMaxTraceLines) + " SYNs: too large a trace to replay"});
      break;
    }
    out.times.push_back(*t);
  }
  if (rc == PCAP_ERROR) {
    out.problems.push_back({0, 0, "packet " + std::to_string(out.packets + 1) + ": " + pcap_geterr(raw)});
  }
  std::sort(out.times.begin(), out.times.end());
  return out;
}

}  // namespace config

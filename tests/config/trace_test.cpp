// Tests of trace replay: config/trace_reader.h (CSV logs and pcap captures to
// arrival times, or located problems) and the `process: trace` key of scenario files,
// end to end through model::run_scenario. The captures are written here, with libpcap.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "config/loader.h"
#include "config/trace_reader.h"
#include "model/world.h"
#include "tests/tools/capture_writer.h"

namespace fs = std::filesystem;
using config::CsvTraceOptions;
using config::parse_csv_trace;
using config::TraceRead;

namespace {

// A directory of this test process's own (ctest runs test cases in parallel processes).
fs::path scratch() {
  const fs::path dir = fs::path(SYNSTORM_BINARY_DIR) / "trace_test" / std::to_string(::getpid());
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

sim::Time at_ns(std::int64_t ns) { return sim::Time::from_ns(ns); }

std::string problems_of(const TraceRead& r) {
  std::string out;
  for (const auto& p : r.problems)
    out += std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + p.message + "\n";
  return out;
}

// The only problem of `text`.
config::TraceProblem only_problem(const std::string& text, CsvTraceOptions options = {}) {
  const TraceRead r = parse_csv_trace(text, options);
  INFO(problems_of(r));
  REQUIRE(r.problems.size() == 1);
  return r.problems.front();
}

std::string all_messages(const config::LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) out += config::format(d) + "\n";
  return out;
}

std::string scenario_with_arrivals(const std::string& arrivals, const std::string& duration = "10s") {
  return "duration: " + duration +
         "\n"
         "hosts:\n"
         "  web:\n"
         "    listeners:\n"
         "      - {port: 80, backlog: 128, workers: 4, service: {dist: constant, value: 1ms}}\n"
         "clients:\n"
         "  replay:\n"
         "    target: web:80\n"
         "    arrivals: " +
         arrivals + "\n";
}

const std::vector<sim::Time>& trace_times(const model::ScenarioSpec& spec) {
  return *std::get<model::TraceArrivals>(spec.clients.at(0).arrivals).times;
}

}  // namespace

TEST_CASE("a CSV trace gives its times exactly, in nanoseconds", "[trace]") {
  // Plain decimals, never through a binary double: 0.1 is exactly 100000000 ns, and a
  // half nanosecond rounds up, as in durations.
  const TraceRead r = parse_csv_trace("0\n0.1\n0.1\n1.25\n2.000000001\n3.0000000005\n.5e0\n", {});
  REQUIRE(r.problems.size() == 1);  // the last line: no exponents
  CHECK(r.problems[0].line == 7);
  CHECK(r.times == std::vector<sim::Time>{at_ns(0), at_ns(100'000'000), at_ns(100'000'000), at_ns(1'250'000'000),
                                          at_ns(2'000'000'001), at_ns(3'000'000'001)});
}

TEST_CASE("CSV comments, blank lines, spaces, CRLF and a byte order mark are allowed", "[trace]") {
  const TraceRead r = parse_csv_trace(
      "\xEF\xBB\xBF# connects seen by the proxy\r\n"
      "\r\n"
      "   \t\n"
      "  0.5 \r\n"
      "   # an indented comment\n"
      "\t1.5\t,  web  \r\n"
      "2",  // no newline at the end
      {});
  INFO(problems_of(r));
  REQUIRE(r.ok());
  CHECK(r.times == std::vector<sim::Time>{at_ns(500'000'000), at_ns(1'500'000'000), at_ns(2'000'000'000)});
  CHECK(r.ids == std::vector<std::string>{"web"});
}

TEST_CASE("a CSV id selects its lines, and the order is checked over every line", "[trace]") {
  const std::string log = "0.1,web\n0.2,api\n0.3,web\n0.4\n0.5,api\n0.6,web\n";
  SECTION("without id every line is replayed") {
    const TraceRead r = parse_csv_trace(log, {});
    REQUIRE(r.ok());
    CHECK(r.times.size() == 6);
    CHECK(r.ids == std::vector<std::string>{"web", "api"});
  }
  SECTION("id web") {
    const TraceRead r = parse_csv_trace(log, {std::string("web"), 1.0});
    REQUIRE(r.ok());
    CHECK(r.times == std::vector<sim::Time>{at_ns(100'000'000), at_ns(300'000'000), at_ns(600'000'000)});
  }
  SECTION("id api") {
    const TraceRead r = parse_csv_trace(log, {std::string("api"), 1.0});
    REQUIRE(r.ok());
    CHECK(r.times == std::vector<sim::Time>{at_ns(200'000'000), at_ns(500'000'000)});
  }
  SECTION("an id nobody has selects nothing (the loader reports it)") {
    const TraceRead r = parse_csv_trace(log, {std::string("db"), 1.0});
    REQUIRE(r.ok());
    CHECK(r.times.empty());
  }
  SECTION("a line of another id out of order is still an error") {
    const auto p = only_problem("0.1,web\n0.2,api\n0.15,api\n", {std::string("web"), 1.0});
    CHECK(p.line == 3);
    CHECK(p.column == 1);
    CHECK(p.message == "times must not decrease: 0.15 comes after 0.2 (line 2)");
  }
}

TEST_CASE("time_scale multiplies every time, rounded to the nearest nanosecond", "[trace]") {
  const TraceRead half = parse_csv_trace("1\n3\n0.000000003\n", {std::nullopt, 0.5});
  REQUIRE(half.problems.size() == 1);  // 0.000000003 < 3: decreasing
  const TraceRead r = parse_csv_trace("0.000000003\n1\n3\n", {std::nullopt, 0.5});
  REQUIRE(r.ok());
  CHECK(r.times == std::vector<sim::Time>{at_ns(2), at_ns(500'000'000), at_ns(1'500'000'000)});  // 1.5 ns -> 2
  const TraceRead slow = parse_csv_trace("0.25\n1\n", {std::nullopt, 10});
  REQUIRE(slow.ok());
  CHECK(slow.times == std::vector<sim::Time>{at_ns(2'500'000'000), at_ns(10'000'000'000)});
}

TEST_CASE("CSV problems are located at the file's own line and column", "[trace]") {
  struct Case {
    std::string text;
    int line, column;
    std::string message;
  };
  const Case cases[] = {
      {"1\n0.5\n", 2, 1, "times must not decrease: 0.5 comes after 1 (line 1)"},
      {"0\n  abc\n", 2, 3,
       "expected a time in seconds such as 1.25 (a plain decimal: no sign, no exponent), got \"abc\""},
      {"1e-05\n", 1, 1,
       "expected a time in seconds such as 1.25 (a plain decimal: no sign, no exponent), got \"1e-05\""},
      {"0\nnan\n", 2, 1, "expected a finite time in seconds, got \"nan\""},
      {"0\n1\n-inf,web\n", 3, 1, "expected a finite time in seconds, got \"-inf\""},
      {"0\n1\nInfinity\n", 3, 1, "expected a finite time in seconds, got \"Infinity\""},
      {"-1.5\n", 1, 1, "expected a time >= 0 (seconds since the run's start), got \"-1.5\""},
      {"0,web,extra\n", 1, 6, "expected SECONDS or SECONDS,ID, got a third field"},
      {"0, \n", 1, 3, "expected an id after ',', got nothing"},
      {" ,web\n", 1, 2, "expected a time in seconds such as 1.25, got nothing"},
      {"99999999999\n", 1, 1, "is too large"},
      {"0\n1;web\n", 2, 1, "got \"1;web\""},
      {"0\n" + std::string(5000, '1') + "\n", 2, 4097, "line longer than 4096 characters"},
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const Case& c = cases[i];
    DYNAMIC_SECTION("case " << i << ": " << c.message) {
      const auto p = only_problem(c.text);
      CHECK(p.line == c.line);
      CHECK(p.column == c.column);
      CHECK_THAT(p.message, Catch::Contains(c.message));
    }
  }
}

TEST_CASE("a CSV full of errors lists the first ones and stops", "[trace]") {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "x\n";
  const TraceRead r = parse_csv_trace(text, {});
  CHECK(r.problems.size() == config::kMaxTraceProblems + 1);
  CHECK(r.problems.back().message == "too many problems: the rest of the file was not read");
  CHECK(r.problems.back().line == static_cast<int>(config::kMaxTraceProblems));
}

TEST_CASE("a CSV file is read in blocks like the text, long lines included", "[trace]") {
  const fs::path dir = scratch();
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + ".5,g" + std::to_string(i % 3) + "\n";  // > 64 KiB
  text += std::string(70000, '7');  // a last line longer than a block, without '\n'
  write_file(dir / "big.csv", text);
  const TraceRead from_file = config::read_csv_trace((dir / "big.csv").string(), {std::string("g1"), 1.0});
  const TraceRead from_text = parse_csv_trace(text, {std::string("g1"), 1.0});
  CHECK(from_file.times == from_text.times);
  CHECK(from_file.times.size() == 6667);
  REQUIRE(from_file.problems.size() == 1);
  CHECK(from_file.problems[0].line == 20001);
  CHECK(from_file.problems[0].column == 4097);
  CHECK(from_file.problems[0].message == from_text.problems[0].message);

  const TraceRead missing = config::read_csv_trace((dir / "nope.csv").string(), {});
  REQUIRE(missing.unreadable);
  CHECK(*missing.unreadable == "No such file or directory");
  const TraceRead directory = config::read_csv_trace(dir.string(), {});
  REQUIRE(directory.unreadable);
  CHECK(*directory.unreadable == "Is a directory");
}

TEST_CASE("scenario files: a CSV trace is read relative to the scenario's directory", "[trace][loader]") {
  const fs::path dir = scratch() / "csv-scenario";
  fs::create_directories(dir / "logs");
  write_file(dir / "logs" / "connects.csv", "# seconds,group\n0.5,a\n1,b\n1.5,a\n12,a\n");
  write_file(dir / "s.yaml", scenario_with_arrivals("{process: trace, csv: logs/connects.csv, id: a, time_scale: 2}"));
  const config::LoadResult r = config::load_scenario_file((dir / "s.yaml").string());
  INFO(all_messages(r));
  REQUIRE(r.ok());
  CHECK(trace_times(*r.spec) ==
        std::vector<sim::Time>{at_ns(1'000'000'000), at_ns(3'000'000'000), at_ns(24'000'000'000)});
  CHECK(std::get<model::TraceArrivals>(r.spec->clients[0].arrivals).source == "logs/connects.csv");

  SECTION("errors inside the CSV name the CSV file, line and column") {
    write_file(dir / "logs" / "bad.csv", "0.5\n0.25\n");
    write_file(dir / "bad.yaml", scenario_with_arrivals("{process: trace, csv: logs/bad.csv}"));
    const config::LoadResult bad = config::load_scenario_file((dir / "bad.yaml").string());
    REQUIRE(bad.errors.size() == 1);
    CHECK(config::format(bad.errors[0]) == (dir / "logs" / "bad.csv").string() +
                                               ":2:1: error: clients.replay.arrivals.csv: times must not decrease: "
                                               "0.25 comes after 0.5 (line 1)");
  }
  SECTION("a missing file is reported at the csv key of the scenario") {
    write_file(dir / "missing.yaml", scenario_with_arrivals("{process: trace, csv: logs/none.csv}"));
    const config::LoadResult bad = config::load_scenario_file((dir / "missing.yaml").string());
    REQUIRE(bad.errors.size() == 1);
    CHECK(config::format(bad.errors[0]) == (dir / "missing.yaml").string() +
                                               ":9:37: error: clients.replay.arrivals.csv: cannot read the trace \"" +
                                               (dir / "logs" / "none.csv").string() + "\": No such file or directory");
  }
  SECTION("an id that selects nothing gets a did-you-mean") {
    write_file(dir / "id.yaml", scenario_with_arrivals("{process: trace, csv: logs/connects.csv, id: A}"));
    const config::LoadResult bad = config::load_scenario_file((dir / "id.yaml").string());
    REQUIRE(bad.errors.size() == 1);
    CHECK_THAT(bad.errors[0].message, Catch::EndsWith("has id \"A\"; did you mean \"a\"?"));
  }
  SECTION("a trace whose every arrival is after the run's end") {
    write_file(dir / "late.yaml", scenario_with_arrivals("{process: trace, csv: logs/connects.csv, id: b}", "1s"));
    const config::LoadResult bad = config::load_scenario_file((dir / "late.yaml").string());
    REQUIRE(bad.errors.size() == 1);
    CHECK_THAT(
        bad.errors[0].message,
        Catch::Contains("every arrival of the trace is at or after the run's end (duration 1s): the first is at 1s"));
  }
}

// ---- pcap ------------------------------------------------------------------------------

namespace {

using capture_test::Segment;

constexpr std::int64_t kEpoch = 1'700'000'000'000'000'000;  // the capture's first packet, ns since 1970

// A capture with every kind of packet the filter must tell apart; returns the instants
// (ns after the first packet) of the SYNs to port 80, which are the ones to replay.
std::vector<std::int64_t> write_test_capture(const fs::path& path, bool nanoseconds) {
  using namespace capture_test;
  CaptureWriter w(path.string(), nanoseconds);
  const auto syn = [](std::uint16_t port) {
    Segment s;
    s.dst_port = port;
    return s;
  };
  w.write(kEpoch, arp_frame());  // first packet: the time origin
  Segment s = syn(80);
  w.write(kEpoch + 500'000'123, tcp_frame(s));  // SYN to 80 (IPv4)
  Segment synack;
  synack.src_port = 80;
  synack.dst_port = 40000;
  synack.flags = kSyn | kAck;
  w.write(kEpoch + 500'100'000, tcp_frame(synack));  // the server's SYN-ACK
  Segment odd = syn(80);
  odd.flags = kSyn | kAck;
  w.write(kEpoch + 600'000'000, tcp_frame(odd));  // SYN-ACK *to* port 80: not a SYN
  Segment ack = syn(80);
  ack.flags = kAck;
  w.write(kEpoch + 600'100'000, tcp_frame(ack));       // the final ACK
  w.write(kEpoch + 700'000'000, tcp_frame(syn(443)));  // SYN to another port
  w.write(kEpoch + 800'000'000, udp_frame(80));        // UDP to port 80
  Segment v6 = syn(80);
  v6.ipv6 = true;
  w.write(kEpoch + 1'250'000'456, tcp_frame(v6));  // SYN to 80 (IPv6)
  Segment v6ack = v6;
  v6ack.flags = kSyn | kAck;
  w.write(kEpoch + 1'300'000'000, tcp_frame(v6ack));  // IPv6, SYN and ACK: not a SYN
  Segment tagged = syn(80);
  tagged.vlan = 10;
  w.write(kEpoch + 2'000'000'000, tcp_frame(tagged));  // SYN to 80 in VLAN 10
  Segment ecn = syn(80);
  ecn.flags = kSyn | kEce | kCwr;
  w.write(kEpoch + 2'500'000'000, tcp_frame(ecn));  // ECN-setup SYN: a SYN
  Segment rst = syn(80);
  rst.flags = kRst;
  w.write(kEpoch + 2'600'000'000, tcp_frame(rst));
  w.write(kEpoch + 1'750'000'000, tcp_frame(syn(80)));   // out of order in the file
  w.write(kEpoch + 30'000'000'000, tcp_frame(syn(80)));  // long after
  const auto us = [&](std::int64_t ns) { return nanoseconds ? ns : ns / 1000 * 1000; };
  return {us(500'000'123), us(1'250'000'456), 1'750'000'000, 2'000'000'000, 2'500'000'000, 30'000'000'000};
}

std::vector<std::int64_t> ns_of(const std::vector<sim::Time>& times) {
  std::vector<std::int64_t> out;
  for (sim::Time t : times) out.push_back(t.ns());
  return out;
}

}  // namespace

TEST_CASE("a capture gives the times of its SYNs to the port, relative to its first packet", "[trace][pcap]") {
  const bool nanoseconds = GENERATE(true, false);
  const fs::path file = scratch() / (nanoseconds ? "ns.pcap" : "us.pcap");
  const std::vector<std::int64_t> expected = write_test_capture(file, nanoseconds);

  const TraceRead r = config::read_pcap_trace(file.string(), {80, 1.0});
  INFO(problems_of(r));
  REQUIRE(r.ok());
  CHECK(r.packets == 14);
  CHECK(ns_of(r.times) == expected);

  SECTION("time_scale") {
    const TraceRead fast = config::read_pcap_trace(file.string(), {80, 0.5});
    REQUIRE(fast.ok());
    std::vector<std::int64_t> halved;
    for (std::int64_t ns : expected) halved.push_back((ns + 1) / 2);  // to nearest, halves up
    CHECK(ns_of(fast.times) == halved);
  }
  SECTION("another port") {
    const TraceRead other = config::read_pcap_trace(file.string(), {443, 1.0});
    REQUIRE(other.ok());
    CHECK(ns_of(other.times) == std::vector<std::int64_t>{700'000'000});
  }
}

TEST_CASE("a capture without link-layer headers (raw IP) is read too", "[trace][pcap]") {
  using namespace capture_test;
  const fs::path file = scratch() / "raw.pcap";
  {
    CaptureWriter w(file.string(), true, DLT_RAW);
    Segment v4;
    Segment v6;
    v6.ipv6 = true;
    Segment synack;
    synack.flags = kSyn | kAck;
    w.write(kEpoch, without_ethernet(tcp_frame(synack)));
    w.write(kEpoch + 10, without_ethernet(tcp_frame(v4)));
    w.write(kEpoch + 20, without_ethernet(tcp_frame(v6)));
  }
  const TraceRead r = config::read_pcap_trace(file.string(), {80, 1.0});
  INFO(problems_of(r));
  REQUIRE(r.ok());
  CHECK(ns_of(r.times) == std::vector<std::int64_t>{10, 20});
}

TEST_CASE("capture problems name the capture and give libpcap's message", "[trace][pcap]") {
  const fs::path dir = scratch();
  SECTION("not a capture") {
    write_file(dir / "text.pcap", "0.5\n1\n");
    const TraceRead r = config::read_pcap_trace((dir / "text.pcap").string(), {80, 1.0});
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 0);
    CHECK_THAT(r.problems[0].message,
               Catch::StartsWith("not a capture libpcap can read: ") && Catch::Contains("unknown file format"));
  }
  SECTION("a truncated capture") {
    write_test_capture(dir / "whole.pcap", true);
    std::ifstream in(dir / "whole.pcap", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    write_file(dir / "cut.pcap", bytes.substr(0, bytes.size() - 10));
    const TraceRead r = config::read_pcap_trace((dir / "cut.pcap").string(), {80, 1.0});
    REQUIRE(r.problems.size() == 1);
    CHECK_THAT(r.problems[0].message, Catch::StartsWith("packet 14: ") && Catch::Contains("truncated"));
  }
  SECTION("a SYN timestamped before the capture's first packet") {
    {
      capture_test::CaptureWriter w((dir / "early.pcap").string(), true);
      w.write(kEpoch, capture_test::arp_frame());
      w.write(kEpoch - 1, capture_test::tcp_frame(Segment{}));
    }
    const TraceRead r = config::read_pcap_trace((dir / "early.pcap").string(), {80, 1.0});
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].message == "packet 2 (a SYN) is timestamped before the capture's first packet");
  }
  SECTION("a missing capture") {
    const TraceRead r = config::read_pcap_trace((dir / "none.pcap").string(), {80, 1.0});
    REQUIRE(r.unreadable);
    CHECK(*r.unreadable == "No such file or directory");
  }
}

TEST_CASE("a capture record whose fraction of a second is out of range is malformed", "[trace][pcap]") {
  // The record header's second field counts microseconds (or nanoseconds) within the
  // second: 0xFFFFFFFF is no instant, and is never replayed as 0.999999 s.
  const bool nanoseconds = GENERATE(true, false);
  const fs::path file = scratch() / (nanoseconds ? "bad-fraction-ns.pcap" : "bad-fraction-us.pcap");
  {
    capture_test::CaptureWriter w(file.string(), nanoseconds);
    w.write(kEpoch, capture_test::tcp_frame(capture_test::Segment{}));
    w.write(kEpoch + 1000, capture_test::tcp_frame(capture_test::Segment{}));
  }
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // The second record's header: after the 24-byte file header and the first record
  // (16-byte header + frame); its fraction field is at offset 4, in the writer's byte order.
  const std::size_t first_frame = capture_test::tcp_frame(capture_test::Segment{}).size();
  const std::size_t at = 24 + 16 + first_frame + 4;
  REQUIRE(bytes.size() > at + 4);
  for (int k = 0; k < 4; ++k) bytes[at + static_cast<std::size_t>(k)] = '\xff';
  write_file(file, bytes);
  const TraceRead r = config::read_pcap_trace(file.string(), {80, 1.0});
  REQUIRE(r.problems.size() == 1);
  CHECK_THAT(r.problems[0].message, Catch::StartsWith("packet 2: the fraction of a second in its timestamp is out of "
                                                      "range") &&
                                        Catch::Contains("a malformed record"));
}

TEST_CASE("a file that is no trace at all is quoted once, not line by line", "[trace]") {
  // A scenario may name any readable file as a trace (../../etc/shadow): its problems must
  // not print the file.
  std::string text;
  for (int i = 0; i < 30; ++i) text += "secret" + std::to_string(i) + ":x:$6$salt$hash:19000:0:99999:7:::\n";
  const TraceRead r = parse_csv_trace(text, {});
  REQUIRE(r.problems.size() >= 20);
  int quoted = 0;
  for (const auto& p : r.problems) quoted += p.message.find("secret") != std::string::npos ? 1 : 0;
  CHECK(quoted == 1);
  CHECK(r.problems[0].message.size() < 200);  // the one quote is cut short
  CHECK_THAT(r.problems[1].message, Catch::Contains("got something else"));
}

TEST_CASE("replaying a capture: one attempt per SYN before the run's end", "[trace][pcap][loader]") {
  const fs::path dir = scratch() / "pcap-scenario";
  fs::create_directories(dir);
  const std::vector<std::int64_t> syns = write_test_capture(dir / "storm.pcap", true);
  write_file(dir / "replay.yaml", scenario_with_arrivals("{process: trace, pcap: storm.pcap, port: 80}"));
  const config::LoadResult r = config::load_scenario_file((dir / "replay.yaml").string());
  INFO(all_messages(r));
  REQUIRE(r.ok());
  CHECK(ns_of(trace_times(*r.spec)) == syns);

  const model::RunResults results = model::run_scenario(*r.spec);
  const auto before_end =
      std::count_if(syns.begin(), syns.end(), [&](std::int64_t ns) { return ns < r.spec->duration.ns(); });
  CHECK(before_end == 5);  // the one at 30 s is after the 10 s run
  REQUIRE(results.clients.size() == 1);
  CHECK(results.clients[0].counts.attempts == static_cast<std::uint64_t>(before_end));
  CHECK(results.clients[0].counts.balanced());

  SECTION("a capture without SYNs to the port is an error at the pcap key") {
    write_file(dir / "none.yaml", scenario_with_arrivals("{process: trace, pcap: storm.pcap, port: 8080}"));
    const config::LoadResult bad = config::load_scenario_file((dir / "none.yaml").string());
    REQUIRE(bad.errors.size() == 1);
    CHECK(bad.errors[0].line == 9);
    CHECK(bad.errors[0].column == 38);
    CHECK_THAT(bad.errors[0].message, Catch::EndsWith("has no TCP SYN to port 8080 (14 packets read)"));
  }
  SECTION("a file that is not a capture: the capture's name and libpcap's message") {
    write_file(dir / "text.pcap", "hello\n");
    write_file(dir / "text.yaml", scenario_with_arrivals("{process: trace, pcap: text.pcap, port: 80}"));
    const config::LoadResult bad = config::load_scenario_file((dir / "text.yaml").string());
    REQUIRE(bad.errors.size() == 1);
    CHECK(bad.errors[0].file == (dir / "text.pcap").string());
    CHECK(bad.errors[0].line == 0);
    CHECK_THAT(config::format(bad.errors[0]),
               Catch::Contains("text.pcap: error: clients.replay.arrivals.pcap: not a capture libpcap can read"));
  }
}

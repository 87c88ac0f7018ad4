// Tests of `synstorm run --pcap` (cli/pcap_capture.h) and the segments it writes
// (report/tcp_segment.h): headers and checksums, SYN cookies as Linux encodes and checks
// them, the counts tcpdump reads back against the run's JSON, and a replay of the capture.
//
// tcpdump is not part of the build: where it is missing, the tests that need it record a
// skip, and main() (below) exits 77, which ctest reports as skipped (tests/cli/CMakeLists.txt).
#define CATCH_CONFIG_RUNNER
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/pcap_capture.h"
#include "config/loader.h"
#include "model/world.h"
#include "report/tcp_segment.h"
#include "tests/cli/binary.h"

namespace {

std::vector<std::string> skipped;

// What `command` prints on stdout, and its exit status.
std::pair<std::string, int> output_of(const std::string& command) {
  FILE* p = popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t got; (got = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, got);
  const int status = pclose(p);
  return {out, status};
}

bool have_tcpdump() { return output_of("command -v tcpdump >/dev/null 2>&1").second == 0; }

// Packets of `file` that tcpdump's filter `expression` selects.
std::size_t tcpdump_count(const std::string& file, const std::string& expression) {
  const auto [out, status] = output_of("tcpdump -r " + synstorm_test::quote(file) + " -nn " +
                                       synstorm_test::quote(expression) + " 2>/dev/null");
  REQUIRE(status == 0);
  return static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n'));
}

std::uint16_t word(const std::vector<std::uint8_t>& b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

}  // namespace

TEST_CASE("pcap: a segment's IPv4 and TCP checksums verify, as a receiver checks them", "[pcap]") {
  report::TcpSegment s;
  s.src = 0x0A010001;
  s.dst = 0x0A000001;
  s.sport = 40000;
  s.dport = 80;
  s.seq = 0xDEADBEEF;
  s.flags = report::kSyn;
  s.window = 64240;
  s.options = report::syn_options(model::Os::kLinux, true, 1234, 0);
  const std::vector<std::uint8_t> p = report::ipv4_packet(s);
  REQUIRE(p.size() == 20 + 20 + 20);
  CHECK(word(p, 2) == p.size());
  // RFC 1071: summing a header with its checksum in it gives 0xFFFF, so the check is 0.
  CHECK(report::internet_checksum(p.data(), 20) == 0);
  const std::uint32_t pseudo = 0x0A01 + 0x0001 + 0x0A00 + 0x0001 + 6 + 40;
  CHECK(report::internet_checksum(p.data() + 20, 40, pseudo) == 0);
  CHECK(p[20 + 12] >> 4 == 10);  // 40 bytes of TCP header
  CHECK(p[20 + 13] == report::kSyn);
}

TEST_CASE("pcap: each OS's SYN carries its own options, in its order, padded to 4 bytes", "[pcap]") {
  using model::Os;
  // Linux: MSS, SACK-permitted, timestamps, NOP, window scale 7.
  CHECK(report::syn_options(Os::kLinux, true, 1, 0) ==
        std::vector<std::uint8_t>{2, 4, 5, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});
  // Windows: MSS, NOP, window scale 8, NOP, NOP, SACK-permitted; no timestamps.
  CHECK(report::syn_options(Os::kWindows, false, 1, 0) ==
        std::vector<std::uint8_t>{2, 4, 5, 0xB4, 1, 3, 3, 8, 1, 1, 4, 2});
  CHECK_FALSE(report::sends_timestamps(Os::kWindows));
  // FreeBSD: MSS, NOP, window scale 6, SACK-permitted, timestamps.
  CHECK(report::syn_options(Os::kFreeBSD, true, 1, 0) ==
        std::vector<std::uint8_t>{2, 4, 5, 0xB4, 1, 3, 3, 6, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0});
  // macOS: MSS, NOP, window scale 6, NOP, NOP, timestamps, SACK-permitted, EOL, EOL.
  CHECK(report::syn_options(Os::kMacOS, true, 1, 0) ==
        std::vector<std::uint8_t>{2, 4, 5, 0xB4, 1, 3, 3, 6, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 4, 2, 0, 0});
  for (const Os os : model::all_oses()) {
    for (const bool ts : {true, false}) CHECK(report::syn_options(os, ts, 7, 9).size() % 4 == 0);
  }
}

TEST_CASE("pcap: a SYN cookie carries its MSS index and minute as Linux's check reads them back", "[pcap]") {
  // net/ipv4/syncookies.c: msstab {536, 1300, 1440, 1460}; the index of the largest entry
  // not above the SYN's MSS (__cookie_v4_init_sequence).
  CHECK(report::cookie_mss_index(1460) == 3);
  CHECK(report::cookie_mss_index(1459) == 2);
  CHECK(report::cookie_mss_index(1440) == 2);
  CHECK(report::cookie_mss_index(1300) == 1);
  CHECK(report::cookie_mss_index(536) == 0);
  CHECK(report::cookie_mss_index(100) == 0);
  const report::CookieTuple t{0x0A010001, 0x0A000001, 40000, 80};
  const std::uint64_t secret = GENERATE(1, 42);
  const std::uint32_t isn = GENERATE(0u, 123456789u, 0xFFFFFFFFu);
  for (int index = 0; index < 4; ++index) {
    for (const std::uint32_t minute : {0u, 1u, 255u, 256u, 1000u}) {
      const std::uint32_t cookie = report::linux_syn_cookie(t, isn, minute, index, secret);
      // check_tcp_syn_cookie: good in its minute and the next; not two minutes on
      // (MAX_SYNCOOKIE_AGE), nor for another client sequence number or port.
      CHECK(report::check_linux_syn_cookie(cookie, t, isn, minute, secret) == index);
      CHECK(report::check_linux_syn_cookie(cookie, t, isn, minute + 1, secret) == index);
      CHECK(report::check_linux_syn_cookie(cookie, t, isn, minute + 2, secret) == -1);
      CHECK(report::check_linux_syn_cookie(cookie, t, isn + 1, minute, secret) != index);
      CHECK(report::check_linux_syn_cookie(cookie, {t.saddr, t.daddr, 40001, 80}, isn, minute, secret) != index);
    }
  }
}

TEST_CASE("pcap: tcpdump reads the capture of overload.yaml: its SYNs, SYN-ACKs and RSTs are the JSON's",
          "[pcap][e2e]") {
  if (!have_tcpdump()) {
    skipped.push_back("tcpdump not found (Debian package tcpdump): the capture was not read back");
    return;
  }
  const auto dir = synstorm_test::scratch_dir();
  const std::string pcap = (dir / "overload.pcap").string(), json = (dir / "overload-pcap.json").string();
  const auto r = synstorm_test::synstorm("run " + synstorm_test::quote(SYNSTORM_SOURCE_DIR "/scenarios/overload.yaml") +
                                         " --pcap " + synstorm_test::quote(pcap) + " --json " +
                                         synstorm_test::quote(json) + " -q");
  REQUIRE(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(synstorm_test::slurp(json));
  std::uint64_t syns_sent = 0, syns_received = 0, synacks = 0, resets = 0;
  for (const auto& [name, c] : j["clients"].items()) {
    REQUIRE(c["segments_lost"] == 0);  // no loss here: what is sent arrives
    syns_sent += c["attempts"].get<std::uint64_t>() + c["syn_retransmits"].get<std::uint64_t>();
  }
  for (const auto& [name, l] : j["listeners"].items()) {
    syns_received += l["syns_received"].get<std::uint64_t>();
    resets += l["resets_sent"].get<std::uint64_t>();
    // Every SYN is dropped, refused (an RST: Windows' only RSTs here) or answered by a
    // SYN-ACK (a request or a cookie); a request's SYN-ACK may be sent again.
    synacks += l["syns_received"].get<std::uint64_t>() - l["syns_dropped"].get<std::uint64_t>() -
               l["resets_sent"].get<std::uint64_t>() + l["synacks_retransmitted"].get<std::uint64_t>();
  }
  REQUIRE(syns_sent == syns_received);
  CHECK(tcpdump_count(pcap, "tcp[tcpflags] == tcp-syn") == syns_sent);
  CHECK(tcpdump_count(pcap, "tcp[tcpflags] == tcp-syn|tcp-ack") == synacks);
  CHECK(tcpdump_count(pcap, "tcp[tcpflags] & tcp-rst != 0") == resets);
  CHECK(resets > 0);
  // Checksums: tcpdump -v says "(correct)" for each; none "incorrect".
  const auto [verbose, status] =
      output_of("tcpdump -r " + synstorm_test::quote(pcap) + " -nn -v -c 2000 2>/dev/null | grep -c incorrect");
  CHECK(verbose == "0\n");
}

TEST_CASE("pcap: the capture is the same on every run, and --pcap-host keeps one host's connections", "[pcap][e2e]") {
  if (!have_tcpdump()) {
    skipped.push_back("tcpdump not found (Debian package tcpdump): the filtered capture was not read back");
    return;
  }
  const auto dir = synstorm_test::scratch_dir();
  const std::string scenario = synstorm_test::quote(SYNSTORM_SOURCE_DIR "/scenarios/overload.yaml");
  const std::string a = (dir / "windows-a.pcap").string(), b = (dir / "windows-b.pcap").string();
  const std::string json = (dir / "windows-pcap.json").string();
  for (const std::string& file : {a, b}) {
    const auto r =
        synstorm_test::synstorm("run " + scenario + " --pcap-host windows-web --pcap " + synstorm_test::quote(file) +
                                " --json " + synstorm_test::quote(json) + " -q");
    REQUIRE(r.exit_code == 0);
  }
  const std::string bytes = synstorm_test::slurp(a);
  REQUIRE(bytes.size() > 24);
  CHECK(bytes == synstorm_test::slurp(b));
  const nlohmann::json j = nlohmann::json::parse(synstorm_test::slurp(json));
  const auto& windows = j["listeners"]["windows-web:80"];
  // windows-web is the second host: 10.0.0.2. Nothing else is in the file.
  CHECK(tcpdump_count(a, "not host 10.0.0.2") == 0);
  CHECK(tcpdump_count(a, "tcp[tcpflags] == tcp-syn") == windows["syns_received"].get<std::uint64_t>());
  CHECK(tcpdump_count(a, "tcp[tcpflags] & tcp-rst != 0") == windows["resets_sent"].get<std::uint64_t>());
  // A name the scenario does not have: exit 2, and a suggestion.
  const auto bad = synstorm_test::synstorm("run " + scenario + " --pcap-host windows-wbe --pcap " +
                                           synstorm_test::quote((dir / "never.pcap").string()));
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("did you mean \"windows-web\"?") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "never.pcap"));
}

namespace {

// Every connect() of a run, in order: its time.
class ConnectTimes final : public model::TraceObserver {
 public:
  void on_event(const model::TraceEvent& e) override {
    if (e.kind == model::TraceKind::kConnect) times.push_back(e.at);
  }
  std::vector<sim::Time> times;
};

model::ScenarioSpec scenario(const std::string& yaml) {
  auto r = config::load_scenario_text(yaml, "pcap-test.yaml");
  for (const auto& d : r.errors) INFO(d.message);
  REQUIRE(r.ok());
  return std::move(*r.spec);
}

}  // namespace

TEST_CASE("pcap: a capture replayed as a trace gives back the connect times", "[pcap]") {
  // A light load (no SYN is retransmitted, so each SYN in the file is one connect()).
  const std::string host =
      "hosts:\n  web: {os: linux, listeners: [{port: 80, backlog: 1024, workers: 64, service: {dist: exponential, "
      "mean: 1ms}}]}\n";
  const model::ScenarioSpec original =
      scenario("name: original\nseed: 7\nduration: 2s\n" + host +
               "clients:\n  c: {target: web:80, arrivals: {process: poisson, rate: 300/s}, connect_timeout: 5s}\n");
  ConnectTimes sent;
  cli::PcapCapture capture(original, {});
  struct Both final : model::TraceObserver {
    ConnectTimes& a;
    cli::PcapCapture& b;
    Both(ConnectTimes& x, cli::PcapCapture& y) : a(x), b(y) {}
    void on_event(const model::TraceEvent& e) override {
      a.on_event(e);
      b.on_event(e);
    }
  } both(sent, capture);
  model::RunControl control;
  control.observer = &both;
  const model::RunResults results = model::run_scenario(original, control);
  REQUIRE(results.clients[0].syn_retransmits == 0);
  REQUIRE(sent.times.size() > 400);
  std::string error;
  const std::string bytes = capture.finish(error);
  REQUIRE(error.empty());
  const auto file = synstorm_test::scratch_dir() / "replay-source.pcap";
  std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));

  const model::ScenarioSpec replay = scenario("name: replay\nseed: 7\nduration: 2s\n" + host +
                                              "clients:\n  c: {target: web:80, arrivals: {process: "
                                              "trace, pcap: '" +
                                              file.string() + "', port: 80}, connect_timeout: 5s}\n");
  ConnectTimes replayed;
  model::RunControl replay_control;
  replay_control.observer = &replayed;
  model::run_scenario(replay, replay_control);
  // A trace's times are counted from the capture's first packet: the first SYN.
  REQUIRE(replayed.times.size() == sent.times.size());
  for (std::size_t i = 0; i < sent.times.size(); ++i) {
    INFO("connect " << i);
    REQUIRE(replayed.times[i] - sim::Time::zero() == sent.times[i] - sent.times[0]);
  }
}

int main(int argc, char* argv[]) {
  const int failed = Catch::Session().run(argc, argv);
  if (failed != 0) return failed;
  if (skipped.empty()) return 0;
  for (const auto& why : skipped) std::fprintf(stderr, "SKIPPED: %s\n", why.c_str());
  return 77;
}

TEST_CASE("pcap: a proxy's upstream SYNs are its own host's (its OS's TTL), next to its clients'", "[pcap][proxy]") {
  // A Windows proxy (one event loop) in front of a Linux app, and Linux clients: the
  // clients' SYNs to the proxy carry Linux's TTL 64, the proxy's upstream SYNs Windows' 128.
  const config::LoadResult loaded = config::load_scenario_text(R"(duration: 2s
hosts:
  edge:
    os: windows
    listeners: [{port: 80, backlog: 64, loops: 1}]
    proxy: {backends: [app:8080]}
  app:
    listeners: [{port: 8080, backlog: 64, workers: 2, service: {dist: constant, value: 1ms}}]
clients:
  users: {target: edge:80, arrivals: {process: constant, rate: 5/s}}
)",
                                                               "proxy.yaml");
  REQUIRE(loaded.ok());
  cli::PcapCapture capture(*loaded.spec, {});
  model::RunControl control;
  control.observer = &capture;
  const model::RunResults r = model::run_scenario(*loaded.spec, control);
  REQUIRE(r.proxies.size() == 1);
  REQUIRE(r.proxies[0].backends[0].connects > 0);
  std::string error;
  const std::string file = capture.finish(error);
  REQUIRE(error.empty());
  // The pcap file: a 24-byte header, then per packet a 16-byte record header (its third
  // word the captured length, in the writer's byte order: this machine's) and raw IPv4.
  std::size_t to_edge = 0, to_app = 0;
  for (std::size_t at = 24; at + 16 <= file.size();) {
    std::uint32_t length = 0;
    std::memcpy(&length, file.data() + at + 8, 4);
    const std::vector<std::uint8_t> packet(file.begin() + static_cast<std::ptrdiff_t>(at + 16),
                                           file.begin() + static_cast<std::ptrdiff_t>(at + 16 + length));
    at += 16 + length;
    const bool syn = (packet[33] & 0x12) == 0x02;  // TCP flags (IPv4 header of 20 bytes): SYN without ACK
    if (!syn) continue;
    const std::uint16_t dport = word(packet, 22);
    const std::uint8_t ttl = packet[8];
    if (dport == 80) {
      CHECK(ttl == 64);
      ++to_edge;
    } else if (dport == 8080) {
      CHECK(ttl == 128);
      ++to_app;
    }
  }
  CHECK(to_edge == r.clients[0].counts.attempts);
  CHECK(to_app == r.proxies[0].backends[0].connects);
}

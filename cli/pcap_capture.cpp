#include "cli/pcap_capture.h"

#include <pcap/pcap.h>

#include <cstdio>
#include <cstdlib>

#include "model/proxy.h"
#include "sim/random.h"

namespace cli {

struct PcapCapture::Libpcap {
  pcap_t* dead = nullptr;
  pcap_dumper_t* dumper = nullptr;
  char* buffer = nullptr;  // open_memstream's
  std::size_t size = 0;
  ~Libpcap() {
    if (dumper) pcap_dump_close(dumper);
    if (dead) pcap_close(dead);
    std::free(buffer);
  }
};

namespace {

// The timestamps option of a segment after the handshake (RFC 7323): NOP, NOP, then kind 8.
std::vector<std::uint8_t> timestamp_option(std::uint32_t value, std::uint32_t echo) {
  std::vector<std::uint8_t> o = {1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) {
    o[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
    o[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(echo >> (24 - 8 * i));
  }
  return o;
}

std::string first_request(const std::string& host) { return "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n"; }

}  // namespace

Endpoints endpoints_of(const model::TraceEvent& e) {
  return {model::client_address(e.client), model::host_address(e.host), e.src_port, static_cast<std::uint16_t>(e.port)};
}

std::uint32_t initial_sequence(std::uint64_t seed, std::string_view side, std::uint32_t client, std::uint64_t attempt,
                               std::uint32_t host) {
  std::uint64_t state = sim::derive_seed(seed, side);
  state ^= (std::uint64_t{client} << 32) | host;
  sim::splitmix64_next(state);
  state ^= attempt;
  return static_cast<std::uint32_t>(sim::splitmix64_next(state) >> 32);
}

PcapCapture::PcapCapture(const model::ScenarioSpec& spec, Filter filter)
    : spec_(spec), filter_(filter), pcap_(std::make_unique<Libpcap>()) {
  pcap_->dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535, PCAP_TSTAMP_PRECISION_NANO);
  FILE* memory = open_memstream(&pcap_->buffer, &pcap_->size);
  if (pcap_->dead && memory) {
    pcap_->dumper = pcap_dump_fopen(pcap_->dead, memory);
    if (!pcap_->dumper) std::fclose(memory);
  } else if (memory) {
    std::fclose(memory);
  }
}

PcapCapture::~PcapCapture() = default;

void PcapCapture::on_event(const model::TraceEvent& e) {
  using model::SegmentKind;
  using model::TraceKind;
  if (filter_.host && e.host != *filter_.host) return;
  if (filter_.client && (e.client != *filter_.client || (filter_.attempt != 0 && e.attempt != filter_.attempt))) return;
  const Key key{e.client, e.attempt};
  if (e.kind == TraceKind::kSynDecision) {
    open_[key].cookie_next = e.syn.verdict == model::SynVerdict::kCookie;
    return;
  }
  if (e.kind == TraceKind::kOutcome) {
    open_.erase(key);
    return;
  }
  if (e.kind != TraceKind::kSend) return;

  const Endpoints ends = endpoints_of(e);
  // A proxy's upstream connect() (a group after the scenario's own, with_upstream_groups)
  // comes from the proxy host's kernel: its OS.
  const std::optional<std::size_t> proxy = model::upstream_group_host(spec_, e.client);
  const model::Os client_os = proxy ? spec_.hosts[*proxy].os : spec_.clients[e.client].os;
  const model::Os server_os = spec_.hosts[e.host].os;
  const bool timestamps = report::sends_timestamps(client_os) && report::sends_timestamps(server_os);
  // TCP timestamps tick in milliseconds of simulated time (Linux's tcp_clock_ms).
  const auto ts_now = static_cast<std::uint32_t>(e.at.ns() / 1'000'000);
  const std::uint32_t client_isn = initial_sequence(spec_.seed, "pcap/isn/client", e.client, e.attempt, e.host);
  Connection& c = open_[key];
  if (c.server_isn == 0 && !c.cookie_next)
    c.server_isn = initial_sequence(spec_.seed, "pcap/isn/server", e.client, e.attempt, e.host);

  report::TcpSegment s;
  const bool from_client = e.segment == SegmentKind::kSyn || e.segment == SegmentKind::kAck ||
                           e.segment == SegmentKind::kClientRst || e.segment == SegmentKind::kData;
  s.src = from_client ? ends.client : ends.server;
  s.dst = from_client ? ends.server : ends.client;
  s.sport = from_client ? ends.client_port : ends.server_port;
  s.dport = from_client ? ends.server_port : ends.client_port;
  s.ttl = report::initial_ttl(from_client ? client_os : server_os);
  switch (e.segment) {
    case SegmentKind::kSyn:
      s.seq = client_isn;
      s.flags = report::kSyn;
      s.window = report::syn_window(client_os, false);
      c.syn_ts = ts_now;
      s.options = report::syn_options(client_os, report::sends_timestamps(client_os), ts_now, 0);
      break;
    case SegmentKind::kSynAck: {
      if (c.cookie_next) {
        // What Linux answers from the SYN alone (cookie_v4_init_sequence): the SYN's MSS
        // (1460 from every OS here) as its msstab index, the minute of the SYN.
        const report::CookieTuple tuple{ends.client, ends.server, ends.client_port, ends.server_port};
        const auto minute = static_cast<std::uint32_t>(e.at.ns() / 60'000'000'000);
        c.server_isn = report::linux_syn_cookie(tuple, client_isn, minute, report::cookie_mss_index(1460), spec_.seed);
        c.cookie_next = false;
      }
      s.seq = c.server_isn;
      s.ack = client_isn + 1;
      s.flags = report::kSyn | report::kAck;
      s.window = report::syn_window(server_os, true);
      c.synack_ts = ts_now;
      // Timestamps only when the SYN had them too (RFC 7323): the SYN's value echoed.
      s.options = report::syn_options(server_os, timestamps, ts_now, c.syn_ts);
      break;
    }
    case SegmentKind::kAck:
    case SegmentKind::kData:
      s.seq = client_isn + 1;
      s.ack = c.server_isn + 1;
      s.flags = report::kAck;
      s.window = 502;  // 64240 >> 7: the scaled window of a fresh Linux connection
      if (timestamps) s.options = timestamp_option(ts_now, c.synack_ts);
      if (e.segment == SegmentKind::kData) {
        // The client's first data (`first_data`): its contents are not modelled, so the
        // capture carries the smallest HTTP/1.1 request, which Wireshark decodes.
        s.flags |= report::kPsh;
        s.payload = first_request(spec_.hosts[e.host].name);
      }
      break;
    case SegmentKind::kDataAck:
      s.seq = c.server_isn + 1;
      s.ack = client_isn + 1 + static_cast<std::uint32_t>(first_request(spec_.hosts[e.host].name).size());
      s.flags = report::kAck;
      s.window = 509;  // Linux's scaled window after the first request
      if (timestamps) s.options = timestamp_option(ts_now, c.syn_ts);
      break;
    case SegmentKind::kRst:
      // The listener's reset: to a SYN (a refusal: no sequence of its own, it acknowledges
      // the SYN) or to an ACK it will not take (its sequence is what the ACK acknowledged).
      if (c.synack_ts == 0) {
        s.ack = client_isn + 1;
        s.flags = report::kRst | report::kAck;
      } else {
        s.seq = c.server_isn + 1;
        s.flags = report::kRst;
      }
      break;
    case SegmentKind::kClientRst:
      s.seq = client_isn + 1;
      s.flags = report::kRst;
      break;
  }
  write(e, s);
}

void PcapCapture::write(const model::TraceEvent& e, const report::TcpSegment& s) {
  if (!pcap_->dumper) return;
  const std::vector<std::uint8_t> packet = report::ipv4_packet(s);
  const std::int64_t ns = e.at.ns();
  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  header.ts.tv_usec = static_cast<suseconds_t>(ns % 1'000'000'000);  // nanoseconds: the file's precision
  header.caplen = header.len = static_cast<bpf_u_int32>(packet.size());
  pcap_dump(reinterpret_cast<u_char*>(pcap_->dumper), &header, packet.data());
  ++packets_;
}

std::string PcapCapture::finish(std::string& error) {
  if (!pcap_->dumper) {
    error = pcap_->dead ? std::string("libpcap could not start the capture: ") + pcap_geterr(pcap_->dead)
                        : "libpcap could not start the capture";
    return {};
  }
  pcap_dump_close(pcap_->dumper);  // closes the memory stream: buffer and size are final
  pcap_->dumper = nullptr;
  return std::string(pcap_->buffer, pcap_->size);
}

}  // namespace cli

// tests/tools/capture_writer.h — small pcap captures of hand-built frames.
//
// For the trace tests (tests/config/trace_test.cpp) and the generator of the bundled
// capture (tests/tools/make_storm_capture.cpp): the frames are built byte by byte here,
// the file format is libpcap's (pcap_open_dead + pcap_dump). Header-only, test code.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace capture_test {

// TCP flag bits (RFC 9293 with RFC 3168's ECE and CWR).
inline constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10, kEce = 0x40, kCwr = 0x80;

struct Segment {
  bool ipv6 = false;
  int vlan = -1;                   // an 802.1Q tag with this VLAN id, or none
  std::uint32_t src = 0x0a000001;  // IPv4 address, or the last 32 bits of an IPv6 one
  std::uint32_t dst = 0x0a0000fe;
  std::uint16_t src_port = 40000;
  std::uint16_t dst_port = 80;
  std::uint8_t flags = kSyn;
  std::uint32_t seq = 1;
  std::uint32_t ack = 0;
};

namespace detail {
inline void put16(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, v >> 16);
  put16(out, v & 0xffff);
}
// Ethernet header (with an optional 802.1Q tag) ending in `ethertype`.
inline std::vector<std::uint8_t> ethernet(int vlan, std::uint16_t ethertype) {
  std::vector<std::uint8_t> f = {0x02, 0, 0, 0, 0, 0xfe, 0x02, 0, 0, 0, 0, 0x01};  // dst, src MACs
  if (vlan >= 0) {
    put16(f, 0x8100);
    put16(f, static_cast<std::uint32_t>(vlan) & 0x0fff);
  }
  put16(f, ethertype);
  return f;
}
// The IPv4 header checksum (RFC 791) over the 20 bytes at `at`.
inline void ipv4_checksum(std::vector<std::uint8_t>& f, std::size_t at) {
  std::uint32_t sum = 0;
  for (std::size_t i = at; i < at + 20; i += 2) sum += (static_cast<std::uint32_t>(f[i]) << 8) | f[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const std::uint32_t c = ~sum & 0xffff;
  f[at + 10] = static_cast<std::uint8_t>(c >> 8);
  f[at + 11] = static_cast<std::uint8_t>(c);
}
// An IPv4 or IPv6 header for a payload of `length` bytes of protocol `proto`.
inline void ip_header(std::vector<std::uint8_t>& f, bool ipv6, std::uint8_t proto, std::uint32_t src, std::uint32_t dst,
                      std::uint32_t length) {
  if (ipv6) {
    put32(f, 0x60000000);
    put16(f, length);
    f.push_back(proto);
    f.push_back(64);                      // hop limit
    for (std::uint32_t a : {src, dst}) {  // 2001:db8::a.b.c.d (documentation prefix)
      put32(f, 0x20010db8);
      put32(f, 0);
      put32(f, 0);
      put32(f, a);
    }
    return;
  }
  const std::size_t at = f.size();
  f.push_back(0x45);
  f.push_back(0);
  put16(f, 20 + length);
  put16(f, 0);       // id
  put16(f, 0x4000);  // don't fragment
  f.push_back(64);   // TTL
  f.push_back(proto);
  put16(f, 0);  // checksum, below
  put32(f, src);
  put32(f, dst);
  ipv4_checksum(f, at);
}
}  // namespace detail

// An Ethernet frame carrying one TCP segment without options or payload.
inline std::vector<std::uint8_t> tcp_frame(const Segment& s) {
  std::vector<std::uint8_t> f = detail::ethernet(s.vlan, s.ipv6 ? 0x86dd : 0x0800);
  detail::ip_header(f, s.ipv6, 6, s.src, s.dst, 20);
  detail::put16(f, s.src_port);
  detail::put16(f, s.dst_port);
  detail::put32(f, s.seq);
  detail::put32(f, s.ack);
  f.push_back(0x50);  // data offset: 5 words
  f.push_back(s.flags);
  detail::put16(f, 64240);  // window
  detail::put16(f, 0);      // checksum: left to offload, as captures on the sending host show it
  detail::put16(f, 0);      // urgent pointer
  return f;
}

// An Ethernet frame carrying a UDP datagram (e.g. a DNS query) with 8 bytes of payload.
inline std::vector<std::uint8_t> udp_frame(std::uint16_t dst_port, std::uint32_t src = 0x0a000001) {
  std::vector<std::uint8_t> f = detail::ethernet(-1, 0x0800);
  detail::ip_header(f, false, 17, src, 0x0a000035, 16);
  detail::put16(f, 53000);
  detail::put16(f, dst_port);
  detail::put16(f, 16);
  detail::put16(f, 0);
  for (int i = 0; i < 8; ++i) f.push_back(0);
  return f;
}

// An ARP request: not IP at all.
inline std::vector<std::uint8_t> arp_frame() {
  std::vector<std::uint8_t> f = detail::ethernet(-1, 0x0806);
  for (std::uint32_t v : {0x0001u, 0x0800u}) detail::put16(f, v);
  f.push_back(6);
  f.push_back(4);
  detail::put16(f, 1);
  for (int i = 0; i < 20; ++i) f.push_back(static_cast<std::uint8_t>(i));
  return f;
}

// The bytes a link type without a link-layer header (DLT_RAW) carries: the IP packet.
inline std::vector<std::uint8_t> without_ethernet(const std::vector<std::uint8_t>& frame) {
  return std::vector<std::uint8_t>(frame.begin() + 14, frame.end());
}

// A capture file of frames of one link type (Ethernet unless told), with nanosecond or
// microsecond timestamps.
class CaptureWriter {
 public:
  CaptureWriter(const std::string& path, bool nanoseconds, int link_type = DLT_EN10MB)
      : nanoseconds_(nanoseconds),
        pcap_(pcap_open_dead_with_tstamp_precision(
            link_type, 65535, nanoseconds ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO)) {
    if (pcap_ == nullptr) throw std::runtime_error("pcap_open_dead failed");
    dumper_ = pcap_dump_open(pcap_, path.c_str());
    if (dumper_ == nullptr) {
      const std::string error = pcap_geterr(pcap_);
      pcap_close(pcap_);
      throw std::runtime_error("cannot write " + path + ": " + error);
    }
  }
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;
  ~CaptureWriter() { close(); }

  // A frame at `ns` nanoseconds since the epoch (truncated to microseconds in a
  // microsecond capture).
  void write(std::int64_t ns, const std::vector<std::uint8_t>& frame) {
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    const std::int64_t fraction = ns % 1'000'000'000;
    header.ts.tv_usec = static_cast<suseconds_t>(nanoseconds_ ? fraction : fraction / 1000);
    header.caplen = static_cast<bpf_u_int32>(frame.size());
    header.len = header.caplen;
    pcap_dump(reinterpret_cast<u_char*>(dumper_), &header, frame.data());
  }

  void close() {
    if (dumper_ != nullptr) pcap_dump_close(dumper_);
    if (pcap_ != nullptr) pcap_close(pcap_);
    dumper_ = nullptr;
    pcap_ = nullptr;
  }

 private:
  bool nanoseconds_;
  pcap_t* pcap_ = nullptr;
  pcap_dumper_t* dumper_ = nullptr;
};

}  // namespace capture_test

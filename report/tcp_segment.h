// report/tcp_segment.h — a simulated handshake segment as the bytes a capture holds.
//
// An IPv4 header and a TCP header with the options a SYN (or SYN-ACK) of each OS carries,
// both checksums correct, as Wireshark and tcpdump check them. Pure functions: the caller
// (cli/pcap_capture.h) decides what to send and writes it.
//
// The options, as each stack sends them by default (p0f's SYN signatures list the same
// orders and values):
//   Linux    MSS 1460, SACK permitted, timestamps, NOP, window scale 7   (20 bytes)
//   Windows  MSS 1460, NOP, window scale 8, NOP, NOP, SACK permitted      (12 bytes; no
//            timestamps: Windows sends them only when asked, Tcp1323Opts)
//   FreeBSD  MSS 1460, NOP, window scale 6, SACK permitted, timestamps    (20 bytes)
//   macOS    MSS 1460, NOP, window scale 6, NOP, NOP, timestamps, SACK permitted, EOL,
//            EOL                                                          (24 bytes)
// A SYN-ACK carries its host's options, and echoes the SYN's timestamp when both sent one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/addressing.h"
#include "model/personality.h"

namespace report {

using model::Ipv4;  // host byte order: 10.0.0.1 is 0x0A000001

enum TcpFlags : std::uint8_t { kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10 };

struct TcpSegment {
  Ipv4 src = 0, dst = 0;
  std::uint16_t sport = 0, dport = 0;
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  std::uint8_t ttl = 64;
  std::vector<std::uint8_t> options;  // a multiple of 4 bytes
  std::string payload;                // the data the segment carries (none in the handshake)
};

// The IPv4 packet (header of 20 bytes, DF set, then the TCP header and its options).
std::vector<std::uint8_t> ipv4_packet(const TcpSegment& s);

// RFC 1071: the ones' complement of the ones' complement sum of 16-bit words.
std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t length, std::uint32_t sum = 0);

// The options of a SYN (or SYN-ACK) sent by `os`; `ts_echo` is the timestamp echoed (0 in a
// SYN). Without `timestamps` (a SYN-ACK to a SYN that had none) the option is left out and
// the others keep their order, padded with NOPs (Linux) or EOLs to a 4-byte boundary.
std::vector<std::uint8_t> syn_options(model::Os os, bool timestamps, std::uint32_t ts_value, std::uint32_t ts_echo);
bool sends_timestamps(model::Os os);
// The window a SYN (or SYN-ACK) of `os` advertises, and the TTL its packets start with.
std::uint16_t syn_window(model::Os os, bool syn_ack);
std::uint8_t initial_ttl(model::Os os);

// A Linux SYN cookie (net/ipv4/syncookies.c, __cookie_v4_init_sequence and
// secure_tcp_syn_cookie): the MSS index into msstab {536, 1300, 1440, 1460} (the largest
// entry not above the SYN's MSS) in the low 24 bits, added to a keyed hash of the
// connection; the minute counter (tcp_cookie_time) in the top 8 bits, added to another
// hash and the client's sequence number:
//   cookie = H(saddr, daddr, sport, dport, 0, 0) + client_isn + (minute << 24)
//            + ((H(saddr, daddr, sport, dport, minute, 1) + mss_index) & 0xFFFFFF)
// The kernel's H is SipHash under a secret made at boot; here it is a mix keyed by
// `secret` (the scenario's seed), so the cookies are the same on every run.
struct CookieTuple {
  Ipv4 saddr = 0, daddr = 0;  // the client's address, the listener's
  std::uint16_t sport = 0, dport = 0;
};
int cookie_mss_index(std::uint16_t mss);
std::uint32_t linux_syn_cookie(const CookieTuple& t, std::uint32_t client_isn, std::uint32_t minute, int mss_index,
                               std::uint64_t secret);
// The kernel's check (check_tcp_syn_cookie): the MSS index a cookie carries, if it was made
// in `minute` or the minute before (MAX_SYNCOOKIE_AGE 2) and it holds an index of msstab;
// else -1.
int check_linux_syn_cookie(std::uint32_t cookie, const CookieTuple& t, std::uint32_t client_isn, std::uint32_t minute,
                           std::uint64_t secret);

}  // namespace report

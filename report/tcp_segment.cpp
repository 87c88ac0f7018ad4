#include "report/tcp_segment.h"

#include <array>
#include <initializer_list>

#include "sim/random.h"

namespace report {

namespace {

void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  put16(b, at, static_cast<std::uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<std::uint16_t>(v));
}

constexpr std::array<std::uint16_t, 4> kMssTable = {536, 1300, 1440, 1460};  // syncookies.c msstab
constexpr std::uint32_t kCookieBits = 24;
constexpr std::uint32_t kCookieMask = (1u << kCookieBits) - 1;

// Stands for the kernel's cookie_hash (SipHash keyed by syncookie_secret[c]).
std::uint32_t cookie_hash(const CookieTuple& t, std::uint32_t count, int c, std::uint64_t secret) {
  std::uint64_t state = sim::derive_seed(secret, c == 0 ? "syncookie/0" : "syncookie/1");
  state ^= (std::uint64_t{t.saddr} << 32) | t.daddr;
  sim::splitmix64_next(state);
  state ^= (std::uint64_t{t.sport} << 48) | (std::uint64_t{t.dport} << 32) | count;
  return static_cast<std::uint32_t>(sim::splitmix64_next(state));
}

}  // namespace

std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t length, std::uint32_t sum) {
  for (std::size_t i = 0; i + 1 < length; i += 2) sum += (std::uint32_t{data[i]} << 8) | data[i + 1];
  if (length % 2 == 1) sum += std::uint32_t{data[length - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::vector<std::uint8_t> ipv4_packet(const TcpSegment& s) {
  const std::size_t tcp_len = 20 + s.options.size();
  std::vector<std::uint8_t> b(20 + tcp_len + s.payload.size(), 0);
  // IPv4 (RFC 791): version 4, 5 words of header, DF, protocol 6.
  b[0] = 0x45;
  put16(b, 2, static_cast<std::uint16_t>(b.size()));
  put16(b, 6, 0x4000);
  b[8] = s.ttl;
  b[9] = 6;
  put32(b, 12, s.src);
  put32(b, 16, s.dst);
  put16(b, 10, internet_checksum(b.data(), 20));
  // TCP (RFC 793): data offset in words, flags, window; the checksum covers the pseudo
  // header (addresses, protocol, TCP length) and the segment.
  std::uint8_t* tcp = b.data() + 20;
  put16(b, 20, s.sport);
  put16(b, 22, s.dport);
  put32(b, 24, s.seq);
  put32(b, 28, s.ack);
  tcp[12] = static_cast<std::uint8_t>((tcp_len / 4) << 4);
  tcp[13] = s.flags;
  put16(b, 34, s.window);
  std::copy(s.options.begin(), s.options.end(), b.begin() + 40);
  std::copy(s.payload.begin(), s.payload.end(), b.begin() + static_cast<std::ptrdiff_t>(20 + tcp_len));
  const std::size_t segment_len = tcp_len + s.payload.size();
  const std::uint32_t pseudo = (s.src >> 16) + (s.src & 0xFFFF) + (s.dst >> 16) + (s.dst & 0xFFFF) + 6u +
                               static_cast<std::uint32_t>(segment_len);
  put16(b, 36, internet_checksum(tcp, segment_len, pseudo));
  return b;
}

bool sends_timestamps(model::Os os) { return os != model::Os::kWindows; }

std::vector<std::uint8_t> syn_options(model::Os os, bool timestamps, std::uint32_t ts_value, std::uint32_t ts_echo) {
  constexpr std::uint8_t kEol = 0, kNop = 1;
  std::vector<std::uint8_t> o;
  o.reserve(24);
  const auto add = [&o](std::initializer_list<std::uint8_t> bytes) {
    for (const std::uint8_t b : bytes) o.push_back(b);
  };
  const auto mss = [&] { add({2, 4, 0x05, 0xB4}); };  // 1460
  const auto sack = [&] { add({4, 2}); };
  const auto ws = [&](std::uint8_t shift) { add({3, 3, shift}); };
  const auto add_timestamps = [&] {
    add({8, 10});
    for (const std::uint32_t v : {ts_value, ts_echo}) {
      for (int shift = 24; shift >= 0; shift -= 8) o.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  };
  mss();
  switch (os) {
    case model::Os::kLinux:
      // tcp_options_write: SACK-permitted rides in the timestamp option's padding.
      if (timestamps) {
        sack();
        add_timestamps();
      } else {
        add({kNop, kNop});
        sack();
      }
      o.push_back(kNop);
      ws(7);
      break;
    case model::Os::kWindows:
      o.push_back(kNop);
      ws(8);
      add({kNop, kNop});
      sack();
      break;
    case model::Os::kFreeBSD:
      o.push_back(kNop);
      ws(6);
      sack();
      if (timestamps) {
        add_timestamps();
      } else {
        add({kEol, kEol});
      }
      break;
    case model::Os::kMacOS:
      o.push_back(kNop);
      ws(6);
      add({kNop, kNop});
      if (timestamps) {
        add_timestamps();
        sack();
        add({kEol, kEol});
      } else {
        sack();
      }
      break;
  }
  return o;
}

std::uint16_t syn_window(model::Os os, bool syn_ack) {
  switch (os) {
    case model::Os::kLinux: return syn_ack ? 65160 : 64240;  // 44 or 45 MSS-sized segments (tcp_select_initial_window)
    case model::Os::kWindows: return 64240;
    case model::Os::kFreeBSD:
    case model::Os::kMacOS: return 65535;
  }
  return 65535;
}

std::uint8_t initial_ttl(model::Os os) { return os == model::Os::kWindows ? 128 : 64; }

int cookie_mss_index(std::uint16_t mss) {
  int i = static_cast<int>(kMssTable.size()) - 1;
  while (i > 0 && mss < kMssTable[static_cast<std::size_t>(i)]) --i;
  return i;
}

std::uint32_t linux_syn_cookie(const CookieTuple& t, std::uint32_t client_isn, std::uint32_t minute, int mss_index,
                               std::uint64_t secret) {
  return cookie_hash(t, 0, 0, secret) + client_isn + (minute << kCookieBits) +
         ((cookie_hash(t, minute, 1, secret) + static_cast<std::uint32_t>(mss_index)) & kCookieMask);
}

int check_linux_syn_cookie(std::uint32_t cookie, const CookieTuple& t, std::uint32_t client_isn, std::uint32_t minute,
                           std::uint64_t secret) {
  constexpr std::uint32_t kMaxAge = 2;  // MAX_SYNCOOKIE_AGE
  cookie -= cookie_hash(t, 0, 0, secret) + client_isn;
  const std::uint32_t diff = (minute - (cookie >> kCookieBits)) & (0xFFFFFFFFu >> kCookieBits);
  if (diff >= kMaxAge) return -1;
  const std::uint32_t index = (cookie - cookie_hash(t, minute - diff, 1, secret)) & kCookieMask;
  return index < kMssTable.size() ? static_cast<int>(index) : -1;
}

}  // namespace report

// model/addressing.h — deterministic IPv4 addresses and client source ports.
//
// Every host, client group and balancer of a scenario has one IPv4 address, fixed by its
// index in the scenario (the scheme below, documented in docs/reuseport.md), and every
// connect() takes a source port from its client's ephemeral range in the order that
// client's OS walks it (Personality::ephemeral_ports). Randomness comes from the group's
// own seeded stream, so the ports are the same on every run and no other draw moves.
// A port stays in use while its connection is live; a port in use towards the same
// destination is skipped, as the kernels skip it. The 4-tuple is what a listener's
// SO_REUSEPORT group hashes (`inet_ehashfn`), and what a packet capture writes.
#pragma once

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>
#include <string>
#include <vector>

#include "model/connection.h"
#include "model/personality.h"
#include "model/spec.h"
#include "sim/random.h"

namespace model {

// An IPv4 address in host byte order (10.0.0.1 is 0x0A000001).
using Ipv4 = std::uint32_t;

// The scheme: hosts 10.0.0.0/16, client groups 10.1.0.0/16, balancers (their virtual
// address) 10.2.0.0/16, each numbered from .0.1 in scenario order.
constexpr Ipv4 host_address(std::uint32_t host) { return 0x0A000000u + host + 1; }
constexpr Ipv4 client_address(std::uint32_t group) { return 0x0A010000u + group + 1; }
constexpr Ipv4 balancer_address(std::uint32_t balancer) { return 0x0A020000u + balancer + 1; }
// Dotted quad: "10.0.0.1".
std::string format_ipv4(Ipv4 a);

namespace detail {
// x86 reads a network-byte-order value as its byte swap.
constexpr std::uint32_t as_be32(std::uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
}
constexpr std::uint16_t as_be16(std::uint16_t v) { return static_cast<std::uint16_t>((v >> 8) | (v << 8)); }

constexpr std::uint32_t kJhashInitval = 0xdeadbeef;  // JHASH_INITVAL

// include/linux/jhash.h __jhash_final.
constexpr void jhash_final(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c) {
  c ^= b;
  c -= std::rotl(b, 14);
  a ^= c;
  a -= std::rotl(c, 11);
  b ^= a;
  b -= std::rotl(a, 25);
  c ^= b;
  c -= std::rotl(b, 16);
  a ^= c;
  a -= std::rotl(c, 4);
  b ^= a;
  b -= std::rotl(a, 14);
  c ^= b;
  c -= std::rotl(b, 24);
}
}  // namespace detail

// include/linux/jhash.h jhash_3words.
std::uint32_t jhash_3words(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t initval);

// The hash Linux computes over a connection's 4-tuple (net/ipv4/inet_hashtables.c
// inet_ehashfn -> include/net/inet_ehashfn.h __inet_ehashfn): jhash_3words(laddr, faddr,
// lport << 16 | fport, secret), addresses and the foreign port as the kernel holds them
// (network byte order, read as a little-endian u32/u16 on x86), the local port in host
// order. `secret` stands for inet_ehash_secret + net_hash_mix (random per boot).
//
// A listening socket's half of it, (laddr, lport, secret), is fixed: EhashKey holds those
// words with jhash_3words' initial value added, so a SYN adds its foreign address and port
// and runs __jhash_final (lport << 16 | fport equals lport << 16 + fport: fport has 16 bits).
struct EhashKey {
  std::uint32_t iv = 0;  // secret + JHASH_INITVAL + (3 << 2)
  std::uint32_t a = 0;   // laddr + iv
  std::uint32_t c = 0;   // (lport << 16) + iv
};
constexpr EhashKey ehash_key(Ipv4 laddr, std::uint16_t lport, std::uint32_t secret) {
  const std::uint32_t iv = secret + detail::kJhashInitval + (3u << 2);
  return {iv, detail::as_be32(laddr) + iv, (static_cast<std::uint32_t>(lport) << 16) + iv};
}
constexpr std::uint32_t inet_ehashfn(const EhashKey& k, Ipv4 faddr, std::uint16_t fport) {
  std::uint32_t a = k.a;
  std::uint32_t b = detail::as_be32(faddr) + k.iv;
  std::uint32_t c = k.c + detail::as_be16(fport);
  detail::jhash_final(a, b, c);
  return c;
}
constexpr std::uint32_t inet_ehashfn(Ipv4 laddr, std::uint16_t lport, Ipv4 faddr, std::uint16_t fport,
                                     std::uint32_t secret) {
  return inet_ehashfn(ehash_key(laddr, lport, secret), faddr, fport);
}
// FreeBSD sys/libkern/jenkins_hash.c jenkins_hash32 (lookup3 hashword) of one 32-bit word,
// the address as the kernel holds it (network byte order): IN_ADDR_JHASH32.
std::uint32_t jenkins_hash32_word(Ipv4 addr, std::uint32_t seed);
// include/linux/kernel.h reciprocal_scale: maps a 32-bit hash to [0, n).
constexpr std::uint32_t reciprocal_scale(std::uint32_t value, std::uint32_t n) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(value) * n) >> 32);
}

// One client's ephemeral ports towards one destination (saddr, daddr, dport).
class EphemeralPortAllocator {
 public:
  EphemeralPortAllocator(const EphemeralPorts& range, Ipv4 saddr, Ipv4 daddr, std::uint16_t dport,
                         sim::RandomStream rng);

  // The source port of the next connect(), marked in use; 0 when every port of the range
  // is in use (the kernel's EADDRNOTAVAIL). Linux's walk mostly stops at the port it starts
  // at, or soon after it, within the same 64 ports: those cases are here, inline (the first
  // step of linux_walk_on's scan); a longer walk and the BSD order are out of line.
  std::uint16_t allocate() {
    if (in_use_ < remaining_) {  // remaining_ is 0 outside the Linux order
      const std::uint32_t start = linux_start();
      if (!in_use(static_cast<std::uint16_t>(start))) return linux_take(start, 0);
      const std::int32_t near = first_free_in_word(start, range_.low + remaining_, same_parity(start));
      if (near >= 0) return linux_take(static_cast<std::uint32_t>(near), static_cast<std::uint32_t>(near) - start);
      return linux_walk_on(start);
    }
    if (range_.order == PortOrder::kLinuxDoubleHash) return 0;  // nothing left to walk: -EADDRNOTAVAIL
    return random_start_increment();
  }
  // `port` is taken by another socket (bound explicitly): the walk skips it.
  void hold(std::uint16_t port) {
    if (!in_use(port)) mark(port);
  }
  // The connection that held `port` is gone. Requires: in use.
  void release(std::uint16_t port) {
    assert(in_use(port));
    used_[port >> 6] &= ~(std::uint64_t{1} << (port & 63));
    --in_use_;
  }
  bool in_use(std::uint16_t port) const { return (used_[port >> 6] >> (port & 63)) & 1u; }
  std::uint32_t in_use_count() const { return in_use_; }
  // A forged SYN's port offset: uniform in [0, 64512) from the same stream.
  std::uint32_t draw_forged() { return static_cast<std::uint32_t>(rng_.below(65536 - 1024)); }

  // __inet_hash_connect's walk starts at low + (table_perturb[index] + (port_offset >> 32))
  // % remaining, the low parity first: the port the next connect()'s walk starts at.
  // Requires: the Linux order.
  std::uint32_t linux_start() const {
    return std::uint32_t{range_.low} + (((perturb_ + offset_high_) % remaining_) & ~1u);
  }

 private:
  std::uint16_t linux_walk_on(std::uint32_t start);
  std::uint16_t random_start_increment();
  // The walk stops at `port`, `i` (ports walked times the step) past its start: "a little
  // bit of randomness to the next source port", i = max(i, random(8) * step), moves
  // table_perturb on; the port is taken. random(8) = get_random_u32_below(8): the top 3
  // bits of one draw, which is what RandomStream::below(8) returns (Lemire's method never
  // rejects for a power of two).
  std::uint16_t linux_take(std::uint32_t port, std::uint32_t i) {
    const auto r = static_cast<std::uint32_t>(rng_.next_u64() >> 61) * kLinuxStep;
    perturb_ += std::max(i, r) + kLinuxStep;
    mark(static_cast<std::uint16_t>(port));
    return static_cast<std::uint16_t>(port);
  }
  void mark(std::uint16_t port) {
    used_[port >> 6] |= std::uint64_t{1} << (port & 63);
    ++in_use_;
  }
  // The first port in [from, to) whose bit is clear and whose parity `mask` selects
  // (kEvenPorts, kOddPorts or kAnyPort), 64 ports at a time; -1 if none. The kernels walk
  // port by port; this finds the port their walk stops at.
  std::int32_t first_free(std::uint32_t from, std::uint32_t to, std::uint64_t mask) const;
  // first_free's look at the 64 ports of from's word: the first such port in [from, to)
  // and in that word, or -1.
  std::int32_t first_free_in_word(std::uint32_t from, std::uint32_t to, std::uint64_t mask) const {
    const std::uint32_t word = from >> 6;
    std::uint64_t free = ~used_[word] & mask & (~0ull << (from & 63));
    if (to < (word + 1) << 6) free &= (std::uint64_t{1} << (to & 63)) - 1;
    return free != 0 ? static_cast<std::int32_t>((word << 6) + static_cast<std::uint32_t>(std::countr_zero(free))) : -1;
  }
  static constexpr std::uint64_t kEvenPorts = 0x5555555555555555ull;  // bit k set for even k (port & 63 = k)
  static constexpr std::uint64_t kOddPorts = ~kEvenPorts;
  static constexpr std::uint64_t kAnyPort = ~0ull;
  static constexpr std::uint64_t same_parity(std::uint32_t port) { return (port & 1u) ? kOddPorts : kEvenPorts; }

  EphemeralPorts range_;
  sim::RandomStream rng_;
  // Linux: inet_sk_port_offset(sk) (secure_ipv4_port_ephemeral, a siphash keyed by a
  // per-boot secret, here a seeded keyed mix), and this destination's table_perturb entry
  // (random at boot: drawn from the stream).
  std::uint64_t port_offset_ = 0;
  std::uint32_t perturb_ = 0;
  // Linux: ip_local_port_range's count of ports, made even (step 2, both parities walk
  // the same count; 0 for the BSD order), and port_offset >> 32: fixed, so computed once.
  static constexpr std::uint32_t kLinuxStep = 2;
  std::uint32_t remaining_ = 0;
  std::uint32_t offset_high_ = 0;
  std::vector<std::uint64_t> used_;  // one bit per port 0..65535
  std::uint32_t in_use_ = 0;
};

// The part: one allocator per client group (a group always connects to one destination:
// its target host and port, or its balancer's virtual address and port).
class Addressing {
 public:
  explicit Addressing(const ScenarioSpec& spec);

  // Ports are drawn only where something reads them: a scenario with an SO_REUSEPORT group
  // (its hash takes the 4-tuple) from the start, or a run someone watches (explain, --pcap,
  // the viewer: turn_on() before the run starts). Each group's ports come from a stream of
  // their own and change no other draw, so a watched run sees the ports an unwatched one
  // would have drawn, and its results are the same bytes; an unwatched run without a group
  // skips the walk (about 81 instructions per connect(): README, "Performance").
  void turn_on() { on_ = true; }
  bool on() const { return on_; }

  // A new connect() of group `c.client`: its source port (c.src_port; 0 if the range is used up).
  void assign(Connection& c) {
    if (on_) c.src_port = groups_[c.client].allocate();
  }
  // A forged SYN's source port: uniform in 1024..65535, from the group's stream; not
  // tracked (nobody holds it).
  void assign_forged(Connection& c);
  // The connection's slot is freed: its port is free again.
  void release(const Connection& c) {
    if (!c.spoofed && c.src_port != 0) groups_[c.client].release(c.src_port);
  }

  Ipv4 source_address(const Connection& c) const { return client_address(c.client); }
  Ipv4 destination_address(const Connection& c) const { return host_address(c.host); }
  const EphemeralPortAllocator& group(std::uint32_t g) const { return groups_[g]; }

 private:
  std::vector<EphemeralPortAllocator> groups_;
  bool on_ = false;
};

}  // namespace model

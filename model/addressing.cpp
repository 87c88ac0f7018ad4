#include "model/addressing.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace model {

using detail::as_be32;
using detail::jhash_final;
using detail::kJhashInitval;

namespace {

// A keyed 64-bit mix of (saddr, daddr, dport): the stand-in for the kernel's siphash in
// secure_ipv4_port_ephemeral. Its key is random per boot there, so only its shape matters:
// one offset per destination, unrelated between destinations.
std::uint64_t keyed_offset(std::uint64_t key, Ipv4 saddr, Ipv4 daddr, std::uint16_t dport) {
  std::uint64_t s = key ^ ((static_cast<std::uint64_t>(saddr) << 32) | daddr);
  const std::uint64_t h = sim::splitmix64_next(s);
  s = h ^ dport;
  return sim::splitmix64_next(s);
}

}  // namespace

std::string format_ipv4(Ipv4 a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
         std::to_string(a & 255);
}

std::uint32_t jhash_3words(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t initval) {
  // __jhash_nwords(a, b, c, initval + JHASH_INITVAL + (3 << 2))
  const std::uint32_t iv = initval + kJhashInitval + (3u << 2);
  a += iv;
  b += iv;
  c += iv;
  jhash_final(a, b, c);
  return c;
}

std::uint32_t jenkins_hash32_word(Ipv4 addr, std::uint32_t seed) {
  // hashword(k, 1, initval): a = b = c = 0xdeadbeef + (1 << 2) + initval; a += k[0]; final.
  std::uint32_t a = kJhashInitval + (1u << 2) + seed;
  std::uint32_t b = a;
  std::uint32_t c = a;
  a += as_be32(addr);
  jhash_final(a, b, c);
  return c;
}

EphemeralPortAllocator::EphemeralPortAllocator(const EphemeralPorts& range, Ipv4 saddr, Ipv4 daddr, std::uint16_t dport,
                                               sim::RandomStream rng)
    : range_(range), rng_(rng), used_(65536 / 64, 0) {
  if (range_.order == PortOrder::kLinuxDoubleHash) {
    port_offset_ = keyed_offset(rng_.next_u64(), saddr, daddr, dport);
    perturb_ = static_cast<std::uint32_t>(rng_.next_u64());
    offset_high_ = static_cast<std::uint32_t>(port_offset_ >> 32);
    // [32768, 60999] -> 28232 ports
    remaining_ = std::uint32_t{range_.high} + 1 - range_.low;
    if (remaining_ > 1) remaining_ &= ~1u;
  }
}

std::int32_t EphemeralPortAllocator::first_free(std::uint32_t from, std::uint32_t to, std::uint64_t mask) const {
  while (from < to) {
    const std::int32_t found = first_free_in_word(from, to, mask);
    if (found >= 0) return found;
    from = ((from >> 6) + 1) << 6;
  }
  return -1;
}

// net/ipv4/inet_hashtables.c __inet_hash_connect, without a bound local port and with
// ip_local_port_range's default (not IP_LOCAL_PORT_RANGE: step 2, low parity first), from
// its first port `first` (allocate() takes it when free).
std::uint16_t EphemeralPortAllocator::linux_walk_on(std::uint32_t first) {
  const std::uint32_t low = range_.low;
  const std::uint32_t remaining = remaining_;
  std::uint32_t offset = first - low;
  const std::uint32_t end = low + remaining;
  for (;;) {
    // The walk: port = low + offset, += step, wrapping by `remaining`; a port in use goes to
    // next_port (check_established finds its 4-tuple). i counts the ports walked * step.
    const std::uint32_t start = low + offset;
    const std::uint64_t parity = same_parity(start);
    std::int32_t found =
        in_use(static_cast<std::uint16_t>(start)) ? first_free(start, end, parity) : static_cast<std::int32_t>(start);
    std::uint32_t i = 0;
    if (found >= 0) {
      i = static_cast<std::uint32_t>(found) - start;
    } else {
      // Past the end the walk goes on `remaining` lower: same parity, from the range's start.
      found = first_free(low + ((start - low) & 1u), start, parity);
      if (found >= 0) i = static_cast<std::uint32_t>(found) + remaining - start;
    }
    if (found >= 0) return linux_take(static_cast<std::uint32_t>(found), i);
    ++offset;  // other_parity_scan
    if (!(offset & 1u) || remaining <= 1) return 0;
  }
}

// FreeBSD in_pcb_lport_dest / XNU in_pcbbind with randomized ports: *lastport = first +
// random % (last - first); then ++*lastport (first again past last) until a port is free,
// at most last - first + 1 tries.
std::uint16_t EphemeralPortAllocator::random_start_increment() {
  const std::uint32_t first = range_.low;
  const std::uint32_t last = range_.high;
  const std::uint32_t lastport = first + static_cast<std::uint32_t>(rng_.below(last - first));
  std::int32_t found = first_free(lastport + 1, last + 1, kAnyPort);
  if (found < 0) found = first_free(first, lastport + 1, kAnyPort);
  if (found < 0) return 0;
  const auto port = static_cast<std::uint16_t>(found);
  mark(port);
  return port;
}

Addressing::Addressing(const ScenarioSpec& spec) {
  groups_.reserve(spec.clients.size());
  for (std::uint32_t i = 0; i < spec.clients.size(); ++i) {
    const ClientSpec& cs = spec.clients[i];
    const Ipv4 daddr = cs.balancer ? balancer_address(static_cast<std::uint32_t>(*cs.balancer))
                                   : host_address(static_cast<std::uint32_t>(cs.target_host));
    const int dport = cs.balancer ? spec.balancers[*cs.balancer].port : cs.target_port;
    groups_.emplace_back(client_personality(cs).ephemeral_ports(), client_address(i), daddr,
                         static_cast<std::uint16_t>(dport),
                         sim::RandomStream(spec.seed, "client/" + cs.name + "/ports"));
  }
  for (const HostSpec& h : spec.hosts) {
    for (const ListenerSpec& l : h.listeners) on_ = on_ || l.reuseport > 0;
  }
}

void Addressing::assign_forged(Connection& c) {
  if (!on_) return;
  // A forging tool draws its source ports at random from the non-reserved ones.
  c.src_port = static_cast<std::uint16_t>(1024 + groups_[c.client].draw_forged());
}

}  // namespace model

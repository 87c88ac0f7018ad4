// Client addresses and ephemeral source ports (model/addressing.h): the address scheme,
// the kernels' allocation orders, and the jhash that SO_REUSEPORT selection hashes with.
#include "model/addressing.h"

#include <catch2/catch.hpp>
#include <set>
#include <vector>

#include "model/personality.h"
#include "model/world.h"
#include "scenario_builder.h"
#include "sim/random.h"

using namespace model;

TEST_CASE("addresses follow the documented scheme", "[addressing]") {
  CHECK(format_ipv4(host_address(0)) == "10.0.0.1");
  CHECK(format_ipv4(host_address(255)) == "10.0.1.0");
  CHECK(format_ipv4(client_address(0)) == "10.1.0.1");
  CHECK(format_ipv4(client_address(3)) == "10.1.0.4");
  CHECK(format_ipv4(balancer_address(1)) == "10.2.0.2");
}

TEST_CASE("ephemeral ranges are each kernel's default", "[addressing][personality]") {
  // Linux net.ipv4.ip_local_port_range 32768 60999 (net/ipv4/af_inet.c inet_init_net).
  const EphemeralPorts linux_ports = Personality(Os::kLinux, default_knobs(Os::kLinux)).ephemeral_ports();
  CHECK(linux_ports.low == 32768);
  CHECK(linux_ports.high == 60999);
  CHECK(linux_ports.order == PortOrder::kLinuxDoubleHash);
  // FreeBSD sys/netinet/in.h IPPORT_EPHEMERALFIRST/LAST.
  const EphemeralPorts bsd = Personality(Os::kFreeBSD, default_knobs(Os::kFreeBSD)).ephemeral_ports();
  CHECK(bsd.low == 10000);
  CHECK(bsd.high == 65535);
  // XNU IPPORT_HIFIRSTAUTO/HILASTAUTO; Windows' dynamic port range.
  for (Os os : {Os::kMacOS, Os::kWindows}) {
    const EphemeralPorts p = Personality(os, default_knobs(os)).ephemeral_ports();
    CHECK(p.low == 49152);
    CHECK(p.high == 65535);
    CHECK(p.order == PortOrder::kRandomStartIncrement);
  }
}

namespace {

EphemeralPortAllocator allocator(Os os, std::uint64_t seed = 7) {
  return EphemeralPortAllocator(Personality(os, default_knobs(os)).ephemeral_ports(), client_address(0),
                                host_address(0), 80, sim::RandomStream(seed));
}

}  // namespace

TEST_CASE("Linux __inet_hash_connect: even ports first, then odd, EADDRNOTAVAIL when all are taken",
          "[addressing][linux]") {
  // net/ipv4/inet_hashtables.c __inet_hash_connect: step 2 from an even offset over
  // [32768, 61000[ (remaining = 28232), then other_parity_scan.
  EphemeralPortAllocator a = allocator(Os::kLinux);
  std::set<std::uint16_t> seen;
  for (int i = 0; i < 14116; ++i) {
    const std::uint16_t p = a.allocate();
    REQUIRE(p % 2 == 0);
    REQUIRE(p >= 32768);
    REQUIRE(p <= 60999);
    REQUIRE(seen.insert(p).second);
  }
  for (int i = 0; i < 14116; ++i) {
    const std::uint16_t p = a.allocate();
    REQUIRE(p % 2 == 1);
    REQUIRE(p <= 60999);
    REQUIRE(seen.insert(p).second);
  }
  CHECK(a.in_use_count() == 28232);
  CHECK(a.allocate() == 0);
  a.release(32770);
  CHECK(a.allocate() == 32770);  // the one free port is found wherever the walk starts
}

TEST_CASE("Linux: consecutive connects step by i + 2 plus at most 14 of random", "[addressing][linux]") {
  // With no port in use the walk succeeds at i = 0, so table_perturb grows by
  // max(0, random(8) * 2) + 2 in {2, 4, ..., 16}: the next port is that far ahead.
  EphemeralPortAllocator a = allocator(Os::kLinux);
  std::uint16_t prev = a.allocate();
  std::set<int> steps;
  for (int i = 0; i < 2000; ++i) {
    const std::uint16_t p = a.allocate();
    a.release(prev);
    int d = int{p} - int{prev};
    if (d < 0) d += 28232;
    REQUIRE(d % 2 == 0);
    REQUIRE(d >= 2);
    REQUIRE(d <= 16);
    steps.insert(d);
    prev = p;
  }
  CHECK(steps.size() == 8);  // all eight values of random(8) occur
}

TEST_CASE("Linux: a port in use is skipped, the walk goes on at step 2", "[addressing][linux]") {
  // Two allocators with the same stream start their walk at the same port; where that
  // port is taken, __inet_hash_connect goes to next_port: port + step.
  EphemeralPortAllocator a = allocator(Os::kLinux, 11);
  const std::uint16_t first = a.allocate();
  EphemeralPortAllocator b = allocator(Os::kLinux, 11);
  b.hold(first);
  const std::uint16_t expected = first + 2 > 60999 ? static_cast<std::uint16_t>(first + 2 - 28232) : first + 2;
  CHECK(b.allocate() == expected);
  // BSD: ++ from the same random start, so the next port up.
  EphemeralPortAllocator f1 = allocator(Os::kFreeBSD, 11);
  const std::uint16_t f = f1.allocate();
  EphemeralPortAllocator f2 = allocator(Os::kFreeBSD, 11);
  f2.hold(f);
  CHECK(f2.allocate() == (f == 65535 ? 10000 : f + 1));
}

TEST_CASE("BSD in_pcb_lport_dest: random start, ++ until free, wraps to first", "[addressing][freebsd]") {
  EphemeralPortAllocator a = allocator(Os::kFreeBSD);
  std::set<std::uint16_t> seen;
  for (int i = 0; i < 55536; ++i) {
    const std::uint16_t p = a.allocate();
    REQUIRE(p >= 10000);
    REQUIRE(seen.insert(p).second);
  }
  CHECK(a.allocate() == 0);  // count exhausted: EADDRNOTAVAIL
  // A random start per connect: ports of consecutive connects are spread over the range.
  EphemeralPortAllocator m = allocator(Os::kMacOS);
  std::uint16_t lo = 65535;
  std::uint16_t hi = 0;
  for (int i = 0; i < 200; ++i) {
    const std::uint16_t p = m.allocate();
    REQUIRE(p >= 49152);
    lo = std::min(lo, p);
    hi = std::max(hi, p);
  }
  CHECK(hi - lo > 12000);  // 200 uniform draws over 16383 ports span nearly all of it
}

TEST_CASE("jhash_3words matches the kernel's include/linux/jhash.h", "[addressing][linux]") {
  // Values computed with an independent transcription of jhash.h (__jhash_final,
  // JHASH_INITVAL 0xdeadbeef, initval + JHASH_INITVAL + (3 << 2)) in Python:
  // tests/tools/jhash_reference.py.
  CHECK(jhash_3words(0, 0, 0, 0) == 0x1b68e557u);
  CHECK(jhash_3words(1, 2, 3, 4) == 0x8103143fu);
  CHECK(jhash_3words(0x0100000a, 0x0101000a, (80u << 16) | 0x0080, 0x12345678) == 0xa1e5c1e4u);
  CHECK(reciprocal_scale(0xFFFFFFFFu, 4) == 3);
  CHECK(reciprocal_scale(0x40000000u, 4) == 1);
  CHECK(reciprocal_scale(0x3FFFFFFFu, 4) == 0);
}

TEST_CASE("inet_ehashfn with the listening half folded in is jhash_3words over the kernel's words",
          "[addressing][linux]") {
  // include/net/inet_ehashfn.h __inet_ehashfn: jhash_3words((__force u32)laddr,
  // (__force u32)faddr, ((u32)lport) << 16 | (__force __u32)fport, initval), the addresses
  // and the foreign port in network byte order (read little-endian on x86). A group adds
  // the fixed (laddr, lport, secret) once (ehash_key); the sum must give the same word for
  // every foreign port, the extremes included, and any address and secret.
  sim::RandomStream rng(7, "ehash");
  const auto be32 = [](std::uint32_t v) {
    return ((v & 0xFF) << 24) | ((v & 0xFF00) << 8) | ((v >> 8) & 0xFF00) | (v >> 24);
  };
  const auto be16 = [](std::uint32_t v) { return ((v & 0xFF) << 8) | (v >> 8); };
  for (int k = 0; k < 1000; ++k) {
    const auto laddr = static_cast<Ipv4>(rng.next_u64());
    const auto faddr = static_cast<Ipv4>(rng.next_u64());
    const auto secret = static_cast<std::uint32_t>(rng.next_u64());
    const auto lport = static_cast<std::uint16_t>(k == 0 ? 65535 : rng.below(65536));
    const auto fport = static_cast<std::uint16_t>(k == 0 ? 65535 : k == 1 ? 0 : rng.below(65536));
    const std::uint32_t kernel =
        jhash_3words(be32(laddr), be32(faddr), (std::uint32_t{lport} << 16) | be16(fport), secret);
    CHECK(inet_ehashfn(ehash_key(laddr, lport, secret), faddr, fport) == kernel);
    CHECK(inet_ehashfn(laddr, lport, faddr, fport, secret) == kernel);
  }
}

TEST_CASE("a run gives every connect a source port, never two live ones alike", "[addressing][world]") {
  static_assert(sizeof(Connection) <= 64, "a connection stays within one cache line");
  // 500 connects at one instant: all in flight together, so all their ports differ.
  const ScenarioSpec spec =
      test::scenario({test::host("srv", Os::kLinux, test::backlog(4096), 1)},
                     {test::client("c", Os::kFreeBSD, 0, test::simultaneous(500))}, sim::seconds(1));
  struct Watch final : TraceObserver {
    std::vector<std::uint16_t> ports;
    void on_event(const TraceEvent& e) override {
      if (e.kind == TraceKind::kConnect) ports.push_back(e.src_port);
    }
  } watch;
  RunControl control;
  control.observer = &watch;
  (void)run_scenario(spec, control);
  REQUIRE(watch.ports.size() == 500);
  const std::set<std::uint16_t> distinct(watch.ports.begin(), watch.ports.end());
  CHECK(distinct.size() == 500);
  for (std::uint16_t p : watch.ports) {
    CHECK(p >= 10000);  // the client's (FreeBSD's) range
  }
}

namespace {

// net/ipv4/inet_hashtables.c __inet_hash_connect's walk, port by port as the kernel writes
// it (step 2, `port -= remaining` past the range, other_parity_scan), from the port it
// starts at: the port it stops at and its i (ports walked times the step), or port 0.
struct KernelWalk {
  std::uint32_t port = 0;
  std::uint32_t i = 0;
};
KernelWalk kernel_walk(std::uint32_t start, std::uint32_t low, std::uint32_t remaining, const std::vector<bool>& used) {
  const std::uint32_t high = low + remaining;
  std::uint32_t offset = start - low;
  for (;;) {
    std::uint32_t port = low + offset;
    for (std::uint32_t i = 0; i < remaining; i += 2, port += 2) {
      if (port >= high) port -= remaining;
      if (!used[port]) return {port, i};
    }
    ++offset;
    if (!(offset & 1u) || remaining <= 1) return {};
  }
}

}  // namespace

TEST_CASE("Linux: the walk's port and its i are __inet_hash_connect's, port by port, at any occupancy",
          "[addressing][linux]") {
  // allocate() finds the walk's stop 64 ports at a time, the first word inline; a kernel
  // walking port by port from the same start must stop at the same port, and table_perturb
  // must move on by max(i, random(8) * 2) + 2: the next start is that far on (mod the
  // range), exactly i + 2 past a walk of 7 ports or more, between i + 2 and 16 otherwise.
  const double occupancy = GENERATE(0.0, 0.5, 0.9, 0.999, 1.0);
  const EphemeralPorts range = Personality(Os::kLinux, default_knobs(Os::kLinux)).ephemeral_ports();
  const std::uint32_t low = range.low;
  const std::uint32_t remaining = (range.high + 1u - range.low) & ~1u;
  EphemeralPortAllocator a = allocator(Os::kLinux, 13);
  std::vector<bool> used(65536, false);
  sim::RandomStream pick(5, "occupancy");
  std::vector<std::uint16_t> live;
  for (std::uint32_t p = low; p < low + remaining; ++p) {
    // occupancy 1.0: every even port held, so every walk goes on to the odd ones.
    const bool hold = occupancy == 1.0 ? p % 2 == 0 : pick.uniform01() < occupancy;
    if (!hold) continue;
    a.hold(static_cast<std::uint16_t>(p));
    used[p] = true;
  }
  int walked = 0;
  int other_parity = 0;
  for (int k = 0; k < 3000; ++k) {
    const std::uint32_t start = a.linux_start();
    const KernelWalk expected = kernel_walk(start, low, remaining, used);
    const std::uint16_t port = a.allocate();
    REQUIRE(port == expected.port);
    if (port == 0) break;
    used[port] = true;
    live.push_back(port);
    walked += port != start;
    other_parity += (port ^ start) & 1u;
    const std::uint32_t moved = (a.linux_start() - start + remaining) % remaining;
    if (expected.i >= 14) {
      REQUIRE(moved == expected.i + 2);
    } else {
      REQUIRE(moved >= expected.i + 2);
      REQUIRE(moved <= 16);
    }
    // Keep the occupancy: a live port of this run's (at random) is released.
    if (live.size() > 8) {
      const auto j = static_cast<std::size_t>(pick.below(live.size()));
      a.release(live[j]);
      used[live[j]] = false;
      live[j] = live.back();
      live.pop_back();
    }
  }
  if (occupancy >= 0.9) CHECK(walked > 1000);        // the walks this checks happened
  if (occupancy == 1.0) CHECK(other_parity > 1000);  // and went on to the odd ports
}

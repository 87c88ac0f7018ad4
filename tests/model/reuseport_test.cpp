// SO_REUSEPORT listener groups (model/reuseport.h, Personality::reuseport_rule/select):
// which socket a SYN finds on each kernel, the kernel's array order as sockets close and
// listen again, no fallback when the chosen socket is full, and what closing one socket
// does with tcp_migrate_req 0 and 1. Expected selections come from an independent
// transcription of the kernels' hashes (tests/tools/jhash_reference.py).
#include <cmath>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "model/addressing.h"
#include "model/personality.h"
#include "model/reuseport.h"
#include "model/world.h"
#include "scenario_builder.h"

using namespace model;

namespace {

Personality personality(Os os) { return Personality(os, default_knobs(os)); }

constexpr std::uint32_t kSecret = 0x12345678;

}  // namespace

TEST_CASE("Linux picks socks[reciprocal_scale(inet_ehashfn(4-tuple), n)]", "[reuseport][linux]") {
  // net/ipv4/inet_hashtables.c inet_lookup_reuseport -> net/core/sock_reuseport.c
  // reuseport_select_sock_by_hash. Server 10.0.0.1:80, client 10.1.0.1.
  const Personality p = personality(Os::kLinux);
  const ReuseportChoice a = p.reuseport_select(host_address(0), 80, client_address(0), 40000, kSecret, 4);
  CHECK(a.hash == 0x56c30179u);
  CHECK(a.index == 1);
  CHECK(p.reuseport_select(host_address(0), 80, client_address(0), 40002, kSecret, 4).index == 0);
  CHECK(p.reuseport_select(host_address(0), 80, client_address(0), 32768, kSecret, 3).index == 0);
  CHECK(p.reuseport_rule().balance == ReuseportBalance::kHash4Tuple);
}

TEST_CASE("FreeBSD SO_REUSEPORT_LB picks il_inp[(jenkins(faddr) ^ lport ^ fport) % n]", "[reuseport][freebsd]") {
  // sys/netinet/in_pcb.c in_pcblookup_lbgroup, INP_PCBLBGROUP_PKTHASH (in_pcb.h).
  const Personality p = personality(Os::kFreeBSD);
  CHECK(p.reuseport_select(host_address(0), 80, client_address(0), 40000, kSecret, 4).hash == 0x64a36b05u);
  CHECK(p.reuseport_select(host_address(0), 80, client_address(0), 40000, kSecret, 4).index == 1);
  CHECK(p.reuseport_select(host_address(0), 80, client_address(0), 40001, kSecret, 4).index == 0);
  CHECK(p.reuseport_select(host_address(0), 80, client_address(0), 40002, kSecret, 4).index == 3);
  CHECK(p.reuseport_select(host_address(0), 80, client_address(0), 40003, kSecret, 3).index == 1);
}

TEST_CASE("macOS SO_REUSEPORT does not balance: the socket that listened last gets the SYN", "[reuseport][macos]") {
  // XNU bsd/netinet/in_pcb.c in_pcbinshash (LIST_INSERT_HEAD), in_pcblookup_hash.
  const Personality p = personality(Os::kMacOS);
  for (const int port : {40000, 40001, 50000}) {
    CHECK(p.reuseport_select(host_address(0), 80, client_address(0), static_cast<std::uint16_t>(port), kSecret, 4)
              .index == 3);
  }
  CHECK(personality(Os::kWindows).reuseport_rule().balance == ReuseportBalance::kNone);
}

TEST_CASE("a group's array: listen appends, close moves the last socket into the hole", "[reuseport][linux]") {
  // net/core/sock_reuseport.c __reuseport_add_sock, __reuseport_detach_sock.
  ReuseportGroups groups(1);
  const std::uint32_t g = groups.add(0, 80, 4, personality(Os::kLinux), kSecret);
  for (std::uint32_t s : {10u, 11u, 12u, 13u}) groups.join(g, s);
  groups.leave(g, 11);
  CHECK(groups[g].socks == std::vector<std::uint32_t>{10, 13, 12});
  groups.join(g, 11);
  CHECK(groups[g].socks == std::vector<std::uint32_t>{10, 13, 12, 11});
}

TEST_CASE("a group's memo of choices gives the kernel's choice, and forgets it when the group changes size",
          "[reuseport][linux][freebsd]") {
  // A group notes each (client, source port)'s socket index on its first SYN. Every later
  // SYN must find the socket inet_ehashfn + reciprocal_scale (Linux) or
  // INP_PCBLBGROUP_PKTHASH % n (FreeBSD) picks for the sockets listening then, written here
  // from the kernels' words (jhash_3words, jenkins_hash32_word: their values are pinned in
  // addressing_test.cpp), for ports at random and at the extremes, after sockets leave and
  // join, and for clients past the memo budget and groups too big for a byte.
  const auto be32 = [](std::uint32_t v) {
    return ((v & 0xFF) << 24) | ((v & 0xFF00) << 8) | ((v >> 8) & 0xFF00) | (v >> 24);
  };
  const auto be16 = [](std::uint32_t v) { return ((v & 0xFF) << 8) | (v >> 8); };
  const Os os = GENERATE(Os::kLinux, Os::kFreeBSD);
  const std::uint32_t size = GENERATE(1u, 3u, 8u, 255u, 256u);
  constexpr std::uint32_t kClients = ReuseportGroups::kMaxMemos + 6;
  constexpr int kPort = 8080;
  const auto kernel_index = [&](std::uint32_t client, std::uint16_t fport, std::uint32_t n) -> std::uint32_t {
    if (os == Os::kLinux) {
      const std::uint32_t h = jhash_3words(be32(host_address(2)), be32(client_address(client)),
                                           (std::uint32_t{kPort} << 16) | be16(fport), kSecret);
      return reciprocal_scale(h, n);
    }
    return (jenkins_hash32_word(client_address(client), kSecret) ^ (kPort ^ fport)) % n;
  };
  ReuseportGroups groups(kClients);
  const std::uint32_t g = groups.add(2, kPort, size, personality(os), kSecret);
  for (std::uint32_t s = 0; s < size; ++s) groups.join(g, 1000 + s);
  sim::RandomStream rng(3, "memo");
  std::vector<Connection> asked;
  for (std::uint32_t client = 0; client < kClients; ++client) {
    for (const int port : {0, 1, 1023, 1024, 32768, 60999, 65534, 65535}) {
      Connection c;
      c.client = client;
      c.src_port = static_cast<std::uint16_t>(port);
      asked.push_back(c);
    }
  }
  for (int k = 0; k < 4000; ++k) {
    Connection c;
    c.client = static_cast<std::uint32_t>(rng.below(kClients));
    c.src_port = static_cast<std::uint16_t>(rng.below(65536));
    asked.push_back(c);
  }
  const auto check_all = [&] {
    const std::vector<std::uint32_t>& socks = groups[g].socks;
    for (int round = 0; round < 2; ++round) {  // the first asks fill the memos, the second reads them
      for (const Connection& c : asked) {
        const std::uint32_t expected =
            socks.empty() ? kNoListener
                          : socks[kernel_index(c.client, c.src_port, static_cast<std::uint32_t>(socks.size()))];
        REQUIRE(groups.select(g, c) == expected);
      }
    }
  };
  check_all();
  CHECK(groups.memo_count() == (size <= ReuseportChoiceMemo::kMaxSockets ? ReuseportGroups::kMaxMemos : 0u));
  groups.leave(g, 1000);  // the last socket takes its place, one fewer listens
  check_all();
  groups.join(g, 1000);
  check_all();
  for (std::uint32_t s = 0; s < size; ++s) groups.leave(g, 1000 + s);
  check_all();  // nobody listens: no socket, whatever the memos held
  groups.join(g, 1001);
  check_all();
}

TEST_CASE("tcp_migrate_req: 0 resets a closed socket's requests, 1 moves them", "[reuseport][linux]") {
  // net/core/sock_reuseport.c reuseport_stop_listen_sock / reuseport_migrate_sock,
  // net/ipv4/inet_connection_sock.c inet_csk_listen_stop.
  KernelKnobs k = default_knobs(Os::kLinux);
  CHECK_FALSE(Personality(Os::kLinux, k).reuseport_rule().migrate_accepted);
  k.tcp_migrate_req = 1;
  CHECK(Personality(Os::kLinux, k).reuseport_rule().migrate_accepted);
  CHECK(Personality(Os::kLinux, k).reuseport_rule().migrate_requests);
  // FreeBSD: the syncache is not the listener's; completed connections are aborted.
  CHECK(personality(Os::kFreeBSD).reuseport_rule().migrate_requests);
  CHECK_FALSE(personality(Os::kFreeBSD).reuseport_rule().migrate_accepted);
}

namespace {

// A Linux server whose port 80 is a reuseport group of 4 sockets with backlog 8, one
// worker each (service 1 ms); socket 2's worker stalls for the whole run. `count` clients
// connect at one instant from one Linux client host.
ScenarioSpec stalled_group(std::int64_t count, std::int64_t migrate = 0) {
  HostSpec h = test::host("srv", Os::kLinux, test::backlog(8), 1, sim::ConstantDist{sim::milliseconds(1)});
  h.listeners[0].reuseport = 4;
  h.kernel.tcp_syncookies = 0;  // a full queue drops: the share is counted in drops
  h.kernel.tcp_migrate_req = migrate;
  ScenarioSpec s = test::scenario({h}, {test::client("c", Os::kLinux, 0, test::one_by_one(count))}, sim::seconds(3));
  FaultSpec stall;
  stall.kind = FaultKind::kStall;
  stall.at = sim::Time::zero();
  stall.length = sim::seconds(10);
  stall.host = 0;
  stall.port = 80;
  stall.socket = 2;
  s.faults.push_back(stall);
  return s;
}

}  // namespace

TEST_CASE("a full socket drops its share while its siblings accept everything: no fallback", "[reuseport][world]") {
  constexpr std::int64_t kConnects = 2000;
  const RunResults r = run_scenario(stalled_group(kConnects));
  REQUIRE(r.listeners.size() == 4);
  std::uint64_t syns = 0;
  for (const ListenerResults& l : r.listeners) {
    CHECK(l.reuseport_sockets == 4);
    syns += l.syns_received;
    if (l.reuseport_socket == 2) {
      CHECK(l.accepted == 0);
      CHECK(l.syns_dropped > 0);  // its queues filled (8 + 8) and every later SYN of its share drops
    } else {
      CHECK(l.syns_dropped == 0);
      CHECK(l.listen_overflows == 0);
    }
  }
  // Each first SYN is hashed: each socket's share of the 2000 connects is binomial(2000,
  // 1/4) around 500, sd = sqrt(2000 * 1/4 * 3/4) = 19.4; 99.9%: +-3.29 sd = +-64.
  // (Retransmitted SYNs of the stalled socket's share go to it again: its count is larger.)
  for (const ListenerResults& l : r.listeners) {
    if (l.reuseport_socket == 2) continue;
    CHECK(std::fabs(static_cast<double>(l.accepted) - 500.0) <= 64.0);
  }
  CHECK(syns >= static_cast<std::uint64_t>(kConnects));
}

TEST_CASE("restarting one socket: tcp_migrate_req=0 resets its queue, 1 hands it to siblings", "[reuseport][world]") {
  // Socket 2 is stalled, so its accept queue holds 8 connections when it restarts at 1 s.
  for (const std::int64_t migrate : {0, 1}) {
    ScenarioSpec s = stalled_group(400, migrate);
    FaultSpec restart;
    restart.kind = FaultKind::kRestart;
    restart.at = sim::Time::zero() + sim::seconds(1);
    restart.length = sim::milliseconds(100);
    restart.host = 0;
    restart.port = 80;
    restart.socket = 2;
    s.faults.push_back(restart);
    const RunResults r = run_scenario(s);
    std::uint64_t migrated = 0;
    for (const ListenerResults& l : r.listeners) migrated += l.requests_migrated;
    const ClientResults& c = r.clients.at(0);
    if (migrate == 0) {
      CHECK(migrated == 0);
      CHECK(c.counts.reset >= 8);  // inet_child_forget: the queued children get RST
    } else {
      CHECK(migrated >= 8);  // its 8 queued connections (and any half-open requests)
    }
  }
}

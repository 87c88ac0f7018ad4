// model/reuseport.h — SO_REUSEPORT listener groups: several sockets bound to one port.
//
// A listener with `reuseport: N` is N listening sockets on one port of one host, each
// with its own SYN and accept queues, backlog and workers (each a Listener slot). The
// group keeps the kernel's array of the sockets listening now, in the kernel's order: a
// socket that listens is appended, one that closes is replaced by the last
// (net/core/sock_reuseport.c reuseport_add_sock / __reuseport_detach_sock; FreeBSD
// in_pcbinslbgrouphash / in_pcbremlbgrouphash). Which socket a SYN finds is the host's
// Personality's rule (reuseport_select): a full queue on that socket drops or cookies the
// SYN while its siblings are empty; nothing falls back to another socket.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "model/addressing.h"
#include "model/connection.h"
#include "model/personality.h"

namespace model {

constexpr std::uint32_t kNoGroup = UINT32_MAX;

// What of a group's socket choice does not depend on the SYN: the personality's rule, and
// the listening side's half of the hash (its address, port and the host's secret), folded
// in once when the group is made rather than on every SYN.
struct ReuseportKey {
  ReuseportBalance balance = ReuseportBalance::kNone;
  std::uint16_t lport = 0;
  std::uint32_t secret = 0;  // the host's hash secret (inet_ehash_secret / in_pcbhashseed)
  EhashKey ehash;            // kHash4Tuple: inet_ehashfn's listening half
};
constexpr ReuseportKey reuseport_key(ReuseportBalance balance, Ipv4 laddr, std::uint16_t lport, std::uint32_t secret) {
  return {balance, lport, secret, ehash_key(laddr, lport, secret)};
}

// Which of `sockets` (> 0) listening sockets a segment from (faddr, fport) finds: the
// rule Personality::reuseport_select names, computed per SYN.
inline ReuseportChoice reuseport_choose(const ReuseportKey& k, Ipv4 faddr, std::uint16_t fport, std::uint32_t sockets) {
  ReuseportChoice c;
  c.sockets = sockets;
  switch (k.balance) {
    case ReuseportBalance::kHash4Tuple:
      [[likely]] {
        // inet_lookup_reuseport: phash = inet_ehashfn(net, daddr, hnum, saddr, sport);
        // reuseport_select_sock_by_hash: socks[reciprocal_scale(hash, num_socks)] (a TCP
        // listener is never TCP_ESTABLISHED; SO_INCOMING_CPU is not set).
        c.hash = inet_ehashfn(k.ehash, faddr, fport);
        c.index = reciprocal_scale(c.hash, sockets);
        break;
      }
    case ReuseportBalance::kHashForeignPorts:
      // INP_PCBLBGROUP_PKTHASH(faddr, lport, fport) = IN_ADDR_JHASH32(faddr) ^
      // ntohs(lport ^ fport), modulo il_inpcnt; IN_ADDR_JHASH32 is jenkins_hash32 of the
      // address word seeded by in_pcbhashseed.
      c.hash = jenkins_hash32_word(faddr, k.secret) ^ static_cast<std::uint32_t>(k.lport ^ fport);
      c.index = c.hash % sockets;
      break;
    case ReuseportBalance::kLastListening: c.index = sockets - 1; break;
    case ReuseportBalance::kNone: break;
  }
  return c;
}

// A memo of one (group, client address) pair's choices, indexed by the client's source
// port: each entry is the socket index reuseport_choose gave that port plus one, 0 until a
// SYN from the port first asks. A client group keeps one address, so its SYNs differ only
// in the port: after a port's first SYN its choice is one load, not a jhash per SYN (README,
// "Performance"). Every entry depends on the number of sockets listening, so a group's
// memos are emptied whenever a socket joins or leaves it (and then hold no choice while
// no socket listens).
struct ReuseportChoiceMemo {
  static constexpr std::uint32_t kMaxSockets = 255;  // an entry is one byte
  std::array<std::uint8_t, 65536> index_plus_one{};
};

struct ReuseportGroup {
  std::uint32_t host = 0;
  int port = 0;
  std::uint32_t size = 0;            // sockets configured (`reuseport: N`)
  ReuseportKey key;                  // how a SYN picks one of socks
  std::vector<std::uint32_t> socks;  // Listener slots listening now, in the kernel's array order
  // One per client group: null until that client's first SYN to the group, and for clients
  // past ReuseportGroups::kMaxMemos (they run reuseport_choose per SYN).
  std::vector<std::unique_ptr<ReuseportChoiceMemo>> memos;
};

class ReuseportGroups {
 public:
  // At most this many memos (64 KiB each) in a run, 4 MiB in all: a scenario with more
  // (group, client) pairs computes the choice for the rest, the same choice.
  static constexpr std::uint32_t kMaxMemos = 64;

  // Groups that `clients` client groups (numbered from 0) may connect to.
  explicit ReuseportGroups(std::uint32_t clients) : clients_(clients) {}

  // A new group of `size` sockets on (host, port) of a host with personality `p` and hash
  // secret `secret`; returns its index.
  std::uint32_t add(std::uint32_t host, int port, std::uint32_t size, const Personality& p, std::uint32_t secret);
  // Listener `slot` of group `g` listens: appended to the array.
  void join(std::uint32_t g, std::uint32_t slot);
  // Listener `slot` of group `g` closed: the array's last socket takes its place.
  void leave(std::uint32_t g, std::uint32_t slot);

  // The Listener slot a segment of connection `c` finds in group `g` (kNoListener if no
  // socket of it listens). The server's view of the 4-tuple: local = the host's address and
  // the port, foreign = the client group's address and its source port. Inline: it runs
  // per SYN, and its cost must not depend on the group's size.
  // Requires: c.client below the constructor's `clients`.
  std::uint32_t select(std::uint32_t g, const Connection& c) {
    ReuseportGroup& group = groups_[g];
    if (const ReuseportChoiceMemo* memo = group.memos[c.client].get()) {
      const std::uint8_t known = memo->index_plus_one[c.src_port];
      if (known != 0) return group.socks[known - 1u];
    }
    return choose_and_note(group, c.client, c.src_port);
  }

  const ReuseportGroup& operator[](std::uint32_t g) const { return groups_[g]; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(groups_.size()); }
  // Memos made so far, in all groups (at most kMaxMemos).
  std::uint32_t memo_count() const { return memos_; }

 private:
  // The Listener slot reuseport_choose gives (client's address, port), noted in the
  // pair's memo when it has one or may get one; kNoListener if no socket listens.
  std::uint32_t choose_and_note(ReuseportGroup& group, std::uint32_t client, std::uint16_t port);
  static void forget_choices(ReuseportGroup& group);

  std::vector<ReuseportGroup> groups_;
  std::uint32_t clients_ = 0;
  std::uint32_t memos_ = 0;
};

}  // namespace model

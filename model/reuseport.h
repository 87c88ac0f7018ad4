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

#include <cstdint>
#include <vector>

#include "model/addressing.h"
#include "model/connection.h"
#include "model/personality.h"

namespace model {

constexpr std::uint32_t kNoGroup = UINT32_MAX;

struct ReuseportGroup {
  std::uint32_t host = 0;
  int port = 0;
  std::uint32_t size = 0;            // sockets configured (`reuseport: N`)
  std::uint32_t secret = 0;          // the host's hash secret (inet_ehash_secret / in_pcbhashseed)
  std::vector<std::uint32_t> socks;  // Listener slots listening now, in the kernel's array order
};

class ReuseportGroups {
 public:
  // A new group of `size` sockets on (host, port); returns its index.
  std::uint32_t add(std::uint32_t host, int port, std::uint32_t size, std::uint32_t secret);
  // Listener `slot` of group `g` listens: appended to the array.
  void join(std::uint32_t g, std::uint32_t slot);
  // Listener `slot` of group `g` closed: the array's last socket takes its place.
  void leave(std::uint32_t g, std::uint32_t slot);

  // The Listener slot a segment of connection `c` finds in group `g` (kNoListener if no
  // socket of it listens), and the choice that picked it.
  std::uint32_t select(std::uint32_t g, const Personality& p, const Connection& c, ReuseportChoice* choice) const;

  const ReuseportGroup& operator[](std::uint32_t g) const { return groups_[g]; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(groups_.size()); }

 private:
  std::vector<ReuseportGroup> groups_;
};

}  // namespace model

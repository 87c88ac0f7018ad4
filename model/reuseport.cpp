#include "model/reuseport.h"

#include <algorithm>
#include <cassert>

namespace model {

std::uint32_t ReuseportGroups::add(std::uint32_t host, int port, std::uint32_t size, const Personality& p,
                                   std::uint32_t secret) {
  ReuseportGroup g;
  g.host = host;
  g.port = port;
  g.size = size;
  g.key = reuseport_key(p.reuseport_balance(), host_address(host), static_cast<std::uint16_t>(port), secret);
  g.socks.reserve(size);
  groups_.push_back(std::move(g));
  return static_cast<std::uint32_t>(groups_.size() - 1);
}

// net/core/sock_reuseport.c __reuseport_add_sock: reuse->socks[reuse->num_socks++] = sk.
void ReuseportGroups::join(std::uint32_t g, std::uint32_t slot) {
  std::vector<std::uint32_t>& socks = groups_[g].socks;
  assert(std::find(socks.begin(), socks.end(), slot) == socks.end());
  socks.push_back(slot);
}

// net/core/sock_reuseport.c __reuseport_detach_sock: socks[i] = socks[num_socks - 1];
// num_socks--. (FreeBSD in_pcbremlbgrouphash does the same.)
void ReuseportGroups::leave(std::uint32_t g, std::uint32_t slot) {
  std::vector<std::uint32_t>& socks = groups_[g].socks;
  const auto it = std::find(socks.begin(), socks.end(), slot);
  assert(it != socks.end());
  *it = socks.back();
  socks.pop_back();
}

}  // namespace model

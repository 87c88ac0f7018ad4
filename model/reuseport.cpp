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
  g.memos.resize(clients_);
  groups_.push_back(std::move(g));
  return static_cast<std::uint32_t>(groups_.size() - 1);
}

// net/core/sock_reuseport.c __reuseport_add_sock: reuse->socks[reuse->num_socks++] = sk.
void ReuseportGroups::join(std::uint32_t g, std::uint32_t slot) {
  std::vector<std::uint32_t>& socks = groups_[g].socks;
  assert(std::find(socks.begin(), socks.end(), slot) == socks.end());
  socks.push_back(slot);
  forget_choices(groups_[g]);
}

// net/core/sock_reuseport.c __reuseport_detach_sock: socks[i] = socks[num_socks - 1];
// num_socks--. (FreeBSD in_pcbremlbgrouphash does the same.)
void ReuseportGroups::leave(std::uint32_t g, std::uint32_t slot) {
  std::vector<std::uint32_t>& socks = groups_[g].socks;
  const auto it = std::find(socks.begin(), socks.end(), slot);
  assert(it != socks.end());
  *it = socks.back();
  socks.pop_back();
  forget_choices(groups_[g]);
}

std::uint32_t ReuseportGroups::choose_and_note(ReuseportGroup& group, std::uint32_t client, std::uint16_t port) {
  const auto sockets = static_cast<std::uint32_t>(group.socks.size());
  if (sockets == 0) return kNoListener;
  const std::uint32_t index = reuseport_choose(group.key, client_address(client), port, sockets).index;
  std::unique_ptr<ReuseportChoiceMemo>& memo = group.memos[client];
  if (!memo && memos_ < kMaxMemos && sockets <= ReuseportChoiceMemo::kMaxSockets) {
    memo = std::make_unique<ReuseportChoiceMemo>();
    ++memos_;
  }
  if (memo) memo->index_plus_one[port] = static_cast<std::uint8_t>(index + 1);
  return group.socks[index];
}

// The choices were made for another number of sockets.
void ReuseportGroups::forget_choices(ReuseportGroup& group) {
  for (const std::unique_ptr<ReuseportChoiceMemo>& memo : group.memos) {
    if (memo) memo->index_plus_one.fill(0);
  }
}

}  // namespace model

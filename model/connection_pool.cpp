#include "model/connection_pool.h"

#include <cassert>

namespace model {

std::uint32_t ConnectionPool::allocate(std::uint32_t client) {
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(conns_.size());
    conns_.emplace_back();
  }
  Connection& c = conns_[slot];
  const std::uint32_t generation = c.generation;
  c = Connection{};
  c.generation = generation;
  c.client = client;
  c.live = true;
  count_one();
  return slot;
}

void ConnectionPool::release(std::uint32_t slot) {
  Connection& c = conns_[slot];
  assert(c.live && c.server_state == ServerState::kNone);
  if (c.flow_open) balancers_.end_flow(c);
  addressing_.release(c);
  c.live = false;
  ++c.generation;
  free_slots_.push_back(slot);
  --in_flight_;
}

void ConnectionPool::release_if_idle(std::uint32_t slot) {
  const Connection& c = conns_[slot];
  if (c.client_state == ClientState::kDone && c.server_state == ServerState::kNone) release(slot);
}

}  // namespace model

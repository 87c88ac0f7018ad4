// model/connection_pool.h — the connections in flight, by slot.
//
// Every connect() (and every forged SYN) takes a slot; the slot is freed when neither end
// holds anything more for it. Slots are reused, newest freed first, and each reuse bumps
// the slot's generation, so that a timer or segment still on its way for the previous
// occupant is recognised as stale and does nothing. The pool also enforces the run's
// in-flight limit: past it, the engine is asked to stop after the current event. The limit
// counts the live slots and the attempts scheduled for later (hold_pending()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/addressing.h"
#include "model/balancer.h"
#include "model/connection.h"
#include "sim/engine.h"
#include "sim/timer_lanes.h"

namespace model {

class ConnectionPool final : public sim::StaleFilter {
 public:
  // Releasing a connection a balancer still counts ends its flow there; its client's
  // source port is free again.
  ConnectionPool(sim::Engine& engine, Balancers& balancers, Addressing& addressing)
      : engine_(engine), balancers_(balancers), addressing_(addressing) {}

  Connection& operator[](std::uint32_t slot) { return conns_[slot]; }
  const Connection& operator[](std::uint32_t slot) const { return conns_[slot]; }
  // Slots ever used (live or free): iterate 0..size() for a deterministic order.
  std::uint32_t size() const { return static_cast<std::uint32_t>(conns_.size()); }

  // A fresh connection of client group `client`, reaching no listener yet.
  std::uint32_t allocate(std::uint32_t client);
  // Requires: live, and the server holds nothing for it.
  void release(std::uint32_t slot);
  // Frees a slot that neither end needs any more.
  void release_if_idle(std::uint32_t slot);

  // Whether the connection a timer or segment `arg` (pack()) belongs to is gone for good:
  // its slot was released or reused. Such an event does nothing.
  bool stale(std::uint64_t arg) const override {
    const Unpacked u = unpack(arg);
    const Connection& c = conns_[u.slot];
    return !c.live || (c.generation & 0xFFFFFFu) != u.generation;
  }

  // Connections in flight, and attempts waiting to be made (an application's retry timer, a
  // closed-population user thinking): each of these holds memory too, so each counts
  // against the limit.
  std::size_t in_flight() const { return in_flight_; }
  // An attempt scheduled for later (it holds its chain and an engine event).
  void hold_pending() { count_one(); }
  // That attempt is being made now (it takes a slot) or is no longer due.
  void drop_pending() { --in_flight_; }
  void set_limit(std::size_t limit) { limit_ = limit; }
  bool limit_hit() const { return limit_hit_; }

 private:
  // One more held; past the limit the engine stops after this event.
  void count_one() {
    if (++in_flight_ > limit_ && !limit_hit_) {
      limit_hit_ = true;
      engine_.stop();  // after this event: the run ends here, cut short
    }
  }

  sim::Engine& engine_;
  Balancers& balancers_;
  Addressing& addressing_;
  std::vector<Connection> conns_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t in_flight_ = 0;
  std::size_t limit_ = SIZE_MAX;
  bool limit_hit_ = false;
};

}  // namespace model

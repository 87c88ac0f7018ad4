// sim/event_queue.h — the pending-event set.
//
// Events are plain 32-byte values ordered by (time, sequence number): two events at the
// same instant leave in the order they were scheduled, never by address or hash. The
// queue is an implicit 4-ary min-heap in one vector: no allocation per event once the
// vector has grown, and a shallower tree than a binary heap (fewer cache misses per pop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/time.h"

namespace sim {

class Engine;

// Receives events. A handler is an object of the model (a listener, a client group);
// `arg` says which of its things the event is about (a connection slot, a timer kind).
class EventHandler {
 public:
  virtual void handle(Engine& engine, std::uint64_t arg) = 0;

 protected:
  ~EventHandler() = default;
};

struct Event {
  Time at;
  std::uint64_t seq = 0;
  EventHandler* target = nullptr;
  std::uint64_t arg = 0;
};

inline bool fires_before(const Event& a, const Event& b) {
  return a.at < b.at || (a.at == b.at && a.seq < b.seq);
}

class EventQueue {
 public:
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  void reserve(std::size_t n) { heap_.reserve(n); }
  // Requires: !empty().
  const Event& top() const { return heap_.front(); }

  void push(const Event& e) {
    std::size_t i = heap_.size();
    heap_.push_back(e);
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!fires_before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  // Removes and returns the earliest event. Requires: !empty().
  Event pop() {
    const Event first = heap_.front();
    const Event last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return first;
    std::size_t i = 0;
    for (;;) {
      const std::size_t child0 = i * kArity + 1;
      if (child0 >= n) break;
      const std::size_t end = child0 + kArity < n ? child0 + kArity : n;
      std::size_t best = child0;
      for (std::size_t c = child0 + 1; c < end; ++c) {
        if (fires_before(heap_[c], heap_[best])) best = c;
      }
      if (!fires_before(heap_[best], last)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = last;
    return first;
  }

  void clear() { heap_.clear(); }

 private:
  static constexpr std::size_t kArity = 4;
  std::vector<Event> heap_;
};

}  // namespace sim

// sim/event_queue.h — the pending-event set.
//
// Events are plain 32-byte values ordered by (time, sequence number): two events at the
// same instant leave in the order they were scheduled, never by address or hash. The
// queue is an implicit 4-ary min-heap in one vector: no allocation per event once the
// vector has grown, and a shallower tree than a binary heap (fewer cache misses per pop).
//
// Layout and pop() are tuned for large queues, where every level below the cached top
// of the heap costs a memory access (measured with bench/event_queue_bench.cpp): the
// vector is 128-byte aligned and starts with three unused slots, so the four children of
// a node (4 × 32 bytes) fill exactly two cache lines; the smallest child is chosen
// without branches (which child wins is a coin toss the branch predictor loses); and
// the grandchildren are prefetched one level ahead, overlapping the next level's miss
// with this level's work.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <new>
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

inline bool fires_before(const Event& a, const Event& b) { return a.at < b.at || (a.at == b.at && a.seq < b.seq); }

namespace detail {

__extension__ typedef unsigned __int128 EventKey;

// (time, seq) as one unsigned 128-bit number with the same order as fires_before():
// flipping the sign bit of the time turns signed order into unsigned order. One wide
// comparison instead of two dependent ones.
inline EventKey event_key(const Event& e) {
  const std::uint64_t time_bits = static_cast<std::uint64_t>(e.at.ns()) ^ (std::uint64_t{1} << 63);
  return (static_cast<EventKey>(time_bits) << 64) | e.seq;
}

template <class T, std::size_t Align>
struct AlignedAllocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = AlignedAllocator<U, Align>;
  };
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U, Align>&) noexcept {}  // NOLINT: allocators convert implicitly
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{Align})); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete (p, std::align_val_t{Align}); }
  friend bool operator==(const AlignedAllocator&, const AlignedAllocator&) { return true; }
};

}  // namespace detail

class EventQueue {
 public:
  EventQueue() : heap_(kPad) {}

  bool empty() const { return heap_.size() == kPad; }
  std::size_t size() const { return heap_.size() - kPad; }
  void reserve(std::size_t n) { heap_.reserve(n + kPad); }
  // Requires: !empty().
  const Event& top() const {
    assert(!empty());
    return heap_[kPad];
  }

  void push(const Event& e) {
    const Event ev = e;  // `e` may live in heap_, which push_back can move
    heap_.push_back(ev);
    Event* const h = nodes();
    const detail::EventKey key = detail::event_key(ev);
    std::size_t i = size() - 1;
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (key >= detail::event_key(h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = ev;
  }

  // Removes and returns the earliest event. Requires: !empty().
  Event pop() {
    assert(!empty());
    Event* const h = nodes();
    const Event first = h[0];
    const Event last = heap_.back();
    heap_.pop_back();
    const std::size_t n = size();
    if (n == 0) return first;
    // Sift `last` down from the root: move the smallest child up while it fires first.
    const detail::EventKey last_key = detail::event_key(last);
    std::size_t i = 0;
    for (;;) {
      const std::size_t child0 = i * kArity + 1;
      if (child0 >= n) break;
      prefetch_grandchildren(h, i, n);
      std::size_t best = child0;
      detail::EventKey best_key = detail::event_key(h[child0]);
      if (child0 + kArity <= n) {
        // A tournament of conditional moves over the four children.
        const detail::EventKey k1 = detail::event_key(h[child0 + 1]);
        const detail::EventKey k2 = detail::event_key(h[child0 + 2]);
        const detail::EventKey k3 = detail::event_key(h[child0 + 3]);
        const bool right_of_first_pair = k1 < best_key;
        const detail::EventKey min01 = right_of_first_pair ? k1 : best_key;
        const std::size_t idx01 = child0 + (right_of_first_pair ? 1 : 0);
        const bool right_of_second_pair = k3 < k2;
        const detail::EventKey min23 = right_of_second_pair ? k3 : k2;
        const std::size_t idx23 = child0 + (right_of_second_pair ? 3 : 2);
        const bool second_pair = min23 < min01;
        // A mask rather than `?:`, which the compiler may turn back into a branch.
        const std::size_t take23 = std::size_t{0} - static_cast<std::size_t>(second_pair);
        best = idx01 ^ ((idx01 ^ idx23) & take23);
        best_key = second_pair ? min23 : min01;
      } else {
        for (std::size_t c = child0 + 1; c < n; ++c) {
          const detail::EventKey k = detail::event_key(h[c]);
          if (k < best_key) {
            best = c;
            best_key = k;
          }
        }
      }
      if (best_key >= last_key) break;
      h[i] = h[best];
      i = best;
    }
    h[i] = last;
    return first;
  }

  void clear() { heap_.resize(kPad); }

 private:
  static constexpr std::size_t kArity = 4;
  // Node p lives at heap_[p + kPad]; its children 4p+1..4p+4 then start at a multiple
  // of 4 elements, i.e. on a 128-byte boundary.
  static constexpr std::size_t kPad = kArity - 1;
  static constexpr std::size_t kEventsPerLine = 64 / sizeof(Event);
  static_assert(sizeof(Event) == 32, "the layout above assumes 32-byte events");

  Event* nodes() { return heap_.data() + kPad; }

  // The 16 grandchildren of node i are contiguous (nodes 16i+5 .. 16i+20).
  static void prefetch_grandchildren(const Event* h, std::size_t i, std::size_t n) {
    const std::size_t first = i * kArity * kArity + kArity + 1;
    const std::size_t end = std::min(first + kArity * kArity, n);
    for (std::size_t g = first; g < end; g += kEventsPerLine) __builtin_prefetch(h + g);
  }

  std::vector<Event, detail::AlignedAllocator<Event, 128>> heap_;
};

}  // namespace sim

// sim/engine.h — the discrete-event run loop.
//
// An Engine owns simulated time and the pending events; it knows nothing of what the
// events mean. Many engines may live in one process (tests, parallel sweeps): there is
// no global state. Events scheduled for the same instant run in scheduling order.
// Not thread-safe: one engine is driven by one thread at a time.
//
// Events scheduled for the current instant (zero delay) skip the heap: they go to a FIFO
// that runs after the heap's events at that instant. This keeps the (time, sequence)
// order exactly: every heap event at now() was scheduled before now() was reached, so
// its sequence number is smaller than any event scheduled during now().
#pragma once

#include <cassert>
#include <cstdint>
#include <vector>

#include "sim/event_queue.h"
#include "sim/time.h"

namespace sim {

namespace detail {

// A FIFO of events on a ring buffer that doubles when full: push and pop are a store, a
// load and a mask, with no allocation once it has grown to the largest burst of a run
// (std::deque allocates and frees a block every few hundred events).
class EventFifo {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  const Event& front() const { return ring_[head_]; }
  void pop_front() {
    head_ = (head_ + 1) & (ring_.size() - 1);
    --size_;
  }
  void push_back(const Event& e) {
    if (size_ == ring_.size()) grow();
    ring_[(head_ + size_) & (ring_.size() - 1)] = e;
    ++size_;
  }

 private:
  void grow() {
    std::vector<Event> bigger(ring_.empty() ? 64 : 2 * ring_.size());
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = ring_[(head_ + i) & (ring_.size() - 1)];
    ring_ = std::move(bigger);
    head_ = 0;
  }
  std::vector<Event> ring_;  // its size is zero or a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace detail

enum class StopReason {
  kExhausted,   // no event left
  kTimeLimit,   // the next event lies after the requested end
  kEventLimit,  // the event budget was used up
  kStopped,     // a handler called stop()
};

class Engine {
 public:
  Time now() const { return now_; }
  std::uint64_t events_processed() const { return processed_; }
  std::size_t pending() const { return queue_.size() + now_queue_.size(); }
  void reserve(std::size_t n) { queue_.reserve(n); }

  // Requires: at >= now().
  void schedule_at(Time at, EventHandler& target, std::uint64_t arg = 0) {
    assert(at >= now_);
    const Event e{at, next_seq_++, &target, arg};
    if (at == now_) {
      now_queue_.push_back(e);
    } else {
      queue_.push(e);
    }
  }
  void schedule_in(Duration delay, EventHandler& target, std::uint64_t arg = 0) {
    schedule_at(now_ + delay, target, arg);
  }

  // Runs the earliest pending event. Returns false if there was none.
  bool step() {
    Event e;
    if (!queue_.empty() && (now_queue_.empty() || queue_.top().at == now_)) {
      e = queue_.pop();
    } else if (!now_queue_.empty()) {
      e = now_queue_.front();
      now_queue_.pop_front();
    } else {
      return false;
    }
    now_ = e.at;
    ++processed_;
    e.target->handle(*this, e.arg);
    return true;
  }

  // Runs every event with time <= end, then sets now() to end (unless stopped early).
  StopReason run_until(Time end) {
    stop_requested_ = false;
    while (!now_queue_.empty() || (!queue_.empty() && queue_.top().at <= end)) {
      if (processed_ >= event_limit_) return StopReason::kEventLimit;
      step();
      if (stop_requested_) return StopReason::kStopped;
    }
    if (end != Time::never() && now_ < end) now_ = end;
    return pending() == 0 ? StopReason::kExhausted : StopReason::kTimeLimit;
  }

  StopReason run() { return run_until(Time::never()); }

  // Asks the loop to return after the current event.
  void stop() { stop_requested_ = true; }

  // The loop returns kEventLimit once this many events have been processed in total.
  void set_event_limit(std::uint64_t limit) { event_limit_ = limit; }

 private:
  EventQueue queue_;
  detail::EventFifo now_queue_;  // events at now_, in scheduling order
  Time now_ = Time::zero();
  std::uint64_t next_seq_ = 0;
  std::uint64_t processed_ = 0;
  std::uint64_t event_limit_ = UINT64_MAX;
  bool stop_requested_ = false;
};

}  // namespace sim

// sim/timer_lanes.h — timers set a fixed delay ahead, kept out of the event heap.
//
// Timers set `delay` after the instant they are set have due times in the order they were
// set (now + delay, or a rounding of it up to a timer tick, which keeps that order): a FIFO
// per (handler, delay) holds them, and only its head is an engine event. Most such timers
// are cancelled long before they fire (a retransmission timer whose answer arrives); a
// lane keeps them out of the heap, where they would make every push and pop slower.
// Entries due at one instant run in the order they were set, when the lane's event comes
// up, as a kernel's timer wheel runs a tick's timers together.
//
// What an entry's `arg` means is the caller's; a StaleFilter says which entries belong to
// something gone for good, so that a lane drops them unrun instead of keeping them queued:
// a lane's memory is bounded by about twice its live entries, however far ahead its
// delay, and dropping never changes which events run or when.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "sim/engine.h"
#include "sim/time.h"

namespace sim {

class StaleFilter {
 public:
  // Whether the entry `arg` can only do nothing when it comes up (its owner is gone).
  virtual bool stale(std::uint64_t arg) const = 0;

 protected:
  ~StaleFilter() = default;
};

class TimerLanes {
 public:
  // Beyond this many lanes (looked up one by one), timers go to the heap: a caller with
  // many distinct delays gains nothing from lanes.
  static constexpr std::size_t kMaxLanes = 64;
  // A lane holds at most about twice its live entries plus this many.
  static constexpr std::size_t kCompactSlack = 64;

  // `engine` and `filter` must outlive the lanes.
  TimerLanes(Engine& engine, const StaleFilter& filter) : engine_(engine), filter_(filter) {}
  TimerLanes(const TimerLanes&) = delete;
  TimerLanes& operator=(const TimerLanes&) = delete;

  // Runs target.handle(arg) at `at`, which must be `delay` after now, or the rounding of
  // that up to a timer tick (so that due times in one lane never decrease). Should one
  // arrive out of order anyway, it goes to the engine's heap: never wrong, only slower.
  void set(EventHandler& target, Duration delay, Time at, std::uint64_t arg);

  // Entries held in all lanes (live and not yet dropped stale ones).
  std::size_t queued() const;

 private:
  struct Lane final : EventHandler {
    const StaleFilter* filter = nullptr;
    EventHandler* target = nullptr;
    Duration delay;
    std::deque<std::pair<Time, std::uint64_t>> due;  // (due, arg), non-decreasing
    bool armed = false;
    // When `due` reaches this size, every stale entry in it is dropped (amortised O(1) per
    // set: the next sweep waits until the lane has doubled).
    std::size_t compact_at = kCompactSlack;
    void handle(Engine& engine, std::uint64_t) override;
    void drop_stale();
  };

  Engine& engine_;
  const StaleFilter& filter_;
  std::vector<std::unique_ptr<Lane>> lanes_;  // few: one per distinct (handler, delay)
};

}  // namespace sim

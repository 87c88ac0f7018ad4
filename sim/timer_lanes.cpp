#include "sim/timer_lanes.h"

namespace sim {

void TimerLanes::set(EventHandler& target, Duration delay, Time at, std::uint64_t arg) {
  Lane* lane = nullptr;
  for (const auto& l : lanes_) {
    if (l->target == &target && l->delay == delay) lane = l.get();
  }
  if (!lane && lanes_.size() >= kMaxLanes) {
    engine_.schedule_at(at, target, arg);
    return;
  }
  if (!lane) {
    lanes_.push_back(std::make_unique<Lane>());
    lane = lanes_.back().get();
    lane->filter = &filter_;
    lane->target = &target;
    lane->delay = delay;
  }
  if (!lane->due.empty() && at < lane->due.back().first) {
    engine_.schedule_at(at, target, arg);
    return;
  }
  lane->drop_stale();
  lane->due.emplace_back(at, arg);
  if (!lane->armed) {  // it was empty
    lane->armed = true;
    engine_.schedule_at(at, *lane);
  }
}

std::size_t TimerLanes::queued() const {
  std::size_t n = 0;
  for (const auto& l : lanes_) n += l->due.size();
  return n;
}

// The entries that can only do nothing go, so that a lane holds about what is live: a
// long delay (connect_timeout: 1h) would otherwise keep every cancelled timer of the hour.
// The last entry stays whatever it is: whether the lane is empty, and the due time a new
// entry is compared with, are then the same as if nothing had been dropped, and so is
// every event the lane schedules (a stale entry, run, does nothing).
// Only when the lane has doubled since it was last compacted: the scan then costs O(1)
// per entry set, and nothing is asked of the filter on the hot path in between.
void TimerLanes::Lane::drop_stale() {
  if (due.size() < compact_at) return;
  const auto last = due.back();
  due.pop_back();
  std::erase_if(due, [&](const std::pair<Time, std::uint64_t>& e) { return filter->stale(e.second); });
  due.push_back(last);
  compact_at = 2 * due.size() + kCompactSlack;
}

// Runs every entry now due. The lane stays armed meanwhile, so that the timers those
// entries set (into this lane too) are only appended; then it drops the entries that are
// stale (they could only return at once) and re-arms for its new head.
void TimerLanes::Lane::handle(Engine& engine, std::uint64_t) {
  while (!due.empty() && due.front().first <= engine.now()) {
    const std::uint64_t arg = due.front().second;
    due.pop_front();
    target->handle(engine, arg);
  }
  while (!due.empty() && filter->stale(due.front().second)) due.pop_front();
  armed = !due.empty();
  if (armed) engine.schedule_at(due.front().first, *this);
}

}  // namespace sim

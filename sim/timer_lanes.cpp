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
  lane->due.emplace_back(at, arg);
  if (!lane->armed) {  // it was empty
    lane->armed = true;
    engine_.schedule_at(at, *lane);
  }
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

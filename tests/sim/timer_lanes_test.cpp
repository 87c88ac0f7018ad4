// Tests of sim/timer_lanes.h: timers held in per-(handler, delay) FIFOs fire exactly when
// and in the order the engine's heap would fire them, and stale ones are dropped unrun.
#include "sim/timer_lanes.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "sim/engine.h"

using sim::Engine;
using sim::Time;
using sim::TimerLanes;

namespace {

struct Seen {
  Time at;
  std::uint64_t arg;
  bool operator==(const Seen&) const = default;
};

class Recorder final : public sim::EventHandler {
 public:
  void handle(Engine& engine, std::uint64_t arg) override {
    seen.push_back(Seen{engine.now(), arg});
    if (on_event) on_event(engine, arg);
  }
  std::vector<Seen> seen;
  std::function<void(Engine&, std::uint64_t)> on_event;
};

// Entries listed in `gone` are stale.
class GoneSet final : public sim::StaleFilter {
 public:
  bool stale(std::uint64_t arg) const override { return gone.count(arg) > 0; }
  std::set<std::uint64_t> gone;
};

Time at_ms(std::int64_t ms) { return Time::zero() + sim::milliseconds(ms); }

}  // namespace

TEST_CASE("timer lanes fire each timer at its due time, in the order set", "[timer_lanes]") {
  Engine engine;
  GoneSet none;
  TimerLanes lanes(engine, none);
  Recorder r;
  // Two delays (two lanes) interleaved; a timer set by a firing one joins its lane's tail.
  lanes.set(r, sim::milliseconds(10), at_ms(10), 1);
  lanes.set(r, sim::milliseconds(5), at_ms(5), 2);
  lanes.set(r, sim::milliseconds(10), at_ms(10), 3);
  r.on_event = [&](Engine& e, std::uint64_t arg) {
    if (arg == 2) lanes.set(r, sim::milliseconds(5), e.now() + sim::milliseconds(5), 4);
  };
  engine.run();
  const std::vector<Seen> expected = {{at_ms(5), 2}, {at_ms(10), 1}, {at_ms(10), 3}, {at_ms(10), 4}};
  CHECK(r.seen == expected);
}

TEST_CASE("a timer due before its lane's tail goes to the heap and still fires on time", "[timer_lanes]") {
  Engine engine;
  GoneSet none;
  TimerLanes lanes(engine, none);
  Recorder r;
  lanes.set(r, sim::milliseconds(10), at_ms(12), 1);  // rounded up to a tick
  lanes.set(r, sim::milliseconds(10), at_ms(10), 2);  // earlier than the tail
  engine.run();
  const std::vector<Seen> expected = {{at_ms(10), 2}, {at_ms(12), 1}};
  CHECK(r.seen == expected);
}

TEST_CASE("stale entries behind a lane's head are dropped unrun", "[timer_lanes]") {
  Engine engine;
  GoneSet filter;
  TimerLanes lanes(engine, filter);
  Recorder r;
  const Time half = Time::zero() + sim::microseconds(500);
  lanes.set(r, sim::milliseconds(1), at_ms(1), 1);
  engine.schedule_at(half, r, 100);
  r.on_event = [&](Engine& e, std::uint64_t arg) {
    if (arg != 100) return;
    lanes.set(r, sim::milliseconds(1), e.now() + sim::milliseconds(1), 2);
    lanes.set(r, sim::milliseconds(1), e.now() + sim::milliseconds(1), 3);
    filter.gone = {2};
  };
  engine.run();
  // After running 1, the lane drops 2 (stale) from its head and re-arms for 3.
  const std::vector<Seen> expected = {{half, 100}, {at_ms(1), 1}, {half + sim::milliseconds(1), 3}};
  CHECK(r.seen == expected);
}

TEST_CASE("past kMaxLanes distinct delays, timers go to the heap", "[timer_lanes]") {
  Engine engine;
  GoneSet none;
  TimerLanes lanes(engine, none);
  Recorder r;
  const auto n = static_cast<std::int64_t>(TimerLanes::kMaxLanes) + 10;
  for (std::int64_t i = n; i >= 1; --i) lanes.set(r, sim::milliseconds(i), at_ms(i), static_cast<std::uint64_t>(i));
  engine.run();
  REQUIRE(r.seen.size() == static_cast<std::size_t>(n));
  for (std::int64_t i = 1; i <= n; ++i)
    CHECK(r.seen[static_cast<std::size_t>(i - 1)] == Seen{at_ms(i), static_cast<std::uint64_t>(i)});
}

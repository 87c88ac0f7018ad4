// Tests of sim/timer_lanes.h: timers held in per-(handler, delay) FIFOs fire exactly when
// and in the order the engine's heap would fire them, and stale ones are dropped unrun.
#include "sim/timer_lanes.h"

#include <catch2/catch.hpp>

#include <algorithm>
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

TEST_CASE("cancelled timers behind a far-away head do not accumulate", "[timer_lanes]") {
  // A connect timeout of an hour, set by a million attempts that each end a millisecond
  // later: the lane may hold only about what is live (here one entry at a time), not the
  // hour's million.
  Engine engine;
  GoneSet filter;
  TimerLanes lanes(engine, filter);
  Recorder r;
  const sim::Duration hour = sim::seconds(3600);
  std::size_t most = 0;
  for (std::uint64_t k = 1; k <= 1'000'000; ++k) {
    if (k > 1) filter.gone.insert(k - 1);  // the previous attempt ended
    lanes.set(r, hour, engine.now() + hour, k);
    most = std::max(most, lanes.queued());
  }
  CHECK(most <= 2 * 2 + TimerLanes::kCompactSlack);
  engine.run();
  // The live one fires at its time. The stale entries the lane still held (fewer than its
  // compaction bound, against the million set) come up with it, and their handler ignores
  // them, as World's do.
  std::vector<Seen> live;
  for (const Seen& s : r.seen) {
    if (!filter.stale(s.arg)) live.push_back(s);
  }
  CHECK(r.seen.size() <= 2 * 2 + TimerLanes::kCompactSlack);
  CHECK(live == std::vector<Seen>{Seen{Time::zero() + hour, 1'000'000}});
}

TEST_CASE("dropping stale entries never changes which timers fire, or when", "[timer_lanes]") {
  // Against the engine's heap alone (every timer an event, a stale one ignored when it
  // fires): the same live timers at the same instants, whatever is stale, for many random
  // interleavings.
  const std::uint64_t seed = GENERATE(1u, 2u, 3u, 4u, 5u);
  std::uint64_t state = seed * 0x9E3779B97F4A7C15ull;
  const auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  struct Step {
    std::int64_t advance_us;
    int delay_ms;
    bool kill_earlier;
    std::uint64_t victim;
  };
  std::vector<Step> steps;
  for (int i = 0; i < 5000; ++i) {
    steps.push_back(
        Step{static_cast<std::int64_t>(next() % 300), static_cast<int>(1 + next() % 3) * 100, next() % 4 != 0, next()});
  }
  const auto run = [&](bool with_lanes) {
    Engine engine;
    GoneSet filter;
    TimerLanes lanes(engine, filter);
    Recorder r;
    std::vector<Seen> live;
    r.on_event = [&](Engine& e, std::uint64_t arg) {
      if (arg == 0) return;  // the driver
      if (!filter.stale(arg)) live.push_back(Seen{e.now(), arg});
    };
    std::size_t i = 0;
    Recorder driver;
    driver.on_event = [&](Engine& e, std::uint64_t) {
      const Step& st = steps[i];
      const std::uint64_t id = i + 1;
      if (st.kill_earlier && id > 1) filter.gone.insert(1 + st.victim % (id - 1));
      const sim::Duration d = sim::milliseconds(st.delay_ms);
      if (with_lanes) {
        lanes.set(r, d, e.now() + d, id);
      } else {
        e.schedule_at(e.now() + d, r, id);
      }
      if (++i < steps.size()) e.schedule_at(e.now() + sim::microseconds(steps[i].advance_us), driver, 0);
    };
    engine.schedule_at(Time::zero(), driver, 0);
    engine.run();
    return live;
  };
  // (Ties between lanes at one instant may run in another order than the heap's; the
  // comparison is of what fires when.)
  const auto by_time = [](const Seen& a, const Seen& b) { return a.at < b.at || (a.at == b.at && a.arg < b.arg); };
  std::vector<Seen> heap = run(false);
  std::vector<Seen> laned = run(true);
  std::sort(heap.begin(), heap.end(), by_time);
  std::sort(laned.begin(), laned.end(), by_time);
  CHECK(heap.size() > 100);
  CHECK(laned == heap);
}

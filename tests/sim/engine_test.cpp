#include "sim/engine.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

using sim::Engine;
using sim::StopReason;
using sim::Time;

namespace {

// Records every event it receives and optionally reacts to it.
class Recorder final : public sim::EventHandler {
 public:
  struct Seen {
    Time at;
    std::uint64_t arg;
    bool operator==(const Seen&) const = default;
  };

  void handle(Engine& engine, std::uint64_t arg) override {
    seen.push_back(Seen{engine.now(), arg});
    if (on_event) on_event(engine, arg);
  }

  std::vector<Seen> seen;
  std::function<void(Engine&, std::uint64_t)> on_event;
};

Time at_ms(std::int64_t ms) { return Time::zero() + sim::milliseconds(ms); }

}  // namespace

TEST_CASE("a new engine", "[engine]") {
  Engine engine;
  CHECK(engine.now() == Time::zero());
  CHECK(engine.pending() == 0);
  CHECK(engine.events_processed() == 0);
  CHECK_FALSE(engine.step());
  CHECK(engine.run() == StopReason::kExhausted);
  CHECK(engine.now() == Time::zero());
}

TEST_CASE("run_until runs events up to and including the end", "[engine]") {
  Engine engine;
  Recorder r;
  engine.schedule_at(at_ms(1), r, 1);
  engine.schedule_at(at_ms(10), r, 10);
  engine.schedule_at(at_ms(5), r, 5);
  engine.schedule_at(at_ms(11), r, 11);

  CHECK(engine.run_until(at_ms(10)) == StopReason::kTimeLimit);
  CHECK(r.seen == std::vector<Recorder::Seen>{{at_ms(1), 1}, {at_ms(5), 5}, {at_ms(10), 10}});
  CHECK(engine.now() == at_ms(10));
  CHECK(engine.pending() == 1);
  CHECK(engine.events_processed() == 3);

  SECTION("now() moves to the end even when no event lies there") {
    CHECK(engine.run_until(at_ms(10) + sim::microseconds(500)) == StopReason::kTimeLimit);
    CHECK(engine.now() == at_ms(10) + sim::microseconds(500));
    CHECK(r.seen.size() == 3);
  }
  SECTION("running past the last event exhausts the queue and still ends at the end") {
    CHECK(engine.run_until(at_ms(20)) == StopReason::kExhausted);
    CHECK(r.seen.back() == Recorder::Seen{at_ms(11), 11});
    CHECK(engine.now() == at_ms(20));
  }
  SECTION("run() stops at the last event's time") {
    CHECK(engine.run() == StopReason::kExhausted);
    CHECK(engine.now() == at_ms(11));
  }
}

TEST_CASE("step runs exactly one event", "[engine]") {
  Engine engine;
  Recorder r;
  engine.schedule_in(sim::milliseconds(3), r, 3);
  engine.schedule_in(sim::milliseconds(2), r, 2);
  CHECK(engine.step());
  CHECK(engine.now() == at_ms(2));
  CHECK(r.seen.size() == 1);
  CHECK(engine.step());
  CHECK(engine.now() == at_ms(3));
  CHECK_FALSE(engine.step());
  CHECK(engine.now() == at_ms(3));
  CHECK(engine.events_processed() == 2);
}

TEST_CASE("stop() returns after the current event", "[engine]") {
  Engine engine;
  Recorder r;
  r.on_event = [](Engine& e, std::uint64_t arg) {
    if (arg == 2) e.stop();
  };
  for (std::uint64_t i = 1; i <= 4; ++i) engine.schedule_at(at_ms(static_cast<std::int64_t>(i)), r, i);
  CHECK(engine.run_until(at_ms(100)) == StopReason::kStopped);
  CHECK(engine.now() == at_ms(2));
  CHECK(r.seen.size() == 2);
  // A later run starts afresh and finishes the rest.
  CHECK(engine.run_until(at_ms(100)) == StopReason::kExhausted);
  CHECK(r.seen.size() == 4);
  CHECK(engine.now() == at_ms(100));
}

TEST_CASE("the event limit bounds the total number of events", "[engine]") {
  Engine engine;
  Recorder r;
  for (std::uint64_t i = 1; i <= 10; ++i) engine.schedule_at(at_ms(static_cast<std::int64_t>(i)), r, i);
  engine.set_event_limit(3);
  CHECK(engine.run() == StopReason::kEventLimit);
  CHECK(engine.events_processed() == 3);
  CHECK(engine.now() == at_ms(3));
  CHECK(engine.run() == StopReason::kEventLimit);
  CHECK(engine.events_processed() == 3);
  engine.set_event_limit(8);
  CHECK(engine.run_until(at_ms(100)) == StopReason::kEventLimit);
  CHECK(engine.events_processed() == 8);
  CHECK(r.seen.back().arg == 8);
}

TEST_CASE("handlers schedule more events", "[engine]") {
  Engine engine;
  Recorder r;
  SECTION("a chain of timers") {
    r.on_event = [&r](Engine& e, std::uint64_t arg) {
      if (arg < 5) e.schedule_in(sim::milliseconds(10), r, arg + 1);
    };
    engine.schedule_at(at_ms(0), r, 0);
    CHECK(engine.run() == StopReason::kExhausted);
    REQUIRE(r.seen.size() == 6);
    for (std::uint64_t i = 0; i < 6; ++i) {
      CHECK(r.seen[i] == Recorder::Seen{at_ms(static_cast<std::int64_t>(10 * i)), i});
    }
    CHECK(engine.events_processed() == 6);
  }
  SECTION("an event scheduled for now runs after those already scheduled for now") {
    r.on_event = [&r](Engine& e, std::uint64_t arg) {
      if (arg == 1) e.schedule_in(sim::Duration::zero(), r, 99);
    };
    engine.schedule_at(at_ms(7), r, 1);
    engine.schedule_at(at_ms(7), r, 2);
    engine.schedule_at(at_ms(7), r, 3);
    engine.run();
    CHECK(r.seen == std::vector<Recorder::Seen>{{at_ms(7), 1}, {at_ms(7), 2}, {at_ms(7), 3}, {at_ms(7), 99}});
  }
}

TEST_CASE("two engines are independent", "[engine]") {
  Engine a;
  Engine b;
  Recorder ra;
  Recorder rb;
  a.schedule_at(at_ms(5), ra, 1);
  b.schedule_at(at_ms(3), rb, 2);
  b.schedule_at(at_ms(9), rb, 3);
  CHECK(a.run_until(at_ms(4)) == StopReason::kTimeLimit);
  CHECK(ra.seen.empty());
  CHECK(b.now() == Time::zero());
  CHECK(b.pending() == 2);
  CHECK(b.run() == StopReason::kExhausted);
  CHECK(b.now() == at_ms(9));
  CHECK(a.now() == at_ms(4));
  CHECK(a.pending() == 1);
  CHECK(a.events_processed() == 0);
  CHECK(b.events_processed() == 2);
  CHECK(rb.seen == std::vector<Recorder::Seen>{{at_ms(3), 2}, {at_ms(9), 3}});
}

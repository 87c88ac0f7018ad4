#include "sim/event_queue.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <vector>

#include "sim/random.h"

using sim::Event;
using sim::EventQueue;
using sim::Time;

namespace {

Event make_event(std::int64_t at_ns, std::uint64_t seq, std::uint64_t arg = 0) {
  return Event{Time::from_ns(at_ns), seq, nullptr, arg};
}

}  // namespace

TEST_CASE("an empty queue", "[event_queue]") {
  EventQueue q;
  CHECK(q.empty());
  CHECK(q.size() == 0);
  q.push(make_event(5, 0));
  CHECK_FALSE(q.empty());
  q.clear();
  CHECK(q.empty());
}

TEST_CASE("events leave in time order", "[event_queue]") {
  EventQueue q;
  const std::vector<std::int64_t> times = {50, 10, 40, 30, 20, 60, 0, 70, 15};
  std::uint64_t seq = 0;
  for (const auto t : times) q.push(make_event(t, seq++));
  CHECK(q.size() == times.size());
  CHECK(q.top().at == Time::from_ns(0));
  const std::vector<std::int64_t> expected = {0, 10, 15, 20, 30, 40, 50, 60, 70};
  for (const auto t : expected) {
    REQUIRE_FALSE(q.empty());
    CHECK(q.pop().at == Time::from_ns(t));
  }
  CHECK(q.empty());
}

TEST_CASE("events at the same time leave in scheduling order", "[event_queue]") {
  EventQueue q;
  SECTION("a few ties among other times") {
    q.push(make_event(10, 0, 100));
    q.push(make_event(5, 1, 101));
    q.push(make_event(10, 2, 102));
    q.push(make_event(5, 3, 103));
    q.push(make_event(10, 4, 104));
    const std::vector<std::uint64_t> expected = {101, 103, 100, 102, 104};
    for (const auto arg : expected) CHECK(q.pop().arg == arg);
  }
  SECTION("many events at one instant") {
    // Enough to fill several levels of the heap, so ties are resolved on every path.
    constexpr std::uint64_t kCount = 10'000;
    for (std::uint64_t i = 0; i < kCount; ++i) q.push(make_event(42, i, i));
    for (std::uint64_t i = 0; i < kCount; ++i) {
      const Event e = q.pop();
      REQUIRE(e.seq == i);
      REQUIRE(e.arg == i);
    }
    CHECK(q.empty());
  }
  SECTION("ties pushed in reverse of their times") {
    // Pushing later times first moves every new event up the tree past equal ones' parents.
    std::uint64_t seq = 0;
    for (std::int64_t t = 100; t >= 0; --t) {
      for (int k = 0; k < 3; ++k) q.push(make_event(t, seq++));
    }
    std::int64_t last_t = -1;
    std::uint64_t last_seq = 0;
    while (!q.empty()) {
      const Event e = q.pop();
      REQUIRE(e.at.ns() >= last_t);
      if (e.at.ns() == last_t) REQUIRE(e.seq > last_seq);
      last_t = e.at.ns();
      last_seq = e.seq;
    }
  }
}

TEST_CASE("interleaved pushes and pops match a reference model", "[event_queue]") {
  // The reference is a std::multimap keyed by time alone: it keeps equal keys in
  // insertion order, which is exactly the (time, seq) contract, independently of seq.
  const std::uint64_t seed = GENERATE(as<std::uint64_t>{}, 1, 2, 3, 20240601, 0xdeadbeef);
  // As the engine uses it (never before the last event popped), and as a general
  // priority queue (anywhere in a window, negative times included).
  const bool monotone = GENERATE(true, false);
  sim::RandomStream rng(seed, monotone ? "event_queue_test" : "event_queue_test/any");
  EventQueue q;
  std::multimap<std::int64_t, std::uint64_t> reference;
  std::uint64_t seq = 0;
  std::int64_t now = 0;
  for (int step = 0; step < 100'000; ++step) {
    // Push with probability 0.55 so the queue grows to a few thousand events, with
    // times from a narrow window after `now` so that ties are frequent.
    if (reference.empty() || rng.below(100) < 55) {
      const std::int64_t at =
          monotone ? now + static_cast<std::int64_t>(rng.below(64)) : static_cast<std::int64_t>(rng.below(2000)) - 1000;
      q.push(make_event(at, seq, seq));
      reference.emplace(at, seq);
      ++seq;
    } else {
      const auto expected = reference.begin();
      REQUIRE(q.top().at.ns() == expected->first);
      const Event e = q.pop();
      REQUIRE(e.at.ns() == expected->first);
      REQUIRE(e.arg == expected->second);
      now = e.at.ns();
      reference.erase(expected);
    }
    REQUIRE(q.size() == reference.size());
  }
  while (!reference.empty()) {
    const Event e = q.pop();
    REQUIRE(e.at.ns() == reference.begin()->first);
    REQUIRE(e.arg == reference.begin()->second);
    reference.erase(reference.begin());
  }
  CHECK(q.empty());
}

TEST_CASE("pushing a reference into the queue itself", "[event_queue]") {
  // push(top()) while the storage grows: the argument must be copied before push_back
  // can reallocate (AddressSanitizer builds report a use-after-free otherwise).
  EventQueue q;
  q.push(make_event(5, 0, 1));
  for (int i = 1; i < 300; ++i) q.push(q.top());
  REQUIRE(q.size() == 300);
  while (!q.empty()) {
    const Event e = q.pop();
    REQUIRE(e.at == Time::from_ns(5));
    REQUIRE(e.arg == 1);
  }
}

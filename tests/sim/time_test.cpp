#include "sim/time.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

using sim::Duration;
using sim::Time;

namespace {
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
}  // namespace

TEST_CASE("unit factories count nanoseconds", "[time]") {
  CHECK(sim::nanoseconds(7).ns() == 7);
  CHECK(sim::microseconds(7).ns() == 7'000);
  CHECK(sim::milliseconds(7).ns() == 7'000'000);
  CHECK(sim::seconds(7).ns() == 7'000'000'000);
  CHECK(sim::minutes(2).ns() == 120'000'000'000);
  CHECK(sim::hours(2).ns() == 7'200'000'000'000);
  CHECK(sim::milliseconds(-3).ns() == -3'000'000);
  CHECK(Duration::zero().ns() == 0);
  CHECK(Duration().ns() == 0);
  CHECK(Time().ns() == 0);
  CHECK(Time::zero() + sim::seconds(1) == Time::from_ns(1'000'000'000));
  CHECK(sim::milliseconds(1500).seconds() == 1.5);
  CHECK(sim::microseconds(2500).millis() == 2.5);
  CHECK(Time::from_ns(250'000'000).seconds() == 0.25);
  CHECK(sim::seconds(3).is_infinite() == false);
  CHECK(Duration::infinite().is_infinite());
}

TEST_CASE("durations saturate at both ends", "[time]") {
  SECTION("factories") {
    CHECK(sim::seconds(kMax) == Duration::infinite());
    CHECK(sim::hours(kMax / 1000) == Duration::infinite());
    CHECK(sim::seconds(kMin).ns() == kMin);
    CHECK(sim::microseconds(kMin / 10).ns() == kMin);
    // The largest exact value is not saturated.
    CHECK(sim::seconds(9'223'372'036).ns() == 9'223'372'036'000'000'000);
  }
  SECTION("addition and subtraction") {
    CHECK(Duration::infinite() + sim::nanoseconds(1) == Duration::infinite());
    CHECK(Duration::from_ns(kMax - 1) + sim::nanoseconds(5) == Duration::infinite());
    CHECK((Duration::from_ns(kMin) - sim::nanoseconds(1)).ns() == kMin);
    CHECK((Duration::from_ns(kMin + 1) + Duration::from_ns(kMin)).ns() == kMin);
    CHECK((sim::nanoseconds(0) - Duration::from_ns(kMin)).ns() == kMax);
    Duration d = sim::seconds(1);
    d += Duration::infinite();
    CHECK(d.is_infinite());
    d = Duration::from_ns(kMin + 10);
    d -= sim::seconds(1);
    CHECK(d.ns() == kMin);
  }
  SECTION("multiplication") {
    CHECK(sim::seconds(1) * kMax == Duration::infinite());
    CHECK((sim::seconds(1) * kMin).ns() == kMin);
    CHECK((sim::seconds(-1) * kMax).ns() == kMin);
    CHECK(sim::seconds(-1) * kMin == Duration::infinite());
    CHECK(sim::milliseconds(3) * 4 == sim::milliseconds(12));
    CHECK(sim::milliseconds(12) / 4 == sim::milliseconds(3));
  }
  SECTION("infinite compares above every finite duration") {
    CHECK(Duration::infinite() > sim::hours(1'000'000));
    CHECK(Time::never() > Time::from_ns(kMax - 1));
  }
  SECTION("time") {
    CHECK(Time::never() + sim::seconds(1) == Time::never());
    CHECK(Time::from_ns(kMax - 3) + sim::nanoseconds(10) == Time::never());
    CHECK((Time::from_ns(kMin + 3) - sim::nanoseconds(10)).ns() == kMin);
    Time t = Time::zero();
    t += Duration::infinite();
    CHECK(t == Time::never());
    CHECK((Time::zero() + Duration::from_ns(kMin)).ns() == kMin);
  }
}

TEST_CASE("duration_from_seconds rounds to the nearest nanosecond", "[time]") {
  // Inputs sit well away from the .5 ties, which are not exactly representable.
  CHECK(sim::duration_from_seconds(1.5)->ns() == 1'500'000'000);
  CHECK(sim::duration_from_seconds(0.0)->ns() == 0);
  CHECK(sim::duration_from_seconds(-0.0)->ns() == 0);
  CHECK(sim::duration_from_seconds(1.4e-9)->ns() == 1);
  CHECK(sim::duration_from_seconds(1.6e-9)->ns() == 2);
  CHECK(sim::duration_from_seconds(0.3e-9)->ns() == 0);
  CHECK(sim::duration_from_seconds(-1.4e-9)->ns() == -1);
  CHECK(sim::duration_from_seconds(-1.6e-9)->ns() == -2);
  CHECK(sim::duration_from_seconds(0.001)->ns() == 1'000'000);
  CHECK(sim::duration_from_seconds(123.456789012)->ns() == 123'456'789'012);
  CHECK(sim::duration_from_seconds(-2.5)->ns() == -2'500'000'000);
  // Large but representable: 9.2e9 s = 9.2e18 ns < 2^63 ≈ 9.223e18.
  CHECK(sim::duration_from_seconds(9.2e9)->ns() == 9'200'000'000'000'000'000);
  CHECK(sim::duration_from_seconds(-9.2e9)->ns() == -9'200'000'000'000'000'000);
}

TEST_CASE("duration_from_seconds rejects what does not fit", "[time]") {
  CHECK_FALSE(sim::duration_from_seconds(std::nan("")).has_value());
  CHECK_FALSE(sim::duration_from_seconds(std::numeric_limits<double>::infinity()).has_value());
  CHECK_FALSE(sim::duration_from_seconds(-std::numeric_limits<double>::infinity()).has_value());
  CHECK_FALSE(sim::duration_from_seconds(9.3e9).has_value());
  CHECK_FALSE(sim::duration_from_seconds(-9.3e9).has_value());
  // 2^63 ns exactly is one past the largest int64.
  CHECK_FALSE(sim::duration_from_seconds(9223372036.854775808).has_value());
  CHECK_FALSE(sim::duration_from_seconds(std::numeric_limits<double>::max()).has_value());
}

TEST_CASE("the difference of two times is a duration", "[time]") {
  const Time a = Time::from_ns(5'000);
  const Time b = Time::from_ns(12'000);
  CHECK(b - a == sim::microseconds(7));
  CHECK(a - b == sim::microseconds(-7));
  CHECK(a + (b - a) == b);
  CHECK(b - sim::microseconds(7) == a);
  CHECK(Time::never() - Time::zero() == Duration::infinite());
  CHECK((Time::from_ns(kMin) - Time::never()).ns() == kMin);
  CHECK(Time::never() - Time::from_ns(-1) == Duration::infinite());
  CHECK(b.since_start() == sim::microseconds(12));
}

// Tests of config/units.h: durations and rates as scenario files write them.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "config/units.h"

namespace {

std::int64_t ns_of(const std::string& text) {
  const auto r = config::parse_duration(text);
  INFO(text << ": " << r.error);
  REQUIRE(r.ok());
  return r.value->ns();
}

std::string duration_error(const std::string& text) {
  const auto r = config::parse_duration(text);
  INFO(text);
  REQUIRE_FALSE(r.ok());
  return r.error;
}

double rate_of(const std::string& text) {
  const auto r = config::parse_rate(text);
  INFO(text << ": " << r.error);
  REQUIRE(r.ok());
  return *r.value;
}

std::string rate_error(const std::string& text) {
  const auto r = config::parse_rate(text);
  INFO(text);
  REQUIRE_FALSE(r.ok());
  return r.error;
}

}  // namespace

TEST_CASE("every duration unit has its size in nanoseconds", "[units]") {
  const auto [text, ns] = GENERATE(table<const char*, std::int64_t>({
      {"1ns", 1},
      {"1us", 1'000},
      {"1ms", 1'000'000},
      {"1s", 1'000'000'000},
      {"1m", 60'000'000'000},
      {"1h", 3'600'000'000'000},
      {"0s", 0},
      {"0ns", 0},
      {"500ms", 500'000'000},
      {"10 ms", 10'000'000},
      {"007s", 7'000'000'000},
  }));
  CHECK(ns_of(text) == ns);
}

TEST_CASE("decimal durations convert exactly, rounding to the nearest nanosecond", "[units]") {
  CHECK(ns_of("0.1s") == 100'000'000);  // 0.1 has no exact binary double
  CHECK(ns_of("1.5s") == 1'500'000'000);
  CHECK(ns_of(".5ms") == 500'000);
  CHECK(ns_of("2.s") == 2'000'000'000);
  CHECK(ns_of("0.000000001s") == 1);
  CHECK(ns_of("0.1m") == 6'000'000'000);
  CHECK(ns_of("0.001h") == 3'600'000'000);
  CHECK(ns_of("1.000000000000000000000001h") == 3'600'000'000'000);
  CHECK(ns_of("1.4ns") == 1);
  CHECK(ns_of("1.5ns") == 2);  // halves round up
  CHECK(ns_of("0.4999999ns") == 0);
  CHECK(ns_of("1.0000000005s") == 1'000'000'001);
  CHECK(ns_of("1.00000000049999s") == 1'000'000'000);
  // 1/60 of a nanosecond per digit: 0.0000000000166... h is 59.99... ns.
  CHECK(ns_of("0.0000000000166666667h") == 60);
}

TEST_CASE("the largest duration is one nanosecond short of infinite", "[units]") {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  CHECK(ns_of("9223372036.854775806s") == kMax - 1);
  CHECK(ns_of("9223372036854775806ns") == kMax - 1);
  CHECK_THAT(duration_error("9223372036.854775807s"), Catch::Contains("too large"));
  CHECK_THAT(duration_error("2562048h"), Catch::Contains("too large"));
  CHECK_THAT(duration_error("99999999999999999999999999ns"), Catch::Contains("too large"));
}

TEST_CASE("bad durations say what is wrong", "[units]") {
  CHECK_THAT(duration_error("10"), Catch::Contains("missing unit") && Catch::Contains("10s, 10ms"));
  CHECK_THAT(duration_error("0"), Catch::Contains("missing unit"));
  CHECK_THAT(duration_error("-1s"), Catch::Contains("cannot be negative"));
  CHECK_THAT(duration_error("10Sec"), Catch::Contains("did you mean \"s\"?"));
  CHECK_THAT(duration_error("2 Minutes"), Catch::Contains("did you mean \"m\"?"));
  CHECK_THAT(duration_error("5Ms"), Catch::Contains("did you mean \"ms\"?"));
  CHECK_THAT(duration_error("1e3s"), Catch::Contains("exponents are not supported"));
  CHECK_THAT(duration_error("nan"), Catch::Contains("finite"));
  CHECK_THAT(duration_error(".inf"), Catch::Contains("finite"));
  CHECK_THAT(duration_error("infs"), Catch::Contains("finite"));
  CHECK_THAT(duration_error(""), Catch::Contains("empty"));
  CHECK_THAT(duration_error("s"), Catch::Contains("expected a duration"));
  CHECK_THAT(duration_error("."), Catch::Contains("expected a duration"));
  CHECK_THAT(duration_error("1.2.3s"), Catch::Contains("unknown unit"));
  CHECK_THAT(duration_error("1\xff"), Catch::Contains("\\xff"));
}

TEST_CASE("rates are per period and stored per second", "[units]") {
  CHECK(rate_of("2000/s") == 2000.0);
  CHECK(rate_of("5/ms") == 5000.0);
  CHECK(rate_of("10/100ms") == 100.0);
  CHECK(rate_of("1/m") == Approx(1.0 / 60.0).epsilon(1e-15));
  CHECK(rate_of("3600/h") == 1.0);
  CHECK(rate_of("0.5/s") == 0.5);
  CHECK(rate_of("1500 / s") == 1500.0);
  CHECK(rate_of("1/ns") == config::kMaxRatePerSecond);
}

TEST_CASE("bad rates say what is wrong", "[units]") {
  CHECK_THAT(rate_error("2000"), Catch::Contains("missing period") && Catch::Contains("2000/s"));
  CHECK_THAT(rate_error("0/s"), Catch::Contains("must be > 0"));
  CHECK_THAT(rate_error("-5/s"), Catch::Contains("must be > 0"));
  CHECK_THAT(rate_error("5/0s"), Catch::Contains("period") && Catch::Contains("must be > 0"));
  CHECK_THAT(rate_error("5/"), Catch::Contains("missing period"));
  CHECK_THAT(rate_error("5/SEC"), Catch::Contains("did you mean \"s\"?"));
  CHECK_THAT(rate_error("5/10"), Catch::Contains("missing unit"));
  CHECK_THAT(rate_error("nan/s"), Catch::Contains("finite"));
  CHECK_THAT(rate_error("lots"), Catch::Contains("expected a rate"));
  CHECK_THAT(rate_error("2/ns"), Catch::Contains("too fast"));
  CHECK_THAT(rate_error("1e3/s"), Catch::Contains("plain decimal"));
}

TEST_CASE("units as people type them are accepted", "[units]") {
  // Both code points people type for the micro prefix: U+00B5 MICRO SIGN and U+03BC GREEK
  // SMALL LETTER MU (Unicode makes U+00B5 a compatibility equivalent of U+03BC).
  CHECK(ns_of("20\xc2\xb5s") == 20'000);
  CHECK(ns_of("20\xce\xbcs") == 20'000);
  CHECK(ns_of("1.5 \xc2\xb5s") == 1'500);
  CHECK(ns_of("5 sec") == 5'000'000'000);
  CHECK(ns_of("10sec") == 10'000'000'000);
  CHECK(ns_of("2 minutes") == 120'000'000'000);
  CHECK(ns_of("1 hour") == 3'600'000'000'000);
  CHECK(ns_of("250 msec") == 250'000'000);
  CHECK(rate_of("5/sec") == 5.0);
  CHECK(rate_of("10/100 \xce\xbcs") == 1e5);
}

TEST_CASE("thousands separators are accepted where they can only mean thousands", "[units]") {
  CHECK(rate_of("12,000/s") == 12000.0);
  CHECK(rate_of("1,234,567/h") == Approx(1234567.0 / 3600.0).epsilon(1e-15));
  CHECK(rate_of("3,000.5/s") == 3000.5);
  CHECK(ns_of("1,500ms") == 1'500'000'000);
  // A comma that does not group three digits may be a decimal comma: say both readings.
  CHECK_THAT(rate_error("1,5/s"), Catch::Contains("ambiguous") && Catch::Contains("1.5"));
  CHECK_THAT(duration_error("1,5s"), Catch::Contains("ambiguous") && Catch::Contains("1.5"));
  CHECK_THAT(rate_error("12,00/s"), Catch::Contains("ambiguous"));
  CHECK_THAT(rate_error("1234,000/s"), Catch::Contains("ambiguous"));
  CHECK_THAT(rate_error(",000/s"), Catch::Contains("ambiguous"));
  CHECK_THAT(rate_error("12,000,/s"), Catch::Contains("ambiguous"));
  CHECK_THAT(rate_error("1.000,5/s"), Catch::Contains("plain decimal"));
}

TEST_CASE("messages show what was typed: printable UTF-8 as it is, control characters escaped", "[units]") {
  // The micro sign is echoed as typed, not as \xc2\xb5.
  CHECK_THAT(duration_error("5\xc2\xb5x"), Catch::Contains("\"5\xc2\xb5x\""));
  // A C1 control (U+009B, CSI) and a lone continuation byte are still escaped.
  CHECK_THAT(duration_error("5\xc2\x9bs"), Catch::Contains("\\xc2\\x9b"));
  CHECK_THAT(duration_error("5\xb5s"), Catch::Contains("\\xb5"));
  CHECK_THAT(duration_error("5\x1b[2Js"), Catch::Contains("\\x1b"));
}

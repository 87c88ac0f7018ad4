// Tests of the arrival-process keys of scenario files (docs/scenario-format.md, "Arrival
// processes"): each process's keys, defaults and ranges, converted to model/spec.h values.
// Trace files are tested in trace_test.cpp; malformed files in tests/config/bad/.
#include <catch2/catch.hpp>
#include <string>
#include <variant>

#include "config/loader.h"
#include "model/spec.h"

namespace {

std::string scenario(const std::string& arrivals) {
  return "duration: 60s\nhosts:\n  web:\n    listeners:\n"
         "      - {port: 80, backlog: 128, workers: 4, service: {dist: constant, value: 1ms}}\n"
         "clients:\n  c:\n    target: web:80\n    arrivals: " +
         arrivals + "\n";
}

std::string all_messages(const config::LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) out += config::format(d) + "\n";
  return out;
}

template <class T>
T arrivals_of(const std::string& arrivals) {
  const config::LoadResult r = config::load_scenario_text(scenario(arrivals), "test.yaml");
  INFO(all_messages(r));
  REQUIRE(r.ok());
  REQUIRE(std::holds_alternative<T>(r.spec->clients.at(0).arrivals));
  return std::get<T>(r.spec->clients[0].arrivals);
}

std::string only_error(const std::string& arrivals) {
  const config::LoadResult r = config::load_scenario_text(scenario(arrivals), "test.yaml");
  INFO(all_messages(r));
  REQUIRE(r.errors.size() == 1);
  return config::format(r.errors[0]);
}

// Every error of the scenario, one per line.
std::string errors_of(const std::string& arrivals) {
  return all_messages(config::load_scenario_text(scenario(arrivals), "test.yaml"));
}

}  // namespace

TEST_CASE("onoff: rate, off_rate (default 0), mean sojourns on and off", "[loader][arrivals]") {
  const auto o =
      arrivals_of<model::OnOffArrivals>("{process: onoff, rate: 2000/s, off_rate: 10/100ms, on: 2s, off: 8s}");
  CHECK(o.on_rate_per_s == 2000);
  CHECK(o.off_rate_per_s == 100);
  CHECK(o.mean_on == sim::seconds(2));
  CHECK(o.mean_off == sim::seconds(8));
  CHECK(arrivals_of<model::OnOffArrivals>("{process: onoff, rate: 2000/s, on: 2s, off: 8s}").off_rate_per_s == 0);
  for (const char* zero : {"0/s", "0.0/100ms", ".0/ms", "0 / s"}) {
    INFO(zero);
    CHECK(arrivals_of<model::OnOffArrivals>(std::string("{process: onoff, rate: 2000/s, off_rate: \"") + zero +
                                            "\", on: 2s, off: 8s}")
              .off_rate_per_s == 0);
  }
  CHECK_THAT(only_error("{process: onoff, rate: 2000/s, off_rate: 0/parsec, on: 2s, off: 8s}"),
             Catch::Contains("off_rate: unknown unit"));
  CHECK_THAT(only_error("{process: onoff, rate: 2000/s, off_rate: 0.0.0/s, on: 2s, off: 8s}"),
             Catch::Contains("off_rate: expected a rate"));
  CHECK_THAT(only_error("{process: onoff, rate: 0/s, on: 2s, off: 8s}"), Catch::Contains("rate: a rate must be > 0"));
  CHECK_THAT(only_error("{process: onoff, rate: 2000/s, on: 0s, off: 8s}"),
             Catch::Contains("on: expected a duration > 0"));
}

TEST_CASE("ramp: from, to, over and start (default 0s)", "[loader][arrivals]") {
  const auto r = arrivals_of<model::RampArrivals>("{process: ramp, from: 100/s, to: 5000/s, over: 30s, start: 5s}");
  CHECK(r.from_per_s == 100);
  CHECK(r.to_per_s == 5000);
  CHECK(r.over == sim::seconds(30));
  CHECK(r.start == sim::Time::zero() + sim::seconds(5));
  const auto down = arrivals_of<model::RampArrivals>("{process: ramp, from: 5000/s, to: 0/s, over: 1m}");
  CHECK(down.to_per_s == 0);
  CHECK(down.start == sim::Time::zero());
  CHECK_THAT(only_error("{process: ramp, from: 100/s, over: 30s}"), Catch::Contains("missing required key \"to\""));
}

TEST_CASE("flash_crowd: base, peak, at, rise (default 0s) and decay", "[loader][arrivals]") {
  const auto f = arrivals_of<model::FlashCrowdArrivals>(
      "{process: flash_crowd, base: 100/s, peak: 5000/s, at: 10s, rise: 2s, decay: 20s}");
  CHECK(f.base_per_s == 100);
  CHECK(f.peak_per_s == 5000);
  CHECK(f.at == sim::Time::zero() + sim::seconds(10));
  CHECK(f.rise == sim::seconds(2));
  CHECK(f.decay == sim::seconds(20));
  const auto sudden =
      arrivals_of<model::FlashCrowdArrivals>("{process: flash_crowd, base: 0/s, peak: 100/s, at: 0s, decay: 1s}");
  CHECK(sudden.base_per_s == 0);
  CHECK(sudden.rise == sim::Duration::zero());
  CHECK(arrivals_of<model::FlashCrowdArrivals>("{process: flash_crowd, base: 5/s, peak: 5/s, at: 1s, decay: 1s}")
            .peak_per_s == 5);
  CHECK_THAT(only_error("{process: flash_crowd, base: 100/s, peak: 5000/s, at: 60s, decay: 1s}"),
             Catch::Contains("at: the flash crowd at 60s would start after the run ends (duration 60s)"));
  CHECK_THAT(only_error("{process: flash_crowd, base: 100/s, peak: 5000/s, at: 1s, decay: 0s}"),
             Catch::Contains("decay: expected a duration > 0"));
}

TEST_CASE("closed: users and a think-time distribution", "[loader][arrivals]") {
  const auto c =
      arrivals_of<model::ClosedLoopArrivals>("{process: closed, users: 200, think: {dist: exponential, mean: 2s}}");
  CHECK(c.users == 200);
  CHECK(std::get<sim::ExponentialDist>(c.think).mean == sim::seconds(2));
  CHECK_THAT(only_error("{process: closed, users: 2000000, think: {dist: constant, value: 1s}}"),
             Catch::Contains("expected an integer in [1, 1000000], got 2000000"));
  CHECK_THAT(only_error("{process: closed, users: 10, think: {dist: exponential}}"),
             Catch::Contains("think: missing required key \"mean\""));
  CHECK_THAT(only_error("{process: closed, users: 10}"), Catch::Contains("missing required key \"think\""));
}

TEST_CASE("a trace needs csv or pcap, and keys of its own kind", "[loader][arrivals]") {
  CHECK_THAT(only_error("{process: trace}"),
             Catch::Contains("missing required key \"csv\" (required unless pcap is given)"));
  // (x.pcap and x.csv do not exist: that is an error too.)
  CHECK_THAT(errors_of("{process: trace, pcap: x.pcap, port: 80, id: web}"),
             Catch::Contains("id: id selects lines of a csv trace"));
  CHECK_THAT(errors_of("{process: trace, csv: x.csv, tim_scale: 2}"),
             Catch::Contains("unknown key \"tim_scale\"; did you mean \"time_scale\"?"));
}

// Tests of viewer::Session: moving through a run, its narration, playback and what-ifs.
#include "viewer/session.h"

#include <sstream>

#include <catch2/catch.hpp>

#include "config/loader.h"
#include "model/world.h"

namespace {

model::ScenarioSpec load(const std::string& file) {
  auto r = config::load_scenario_file(std::string(SYNSTORM_SOURCE_DIR) + "/scenarios/" + file);
  REQUIRE(r.ok());
  return std::move(*r.spec);
}

sim::Time at(sim::Duration d) { return sim::Time::zero() + d; }

// The numbers a user reads off the panels.
void require_same_view(const model::Snapshot& a, const model::Snapshot& b) {
  REQUIRE(a.now == b.now);
  REQUIRE(a.events == b.events);
  REQUIRE(a.totals.attempts == b.totals.attempts);
  REQUIRE(a.totals.accepted == b.totals.accepted);
  REQUIRE(a.totals.refused == b.totals.refused);
  REQUIRE(a.totals.reset == b.totals.reset);
  REQUIRE(a.totals.pending == b.totals.pending);
  REQUIRE(a.connect_latency.count() == b.connect_latency.count());
  REQUIRE(a.connect_latency.percentile(0.99) == b.connect_latency.percentile(0.99));
  REQUIRE(a.listeners.size() == b.listeners.size());
  for (std::size_t i = 0; i < a.listeners.size(); ++i) {
    REQUIRE(a.listeners[i].accept_len == b.listeners[i].accept_len);
    REQUIRE(a.listeners[i].syn_len == b.listeners[i].syn_len);
    REQUIRE(a.listeners[i].syns_dropped == b.listeners[i].syns_dropped);
  }
  REQUIRE(a.series.rows().size() == b.series.rows().size());
  for (std::size_t i = 0; i < a.series.rows().size(); ++i)
    REQUIRE(a.series.rows()[i].values == b.series.rows()[i].values);
}

}  // namespace

TEST_CASE("scrubbing back shows the numbers and narration a fresh run to that time shows", "[viewer][session]") {
  viewer::Session moved(load("overload.yaml"), "overload.yaml", {.narration_lines = 50, .narrate = true});
  moved.seek(at(sim::seconds(3)));
  REQUIRE(moved.now() == at(sim::seconds(3)));
  moved.seek(at(sim::milliseconds(1500)));
  REQUIRE(moved.runs() == 2);

  viewer::Session fresh(load("overload.yaml"), "overload.yaml", {.narration_lines = 50, .narrate = true});
  fresh.seek(at(sim::milliseconds(1500)));
  require_same_view(moved.snapshot(), fresh.snapshot());
  REQUIRE(moved.narration().total_lines() == fresh.narration().total_lines());
  REQUIRE(moved.narration().lines() == fresh.narration().lines());
  REQUIRE(moved.narration().lines().size() == 50);
}

TEST_CASE("the narration is synstorm explain's, line for line", "[viewer][session]") {
  const model::ScenarioSpec spec = load("teaching/backlog-zero.yaml");
  viewer::Session s(spec, "backlog-zero.yaml", {.narration_lines = 100000, .narrate = true});
  s.seek(s.end());

  std::ostringstream out;
  report::NarrationOptions all;
  all.limit = 0;
  report::narrate_run(spec, all, out);
  std::vector<std::string> explained;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) explained.push_back(line);

  // explain adds the attempts still open and a summary after the run; the rest is the same.
  const auto& lines = s.narration().lines();
  REQUIRE(lines.size() > 10);
  REQUIRE(lines.size() < explained.size());
  for (std::size_t i = 0; i < lines.size(); ++i) REQUIRE(lines[i] == explained[i]);
}

TEST_CASE("playback moves speed times the wall seconds, stops at the end and plays again from there from t = 0",
          "[viewer][session]") {
  viewer::Session s(load("teaching/backlog-zero.yaml"), "backlog-zero.yaml");
  s.set_speed(2.0);
  s.tick(1.0);
  REQUIRE(s.now() == sim::Time::zero());  // not playing
  s.set_playing(true);
  s.tick(0.25);
  REQUIRE(s.now() == at(sim::milliseconds(500)));
  REQUIRE(s.playing());
  s.tick(100.0);
  REQUIRE(s.at_end());
  REQUIRE_FALSE(s.playing());
  const std::uint64_t runs = s.runs();
  // Play at the end plays the run again, from t = 0.
  s.set_playing(true);
  REQUIRE(s.playing());
  REQUIRE(s.now() == sim::Time::zero());
  REQUIRE(s.runs() == runs + 1);
  s.tick(0.25);
  REQUIRE(s.now() == at(sim::milliseconds(500)));
}

TEST_CASE("a what-if re-runs to the current time and keeps the run before it for comparison", "[viewer][session]") {
  const model::ScenarioSpec spec = load("overload.yaml");
  viewer::Session s(spec, "overload.yaml", {.narration_lines = 400, .narrate = false});
  s.seek(at(sim::seconds(2)));
  const model::Snapshot before = s.snapshot();

  viewer::WhatIf w;
  w.listener = 0;  // linux-web:80
  w.backlog = 1024;
  s.set_what_if(w);
  REQUIRE(s.now() == at(sim::seconds(2)));
  REQUIRE(s.label() == "linux-web:80 backlog 1024");
  REQUIRE(s.spec().hosts[0].listeners[0].backlog.value == 1024);
  REQUIRE(s.base_spec().hosts[0].listeners[0].backlog.value == 128);
  REQUIRE(s.snapshot().listeners[0].backlog == 1024);
  REQUIRE(s.snapshot().listeners[1].backlog == 128);
  REQUIRE(s.comparison());
  REQUIRE(s.comparison()->label == "as written");
  // The comparison is the whole run before the edit: one row per second of 30 s.
  REQUIRE(s.comparison()->series.rows().size() == 30);
  // A 1024 backlog holds the 2 s of overload that a 128 backlog dropped.
  REQUIRE(s.snapshot().listeners[0].syns_dropped < before.listeners[0].syns_dropped);

  s.set_what_if(viewer::WhatIf{});
  REQUIRE(s.comparison()->label == "linux-web:80 backlog 1024");
  require_same_view(s.snapshot(), before);
  const std::uint64_t runs = s.runs();
  s.set_what_if(viewer::WhatIf{});  // the same edit again: nothing to do
  REQUIRE(s.runs() == runs);
  viewer::WhatIf other_listener;
  other_listener.listener = 1;  // but no change to it: still the scenario as written
  s.set_what_if(other_listener);
  REQUIRE(s.runs() == runs);
}

TEST_CASE("turning the narration off and on keeps the time and the numbers", "[viewer][session]") {
  viewer::Session s(load("overload.yaml"), "overload.yaml", {.narration_lines = 20, .narrate = true});
  s.seek(at(sim::milliseconds(800)));
  const model::Snapshot narrated = s.snapshot();
  const auto lines = s.narration().lines();
  s.set_narrating(false);
  REQUIRE_FALSE(s.narrating());
  REQUIRE(s.narration().lines().empty());
  require_same_view(s.snapshot(), narrated);
  s.set_narrating(true);
  REQUIRE(s.narration().lines() == lines);
  require_same_view(s.snapshot(), narrated);
}

TEST_CASE("the segments the network lost are the run's own count, group by group", "[viewer][session]") {
  // network-latency.yaml: loss 0.001 on the browsers' link, 300 connects/s for 20 s: some
  // 6,000 handshakes send about 18,000 segments across it, so about 18 are lost (none lost
  // has a probability near e^-18).
  const model::ScenarioSpec spec = load("network-latency.yaml");
  viewer::Session s(spec, "network-latency.yaml", {.narration_lines = 10, .narrate = false});
  s.seek(s.end());
  const model::RunResults r = model::run_scenario(spec);
  REQUIRE(s.snapshot().clients.size() == r.clients.size());
  std::uint64_t lost = 0;
  for (std::size_t i = 0; i < r.clients.size(); ++i) {
    REQUIRE(s.snapshot().clients[i].segments_lost == r.clients[i].segments_lost);
    lost += r.clients[i].segments_lost;
  }
  REQUIRE(lost > 0);
}

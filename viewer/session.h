// viewer/session.h — one scenario open in the viewer: its run, moved through time on demand.
//
// A Session holds the scenario, a model::Stepper running it (with the what-if edit, if
// any), the narration of that run and the run it is compared with. Every move goes through
// the Stepper: forward runs on, backward re-runs from t = 0 (the run is deterministic, so
// the numbers at a time are always the same). Playback converts wall-clock seconds into
// simulated time at a chosen speed; the wall clock paces the display and never reaches the
// simulation. No GUI here: the panels read a Session, the tests drive one.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "model/spec.h"
#include "model/stepper.h"
#include "report/narration.h"
#include "sim/stats.h"
#include "sim/time.h"
#include "viewer/line_tail.h"
#include "viewer/whatif.h"

namespace viewer {

class Session {
 public:
  struct Options {
    std::size_t narration_lines = 400;  // the narration keeps this many last lines
    bool narrate = true;                // narrating costs about as much as the run itself
  };

  Session(model::ScenarioSpec spec, std::string source, Options options);
  Session(model::ScenarioSpec spec, std::string source) : Session(std::move(spec), std::move(source), Options{}) {}
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::string& source() const { return source_; }  // the file it came from
  const model::ScenarioSpec& base_spec() const { return base_; }
  const model::ScenarioSpec& spec() const { return running_; }  // as running (edited)

  // Counts the runs made from t = 0 (each backward move or edit makes one).
  std::uint64_t runs() const { return runs_; }
  sim::Time now() const { return stepper_->now(); }
  sim::Time end() const { return stepper_->end(); }
  bool at_end() const { return stepper_->at_end(); }

  // One event.
  void step();
  // To time t (clamped to [0, end]): forward runs on, backward re-runs from t = 0.
  void seek(sim::Time t);

  // Playback: while playing, tick() moves `speed` simulated seconds per wall second and
  // stops playing at the end. Playing at the end plays the run again from t = 0.
  bool playing() const { return playing_; }
  void set_playing(bool on);
  double speed() const { return speed_; }
  void set_speed(double sim_seconds_per_wall_second) { speed_ = sim_seconds_per_wall_second; }
  void tick(double wall_seconds);

  // The state now; refreshed by every move.
  const model::Snapshot& snapshot() const { return snapshot_; }

  // The last lines of the narration up to now (empty when narration is off).
  const LineTail& narration() const { return tail_; }
  bool narrating() const { return options_.narrate; }
  // Turning narration on re-runs to now so that its lines are those of this run.
  void set_narrating(bool on);

  // The edit the run is made with, and the run it is compared with: after an edit, the run
  // before it, complete from t = 0 to the end (its label says what it was).
  const WhatIf& what_if() const { return what_if_; }
  const std::vector<std::string>& what_if_notes() const { return notes_; }
  struct Comparison {
    std::string label;
    sim::TimeSeries series;
  };
  const std::optional<Comparison>& comparison() const { return comparison_; }
  std::string label() const { return describe_what_if(base_, what_if_); }

  // Runs the edited scenario from t = 0 to the current time; the run so far becomes the
  // comparison. An edit equal to the current one changes nothing (the listener of an edit
  // that changes no listener does not count).
  void set_what_if(WhatIf w);
  void clear_comparison() { comparison_.reset(); }

 private:
  // A new run from t = 0 of `spec`, narrated if asked.
  void restart(model::ScenarioSpec spec);
  void refresh() { snapshot_ = stepper_->snapshot(); }

  model::ScenarioSpec base_;
  std::string source_;
  Options options_;
  LineTail tail_;
  std::ostream tail_stream_;
  model::ScenarioSpec running_;                   // the narration reads it during the run
  std::unique_ptr<report::Narration> narration_;  // declared before stepper_: outlives it
  std::unique_ptr<model::Stepper> stepper_;
  model::Snapshot snapshot_;
  std::uint64_t runs_ = 0;
  bool playing_ = false;
  double speed_ = 1.0;
  WhatIf what_if_;
  std::vector<std::string> notes_;
  std::optional<Comparison> comparison_;
};

}  // namespace viewer

#include "viewer/session.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "model/world.h"

namespace viewer {

Session::Session(model::ScenarioSpec spec, std::string source, Options options)
    : base_(std::move(spec)),
      source_(std::move(source)),
      options_(options),
      tail_(options.narration_lines),
      tail_stream_(&tail_) {
  restart(base_);
}

Session::~Session() = default;

void Session::restart(model::ScenarioSpec spec) {
  stepper_.reset();
  narration_.reset();
  tail_.clear();
  running_ = std::move(spec);
  if (options_.narrate) {
    report::NarrationOptions every_line;
    every_line.limit = 0;
    narration_ = std::make_unique<report::Narration>(running_, every_line, tail_stream_);
    narration_->narrate_listens();
  }
  stepper_ = std::make_unique<model::Stepper>(running_, narration_.get());
  ++runs_;
  refresh();
}

void Session::step() {
  stepper_->step();
  if (at_end()) playing_ = false;
  refresh();
}

void Session::seek(sim::Time t) {
  t = std::clamp(t, sim::Time::zero(), end());
  if (t < now()) restart(running_);
  stepper_->advance_to(t);
  if (at_end()) playing_ = false;
  refresh();
}

void Session::set_playing(bool on) {
  if (on && at_end()) seek(sim::Time::zero());
  playing_ = on && !at_end();
}

void Session::tick(double wall_seconds) {
  if (!playing_ || wall_seconds <= 0) return;
  // Whole nanoseconds; at least one, so that a slow speed still moves.
  const double ns = std::max(1.0, std::round(wall_seconds * speed_ * 1e9));
  const sim::Duration step =
      ns >= 9e18 ? sim::Duration::infinite() : sim::Duration::from_ns(static_cast<std::int64_t>(ns));
  seek(now() + step);
}

void Session::set_narrating(bool on) {
  if (on == options_.narrate) return;
  options_.narrate = on;
  const sim::Time t = now();
  restart(running_);
  stepper_->advance_to(t);
  refresh();
}

void Session::set_what_if(WhatIf w) {
  if (!w.touches_listener()) w.listener = 0;  // which one does not matter
  if (w == what_if_) return;
  // The run so far, completed: what the new curves are drawn against.
  comparison_ = Comparison{label(), model::run_scenario(running_).timeseries};
  what_if_ = w;
  WhatIfSpec edited = apply_what_if(base_, w);
  notes_ = std::move(edited.notes);
  const sim::Time t = now();
  restart(std::move(edited.spec));
  stepper_->advance_to(t);
  refresh();
}

}  // namespace viewer

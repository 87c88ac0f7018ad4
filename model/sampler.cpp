#include "model/sampler.h"

#include <string>
#include <utility>

namespace model {

Sampler::Sampler(const ScenarioSpec& spec, sim::Engine& engine, const Clients& clients, const Listeners& listeners)
    : spec_(spec), engine_(engine), end_(sim::Time::zero() + spec.duration), clients_(clients), listeners_(listeners) {
  std::vector<std::string> columns = {"attempts",  "established", "accepted",    "refused",
                                      "timed_out", "reset",       "syns_dropped"};
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    const std::string id = listeners_[i].host + ":" + std::to_string(listeners_[i].port);
    columns.push_back(id + ".accept_queue");
    columns.push_back(id + ".syn_queue");
  }
  series_ = sim::TimeSeries(std::move(columns));
  accept_integral_.assign(listeners_.size(), 0.0);
  syn_integral_.assign(listeners_.size(), 0.0);
}

void Sampler::start() {
  if (spec_.sample_interval < spec_.duration) engine_.schedule_in(spec_.sample_interval, *this);
}

void Sampler::handle(sim::Engine&, std::uint64_t) {
  append();
  if (engine_.now() + spec_.sample_interval <= end_) engine_.schedule_in(spec_.sample_interval, *this);
}

void Sampler::finish() {
  if (engine_.now() > last_) append();
}

void Sampler::append() {
  const sim::Time now = engine_.now();
  const double dt = (now - last_).seconds();
  const OutcomeCounts t = clients_.totals();
  std::uint64_t dropped = 0;
  for (std::size_t i = 0; i < listeners_.size(); ++i) dropped += listeners_[i].out.syns_dropped;
  std::vector<double> row = {
      static_cast<double>(t.attempts - totals_.attempts),   static_cast<double>(t.established - totals_.established),
      static_cast<double>(t.accepted - totals_.accepted),   static_cast<double>(t.refused - totals_.refused),
      static_cast<double>(t.timed_out - totals_.timed_out), static_cast<double>(t.reset - totals_.reset),
      static_cast<double>(dropped - syns_dropped_),
  };
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    const double a = listeners_[i].accept_level.integral(now);
    const double s = listeners_[i].syn_level.integral(now);
    row.push_back(dt > 0 ? (a - accept_integral_[i]) / dt : 0.0);
    row.push_back(dt > 0 ? (s - syn_integral_[i]) / dt : 0.0);
    accept_integral_[i] = a;
    syn_integral_[i] = s;
  }
  series_.append(now, row);
  totals_ = t;
  syns_dropped_ = dropped;
  last_ = now;
}

}  // namespace model

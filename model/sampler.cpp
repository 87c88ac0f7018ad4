#include "model/sampler.h"

#include <cmath>
#include <string>
#include <utility>

namespace model {

Sampler::Sampler(const ScenarioSpec& spec, sim::Engine& engine, Clients& clients, const Listeners& listeners)
    : spec_(spec), engine_(engine), end_(sim::Time::zero() + spec.duration), clients_(clients), listeners_(listeners) {
  std::vector<std::string> columns = {"attempts",  "established", "accepted",    "refused",
                                      "timed_out", "reset",       "syns_dropped"};
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    const std::string id = listeners_[i].host + ":" + std::to_string(listeners_[i].port);
    columns.push_back(id + ".accept_queue");
    columns.push_back(id + ".syn_queue");
  }
  if (spec_.sample_detail) {
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      const std::string& g = clients_.results(i).name;
      for (const char* stem : {".attempts", ".accepted", ".failed", ".connect_p50_ms", ".connect_p99_ms"}) {
        columns.push_back(g + stem);
      }
    }
    columns.push_back("connect_p50_ms");
    columns.push_back("connect_p99_ms");
    group_totals_.assign(clients_.size(), OutcomeCounts{});
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
  if (spec_.sample_detail) append_detail(row);
  series_.append(now, row);
  totals_ = t;
  syns_dropped_ = dropped;
  last_ = now;
}

void Sampler::append_detail(std::vector<double>& row) {
  const double nan = std::nan("");
  auto ms = [&](const sim::Histogram& h, double q) {
    return h.count() ? static_cast<double>(h.percentile(q)) / 1e6 : nan;
  };
  sim::Histogram all;
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    const OutcomeCounts& k = clients_.results(i).counts;
    const OutcomeCounts& was = group_totals_[i];
    const sim::Histogram h = clients_.take_interval_latency(i);
    row.push_back(static_cast<double>(k.attempts - was.attempts));
    row.push_back(static_cast<double>(k.accepted - was.accepted));
    row.push_back(static_cast<double>((k.refused + k.timed_out + k.reset) - (was.refused + was.timed_out + was.reset)));
    row.push_back(ms(h, 0.50));
    row.push_back(ms(h, 0.99));
    all.merge(h);
    group_totals_[i] = k;
  }
  row.push_back(ms(all, 0.50));
  row.push_back(ms(all, 0.99));
}

}  // namespace model

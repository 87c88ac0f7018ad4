#include "viewer/whatif.h"

#include <cassert>
#include <cmath>
#include <type_traits>
#include <variant>

#include "sim/format.h"

namespace viewer {

namespace {

std::int64_t scaled_count(std::int64_t n, double scale) {
  return static_cast<std::int64_t>(std::llround(static_cast<double>(n) * scale));
}

// Scales a group's arrivals; false when its arrival process has no rate to scale.
bool scale_arrivals(model::ArrivalSpec& a, double s) {
  return std::visit(
      [s](auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, model::PoissonArrivals> || std::is_same_v<T, model::ConstantArrivals>) {
          v.rate_per_s *= s;
        } else if constexpr (std::is_same_v<T, model::BurstArrivals>) {
          v.count = scaled_count(v.count, s);
        } else if constexpr (std::is_same_v<T, model::OnOffArrivals>) {
          v.on_rate_per_s *= s;
          v.off_rate_per_s *= s;
        } else if constexpr (std::is_same_v<T, model::RampArrivals>) {
          v.from_per_s *= s;
          v.to_per_s *= s;
        } else if constexpr (std::is_same_v<T, model::FlashCrowdArrivals>) {
          v.base_per_s *= s;
          v.peak_per_s *= s;
        } else if constexpr (std::is_same_v<T, model::ClosedLoopArrivals>) {
          v.users = scaled_count(v.users, s);  // a closed population's rate follows its size
        } else {
          static_assert(std::is_same_v<T, model::TraceArrivals>);
          return false;  // replayed instants have no rate
        }
        return true;
      },
      a);
}

// The new OS's defaults, with every knob the scenario set (differs from the old OS's
// default) and the new OS has.
model::KernelKnobs knobs_for(model::Os from, const model::KernelKnobs& set, model::Os to) {
  const model::KernelKnobs old_defaults = model::default_knobs(from);
  model::KernelKnobs k = model::default_knobs(to);
  for (const model::KnobInfo& info : model::knob_table()) {
    if (!info.applies_to(to)) continue;
    if (info.integer && set.*info.integer != old_defaults.*info.integer) k.*info.integer = set.*info.integer;
    if (info.duration && set.*info.duration != old_defaults.*info.duration) k.*info.duration = set.*info.duration;
  }
  return k;
}

}  // namespace

std::vector<ListenerRef> static_listeners(const model::ScenarioSpec& spec) {
  std::vector<ListenerRef> refs;
  for (std::size_t h = 0; h < spec.hosts.size(); ++h) {
    for (std::size_t l = 0; l < spec.hosts[h].listeners.size(); ++l) refs.push_back({h, l});
  }
  return refs;
}

WhatIfSpec apply_what_if(const model::ScenarioSpec& spec, const WhatIf& w) {
  assert(w.arrival_scale >= 0);
  WhatIfSpec out{spec, {}};
  if (w.touches_listener()) {
    const std::vector<ListenerRef> refs = static_listeners(spec);
    assert(w.listener < refs.size());
    model::HostSpec& host = out.spec.hosts[refs[w.listener].host];
    model::ListenerSpec& l = host.listeners[refs[w.listener].listener];
    if (w.backlog) l.backlog = model::BacklogRequest{model::BacklogRequest::Kind::kValue, *w.backlog};
    if (w.workers) l.workers = *w.workers;
    if (w.os && *w.os != host.os) {
      host.kernel = knobs_for(host.os, host.kernel, *w.os);
      host.os = *w.os;
    }
  }
  if (w.arrival_scale != 1.0) {
    for (model::ClientSpec& c : out.spec.clients) {
      if (!scale_arrivals(c.arrivals, w.arrival_scale))
        out.notes.push_back(c.name + ": replayed arrivals are not scaled");
    }
  }
  return out;
}

WhatIf without_written_values(const model::ScenarioSpec& spec, WhatIf w) {
  if (w.touches_listener()) {
    const std::vector<ListenerRef> refs = static_listeners(spec);
    assert(w.listener < refs.size());
    const model::HostSpec& host = spec.hosts[refs[w.listener].host];
    const model::ListenerSpec& l = host.listeners[refs[w.listener].listener];
    if (w.backlog && l.backlog.kind == model::BacklogRequest::Kind::kValue && l.backlog.value == *w.backlog)
      w.backlog.reset();
    if (w.workers && *w.workers == l.workers) w.workers.reset();
    if (w.os && *w.os == host.os) w.os.reset();
  }
  return w;
}

BacklogOutcome backlog_outcome(const model::ScenarioSpec& spec, std::size_t listener) {
  const ListenerRef ref = static_listeners(spec).at(listener);
  const model::HostSpec& host = spec.hosts[ref.host];
  const model::Personality p(host.os, host.kernel);
  const model::BacklogDecision d =
      p.listen_decision(model::backlog_argument(p, host.listeners[ref.listener].backlog), std::nullopt);
  const std::string somaxconn = std::to_string(host.kernel.somaxconn);
  BacklogOutcome out{d.requested, d.backlog, {}};
  switch (d.rule) {
    case model::BacklogRule::kAsRequested: break;
    case model::BacklogRule::kClampedToSomaxconn: out.why = "clamped to somaxconn " + somaxconn; break;
    case model::BacklogRule::kSomaxconnConstant: out.why = "SOMAXCONN means somaxconn " + somaxconn; break;
    case model::BacklogRule::kHintRange: out.why = "SOMAXCONN_HINT(n) clamped to its range"; break;
    case model::BacklogRule::kLegalRange:
      out.why = "clamped to the legal range [1, somaxconn " + somaxconn + "]";
      break;
    case model::BacklogRule::kUnchangedOnRelisten: out.why = "kept by a listen() on a listening socket"; break;
  }
  return out;
}

std::string describe_what_if(const model::ScenarioSpec& spec, const WhatIf& w) {
  if (w.empty()) return "as written";
  std::string s;
  if (w.touches_listener()) {
    const std::vector<ListenerRef> refs = static_listeners(spec);
    const model::HostSpec& host = spec.hosts[refs.at(w.listener).host];
    s = host.name + ":" + std::to_string(host.listeners[refs[w.listener].listener].port);
    if (w.backlog) s += " backlog " + std::to_string(*w.backlog) + ",";
    if (w.workers) s += " " + std::to_string(*w.workers) + (*w.workers == 1 ? " worker," : " workers,");
    if (w.os) s += " " + std::string(model::os_name(*w.os)) + ",";
    s.pop_back();
  }
  if (w.arrival_scale != 1.0) {
    if (!s.empty()) s += "; ";
    s += "arrivals x" + sim::format_number(w.arrival_scale);
  }
  return s;
}

}  // namespace viewer

// tests/kernel/simulate.cpp — see simulate.h.
#include "simulate.h"

#include <algorithm>
#include <string>

#include "model/personality.h"
#include "model/world.h"

namespace kernel {

namespace {

std::vector<std::int64_t> column_per_row(const sim::TimeSeries& ts, const std::string& name) {
  std::vector<std::int64_t> out;
  const auto& cols = ts.columns();
  const auto it = std::find(cols.begin(), cols.end(), name);
  if (it == cols.end()) return out;
  const auto c = static_cast<std::size_t>(it - cols.begin());
  for (const auto& row : ts.rows()) out.push_back(static_cast<std::int64_t>(row.values[c]));
  return out;
}

}  // namespace

std::int64_t Simulated::in_progress() const {
  const auto& k = client().counts;
  // Attempts whose client never saw connect() succeed and that did not end otherwise.
  // (Established attempts end as accepted, reset or pending, never refused.)
  return static_cast<std::int64_t>(k.attempts) - static_cast<std::int64_t>(k.established) -
         static_cast<std::int64_t>(k.refused) - static_cast<std::int64_t>(k.timed_out);
}

std::int64_t Simulated::established_by(std::int64_t ns) const {
  const auto& ts = results.timeseries;
  const auto& cols = ts.columns();
  const auto c = static_cast<std::size_t>(std::find(cols.begin(), cols.end(), "established") - cols.begin());
  std::int64_t n = 0;
  for (const auto& row : ts.rows())
    if (c < cols.size() && row.at.ns() <= ns) n += static_cast<std::int64_t>(row.values[c]);
  return n;
}

std::int64_t Simulated::connected_after_call(std::int64_t lo_ns, std::int64_t hi_ns) const {
  // The run keeps connect latencies in a histogram, not one by one. Walk its ranks:
  // percentile((r - 1/2) / count) is the r-th smallest latency, exact when its bucket
  // (4 ms wide around 1 s) saw one distinct value, as it does here where every latency
  // is 0 or a retransmission time.
  const sim::Histogram& h = client().connect_latency;
  const auto count = static_cast<std::int64_t>(h.count());
  std::int64_t n = 0;
  for (std::int64_t r = 1; r <= count; ++r) {
    const std::int64_t v = h.percentile((static_cast<double>(r) - 0.5) / static_cast<double>(count));
    if (v >= lo_ns && v < hi_ns) ++n;
  }
  return n;
}

Simulated simulate(const Experiment& x, const Realised& as_run) {
  const Sysctls& sysctls = as_run.sysctls;
  using model::Os;
  model::HostSpec host;
  host.name = "server";
  host.os = Os::kLinux;
  host.kernel = model::default_knobs(Os::kLinux);
  // The knobs are what the kernel had, so that a difference is the model's, not the
  // configuration's. (-1: unreadable; keep the personality's default.)
  auto set = [](std::int64_t& knob, std::int64_t v) {
    if (v >= 0) knob = v;
  };
  set(host.kernel.somaxconn, sysctls.somaxconn);
  set(host.kernel.tcp_syncookies, sysctls.tcp_syncookies);
  set(host.kernel.tcp_abort_on_overflow, sysctls.tcp_abort_on_overflow);
  set(host.kernel.tcp_synack_retries, sysctls.tcp_synack_retries);
  set(host.kernel.tcp_max_syn_backlog, sysctls.tcp_max_syn_backlog);
  if (as_run.hz > 0) host.kernel.hz = as_run.hz;  // the timer wheel's slots are in jiffies
  model::ListenerSpec l;
  l.port = 80;
  l.backlog = {model::BacklogRequest::Kind::kValue, x.backlog};
  // One worker with a constant service time is the real server's loop: accept, then stay
  // busy for accept_interval.
  l.workers = x.accept_interval_ns ? 1 : 0;
  l.service = sim::ConstantDist{sim::Duration::from_ns(as_run.service_ns)};
  host.listeners.push_back(l);

  model::ClientSpec client;
  client.name = "storm";
  client.os = Os::kLinux;
  client.target_host = 0;
  client.target_port = 80;
  // connect() i at i * gap: BurstArrivals spreads `count` evenly over [at, at + over).
  client.arrivals =
      model::BurstArrivals{x.connects, sim::Time::zero(), sim::Duration::from_ns(as_run.connect_gap_ns * x.connects)};
  // The client's own kernel: the same namespace's sysctls, read as a client group's
  // `kernel:` map (both ends of a loopback experiment share them).
  model::KernelKnobs client_knobs = model::default_knobs(Os::kLinux);
  set(client_knobs.tcp_syn_retries, sysctls.tcp_syn_retries);
  // Absent (-1): a kernel before 6.5, which has no linear timeouts.
  client_knobs.tcp_syn_linear_timeouts = std::max<std::int64_t>(0, sysctls.tcp_syn_linear_timeouts);
  if (as_run.hz > 0) client_knobs.hz = as_run.hz;
  client.kernel = client_knobs;

  Simulated s;
  s.spec.name = "kernel-fidelity";
  s.spec.seed = 1;  // nothing here is random: constant service, evenly spread arrivals
  s.spec.duration = sim::Duration::from_ns(x.observe_ns);
  s.spec.sample_interval = std::min(sim::seconds(1), s.spec.duration);
  s.spec.hosts.push_back(host);
  s.spec.clients.push_back(client);
  s.results = model::run_scenario(s.spec);
  s.established_per_second = column_per_row(s.results.timeseries, "established");
  s.accepted_per_second = column_per_row(s.results.timeseries, "accepted");
  return s;
}

Simulated simulate(const HeldRequests& x, const Sysctls& sysctls) {
  using model::Os;
  model::HostSpec host;
  host.name = "server";
  host.os = Os::kLinux;
  host.kernel = model::default_knobs(Os::kLinux);
  if (sysctls.tcp_abort_on_overflow >= 0) host.kernel.tcp_abort_on_overflow = sysctls.tcp_abort_on_overflow;
  if (sysctls.tcp_syncookies >= 0) host.kernel.tcp_syncookies = sysctls.tcp_syncookies;
  if (sysctls.somaxconn >= 0) host.kernel.somaxconn = sysctls.somaxconn;
  model::ListenerSpec l;
  l.port = 80;
  l.backlog = {model::BacklogRequest::Kind::kValue, x.backlog};
  host.listeners.push_back(l);
  const auto group = [](std::string name, model::BurstArrivals arrivals) {
    model::ClientSpec c;
    c.name = std::move(name);
    c.os = Os::kLinux;
    c.target_host = 0;
    c.target_port = 80;
    c.arrivals = arrivals;
    return c;
  };
  Simulated s;
  s.spec.name = "kernel-held-requests";
  s.spec.duration = sim::milliseconds(300);
  s.spec.sample_interval = s.spec.duration;
  s.spec.hosts.push_back(host);
  if (x.queued > 0) {
    s.spec.clients.push_back(group("queued", {x.queued, sim::Time::zero(), sim::milliseconds(5 * x.queued)}));
  }
  s.spec.clients.push_back(
      group("held", {x.held, sim::Time::zero() + sim::milliseconds(5 * x.queued + 50), sim::Duration::zero()}));
  s.results = model::run_scenario(s.spec);
  return s;
}

}  // namespace kernel

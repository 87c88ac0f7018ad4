#include "model/stepper.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "model/network.h"

namespace model {

Stepper::Stepper(ScenarioSpec spec, TraceObserver* observer)
    : spec_(std::move(spec)), end_(sim::Time::zero() + spec_.duration) {
  world_ = std::make_unique<World>(spec_, engine_);
  world_->set_observer(observer);
  world_->start();

  group_links_.resize(spec_.clients.size());
  if (!spec_.network) return;
  link_count_ = spec_.network->links.size();
  // The World has routed the same spec already, so every route exists.
  const std::optional<Network> net = Network::build(spec_).network;
  if (!net) return;
  for (std::size_t c = 0; c < spec_.clients.size(); ++c) {
    const ClientSpec& cs = spec_.clients[c];
    const std::size_t routes = cs.balancer ? spec_.balancers[*cs.balancer].backends.size() : 1;
    std::vector<std::uint32_t>& links = group_links_[c];
    for (std::size_t b = 0; b < routes; ++b) {
      const Path& p = net->path(c, b);
      links.insert(links.end(), p.links.begin(), p.links.end());
    }
    std::sort(links.begin(), links.end());
    links.erase(std::unique(links.begin(), links.end()), links.end());
  }
}

Stepper::~Stepper() = default;

bool Stepper::step() {
  if (at_end()) return false;
  // One event at most, and none after the end (Engine::step alone would not stop there).
  engine_.set_event_limit(engine_.events_processed() + 1);
  engine_.run_until(end_);
  engine_.set_event_limit(UINT64_MAX);
  return true;
}

void Stepper::advance_to(sim::Time t) { engine_.run_until(std::min(t, end_)); }

Snapshot Stepper::snapshot() const {
  Snapshot s;
  s.now = engine_.now();
  s.events = engine_.events_processed();

  s.listeners.reserve(world_->listener_count());
  for (std::size_t i = 0; i < world_->listener_count(); ++i) {
    const World::ListenerState w = world_->listener_state(i);
    const ListenerResults& r = *w.counters;
    const Personality& p = *w.personality;
    ListenerSnapshot l;
    l.host = r.host;
    l.port = r.port;
    l.os = p.os();
    l.open = w.open;
    l.stalled = w.stalled;
    l.backlog = w.backlog;
    l.accept_len = w.accept_len;
    l.accept_limit = p.accept_limit(w.backlog).full_at;
    l.syn_len = w.syn_len;
    l.syn_limit = p.syn_limit(w.backlog).full_at;
    l.syn_acked = w.syn_acked;
    l.defers_accept = r.defer_accept_retransmits > 0;
    l.workers = w.workers;
    l.busy_workers = w.busy_workers;
    l.syns_received = r.syns_received;
    l.syns_dropped = r.syns_dropped;
    l.syncookies_sent = r.syncookies_sent;
    l.resets_sent = r.resets_sent;
    l.acks_dropped = r.acks_dropped;
    l.accepted = r.accepted;
    l.reuseport_socket = r.reuseport_socket;
    l.reuseport_sockets = r.reuseport_sockets;
    s.listeners.push_back(std::move(l));
  }

  s.link_load.assign(link_count_, 0);
  for (std::size_t h = 0; h < spec_.hosts.size(); ++h) s.host_down.push_back(world_->host_down(h));
  for (std::size_t l = 0; l < link_count_; ++l) s.link_down.push_back(world_->link_down(l));
  s.clients.reserve(spec_.clients.size());
  for (std::size_t i = 0; i < spec_.clients.size(); ++i) {
    const ClientResults& r = world_->client_results(i);
    ClientSnapshot c{.name = r.name,
                     .counts = r.counts,
                     .spoofed = r.spoofed,
                     .spoofed_syns = r.spoofed_syns,
                     .syn_retransmits = r.syn_retransmits,
                     .segments_lost = world_->segments_lost(i),
                     .connect_latency = r.connect_latency};
    OutcomeCounts& k = c.counts;
    k.pending = k.attempts - (k.accepted + k.refused + k.timed_out + k.reset);
    for (const std::uint32_t link : group_links_[i]) s.link_load[link] += k.pending;
    s.totals.add(k);
    if (i == 0) s.connect_latency = sim::Histogram(r.connect_latency.sub_bits());
    s.connect_latency.merge(r.connect_latency);
    s.clients.push_back(std::move(c));
  }
  s.balancers = world_->balancer_results();
  s.series = world_->series();
  s.loops = world_->loop_states();
  s.proxies = world_->proxy_states();
  return s;
}

}  // namespace model

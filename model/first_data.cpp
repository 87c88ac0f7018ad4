#include "model/first_data.h"

namespace model {

namespace {

// TCP_RETRIES2's 15 retransmissions: past them the kernel gives the connection up; here
// the data simply stops (the attempt is decided by then in any scenario of minutes).
constexpr int kMaxDataTransmissions = 16;

}  // namespace

bool ScenarioSpec::simulates_first_data(std::size_t i) const {
  if (clients[i].spoofed) return false;
  if (clients[i].first_data) return true;
  for (const HostSpec& h : hosts) {
    for (const ListenerSpec& l : h.listeners) {
      if (l.defer_accept_seconds > 0) return true;
    }
  }
  return false;
}

FirstData::FirstData(const ScenarioSpec& spec, sim::Engine& engine, sim::EventHandler& timers, ConnectionPool& pool,
                     Wire& wire)
    : engine_(engine), timers_(timers), pool_(pool), wire_(wire) {
  groups_.resize(spec.clients.size());
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    const ClientSpec& cs = spec.clients[i];
    if (!spec.simulates_first_data(i)) continue;
    Group& g = groups_[i];
    g.delay = cs.first_data.value_or(sim::ConstantDist{sim::Duration::zero()});
    g.personality = client_personality(cs);
    g.rng = sim::RandomStream(spec.seed, "client/" + cs.name + "/first_data");
  }
}

bool FirstData::any() const {
  for (const Group& g : groups_) {
    if (g.delay) return true;
  }
  return false;
}

void FirstData::report(std::size_t i, ClientResults& out) const {
  const Group& g = groups_[i];
  out.sends_data = g.delay.has_value();
  out.data_sent = g.sent;
  out.data_retransmits = g.retransmits;
}

void FirstData::connected(std::uint32_t slot) {
  Connection& c = pool_[slot];
  Group& g = groups_[c.client];
  if (!g.delay) return;
  const sim::Duration delay = sim::sample(*g.delay, g.rng);
  if (delay.is_infinite()) return;  // first_data: never
  c.data_transmissions = 0;
  c.data_acked = false;
  // The SYN timer is over once connected: its due time now keeps the data timer's.
  c.syn_timer_due = engine_.now() + delay;
  engine_.schedule_at(c.syn_timer_due, timers_, pack_timer(slot, c.generation, TimerKind::kFirstData));
}

void FirstData::arm(std::uint32_t slot, sim::Duration timeout) {
  Connection& c = pool_[slot];
  c.syn_timer_due = groups_[c.client].personality.timer_fire_time(engine_.now(), timeout);
  engine_.schedule_at(c.syn_timer_due, timers_, pack_timer(slot, c.generation, TimerKind::kFirstData));
}

void FirstData::on_timer(std::uint32_t slot) {
  Connection& c = pool_[slot];
  if (c.client_state != ClientState::kEstablished || c.data_acked || engine_.now() != c.syn_timer_due) return;
  if (c.data_transmissions >= kMaxDataTransmissions) return;
  Group& g = groups_[c.client];
  if (c.measured) ++(c.data_transmissions == 0 ? g.sent : g.retransmits);
  ++c.data_transmissions;
  wire_.send(slot, Segment::kData);
  arm(slot, g.personality.data_rto(wire_.round_trip(c), c.data_transmissions - 1));
}

void FirstData::receive_data_ack(std::uint32_t slot) { pool_[slot].data_acked = true; }

}  // namespace model

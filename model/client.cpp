#include "model/client.h"

#include <algorithm>
#include <variant>

#include "model/first_data.h"
#include "model/retry.h"
#include "sim/distribution.h"

namespace model {

namespace {

// Where a new connection's SYN goes: the group's target, or the backend its balancer picks.
void aim(Connection& c, const ClientSpec& spec, Balancers& balancers) {
  if (spec.balancer) {
    balancers.open_flow(c);
    return;
  }
  c.host = static_cast<std::uint32_t>(spec.target_host);
  c.port = static_cast<std::uint16_t>(spec.target_port);
}

// The RetryOn bit of a settled outcome (RetrySpec::on): refused, timed out and reset are
// the bits 1, 2 and 4, in the order of their Outcomes; accepted none.
constexpr std::uint8_t retry_on(Outcome o) {
  return static_cast<std::uint8_t>(((1u << static_cast<unsigned>(o)) >> 1) & 7u);
}
static_assert(retry_on(Outcome::kAccepted) == 0 && retry_on(Outcome::kRefused) == kRetryOnRefused &&
              retry_on(Outcome::kTimedOut) == kRetryOnTimedOut && retry_on(Outcome::kReset) == kRetryOnReset);

}  // namespace

Clients::Clients(const ScenarioSpec& spec, sim::Engine& engine, sim::TimerLanes& lanes, sim::EventHandler& timers,
                 ConnectionPool& pool, Balancers& balancers, Addressing& addressing, Wire& wire, const Tracer& tracer,
                 RunDigest& digest)
    : engine_(engine),
      end_(sim::Time::zero() + spec.duration),
      lanes_(lanes),
      timers_(timers),
      pool_(pool),
      addressing_(addressing),
      balancers_(balancers),
      wire_(wire),
      tracer_(tracer),
      digest_(digest),
      window_(measured_span(spec)),
      detail_(spec.sample_detail) {
  groups_.resize(spec.clients.size());
  for (std::uint32_t i = 0; i < groups_.size(); ++i) {
    const ClientSpec& cs = spec.clients[i];
    Group& g = groups_[i];
    g.owner = this;
    g.index = i;
    g.spec = &cs;
    g.population = std::get_if<ClosedLoopArrivals>(&cs.arrivals);
    if (g.population) g.chains.resize(static_cast<std::size_t>(g.population->users));
    if (cs.os_mix.empty()) {
      const Personality p = client_personality(cs);
      g.own = OsBehaviour{p, p.syn_schedule(cs.syn_retries)};
    } else {
      // Each OS with its own defaults (a mix takes no kernel knobs).
      g.os_rng = sim::RandomStream(spec.seed, "client/" + cs.name + "/os");
      double sum = 0;
      for (const OsShare& share : cs.os_mix) {
        ClientSpec one = cs;
        one.os = share.os;
        one.kernel.reset();
        const Personality p = client_personality(one);
        g.mix.push_back(OsBehaviour{p, p.syn_schedule(cs.syn_retries)});
        sum += share.share;
        g.os_cumulative.push_back(sum);
        OsResults o;
        o.os = std::string(os_name(share.os));
        o.share = share.share;
        g.out.os_mix.push_back(std::move(o));
      }
      g.own = g.mix.front();
      g.mixed = true;
      // A user of a closed population keeps one OS for the whole run.
      for (Chain& ch : g.chains) ch.os = draw_os(g);
    }
    g.arrivals = ArrivalProcess(cs.arrivals);
    g.arrival_rng = sim::RandomStream(spec.seed, "client/" + cs.name + "/arrivals");
    g.retry_rng = sim::RandomStream(spec.seed, "client/" + cs.name + "/retry");
    g.out.name = cs.name;
    g.out.spoofed = cs.spoofed;
    g.upstream = cs.upstream_of.has_value();
    g.retry_on = cs.retry.on;
    if (!g.upstream) user_groups_ = i + 1;  // the upstream groups come last
    // Its target is a proxy's listener (model/proxy.h): the requests of its accepted
    // connections are decided later.
    if (!cs.balancer && !cs.spoofed && !g.upstream) {
      const HostSpec& target = spec.hosts[cs.target_host];
      g.out.through_proxy = target.proxy && target.proxy->port == cs.target_port;
    }
    // Outcomes (bit 1 << Outcome) whose settling is more than counting and a chain's end:
    // those the policy retries, and every one of a proxy's groups.
    g.look_closer = g.upstream || g.out.through_proxy ? 0xFF : static_cast<std::uint8_t>((cs.retry.on & 7u) << 1);
    g.unusual = g.mixed || g.upstream;
  }
}

std::uint8_t Clients::draw_os(Group& g) {
  const double u = g.os_rng.uniform01();
  std::size_t k = 0;
  while (k + 1 < g.os_cumulative.size() && u >= g.os_cumulative[k]) ++k;
  return static_cast<std::uint8_t>(k);
}

void Clients::start() {
  for (Group& g : groups_) {
    if (g.upstream) continue;  // a proxy calls connect() for it
    if (g.population) {
      // Each user's first connect() comes after a first think time.
      for (std::uint32_t u = 0; u < g.chains.size(); ++u) user_thinks(g, u, sim::Duration::zero());
      continue;
    }
    g.next_arrival = g.arrivals.next(g.arrival_rng);
    schedule_next_arrival(g);
  }
}

void Clients::Group::handle(sim::Engine& engine, std::uint64_t arg) {
  if (arg != 0) {
    owner->pool_.drop_pending();  // held since retry() or user_thinks() scheduled it
    owner->connect(*this, static_cast<std::uint32_t>(arg - 1));
    return;
  }
  // Every connect() of this instant is made before any segment is delivered, as when many
  // clients send at once; but not past the in-flight limit, which stops the run after this
  // event (a burst of 10^9 at one instant would otherwise hold them all at once).
  const sim::Time now = engine.now();
  owner->arrive(*this);
  while (next_arrival && *next_arrival == now && !owner->pool_.limit_hit()) {
    owner->arrive(*this);
    next_arrival = arrivals.next(arrival_rng);
  }
  owner->schedule_next_arrival(*this);
}

// Schedules the pending arrival and looks one ahead (to group arrivals of one instant).
void Clients::schedule_next_arrival(Group& g) {
  if (!g.next_arrival || *g.next_arrival >= end_) return;
  engine_.schedule_at(*g.next_arrival, g, 0);
  g.next_arrival = g.arrivals.next(g.arrival_rng);
}

// An open-loop arrival: a new chain's first connect(), or a forged SYN.
void Clients::arrive(Group& g) {
  if (g.spec->spoofed) {
    spoofed_syn(g);
    return;
  }
  std::uint32_t chain;
  if (!g.free_chains.empty()) {
    chain = g.free_chains.back();
    g.free_chains.pop_back();
    g.chains[chain] = Chain{};
  } else {
    chain = static_cast<std::uint32_t>(g.chains.size());
    g.chains.emplace_back();
  }
  if (g.mixed) g.chains[chain].os = draw_os(g);
  connect(g, chain);
}

void Clients::connect(Group& g, std::uint32_t chain) {
  const std::uint32_t slot = pool_.allocate(g.index);
  Connection& c = pool_[slot];
  Chain& ch = g.chains[chain];
  if (ch.retries == 0) ch.first = engine_.now();
  c.started = engine_.now();
  c.chain = chain;
  c.retry_no = ch.retries;
  c.os = ch.os;
  c.client_state = ClientState::kSynSent;
  c.measured = measured(c.started);
  if (c.measured) {
    ++g.out.counts.attempts;
    if (g.mixed) ++g.out.os_mix[c.os].counts.attempts;
  }
  c.attempt = ++g.attempts_made;
  aim(c, *g.spec, balancers_);
  launch(g, slot);
}

void Clients::connect_upstream(std::uint32_t group, std::uint16_t backend, std::uint32_t host, int port,
                               std::uint32_t request, bool measured) {
  Group& g = groups_[group];
  const std::uint32_t slot = pool_.allocate(group);
  Connection& c = pool_[slot];
  c.started = engine_.now();
  c.chain = request;
  c.client_state = ClientState::kSynSent;
  c.measured = measured;
  if (measured) ++g.out.counts.attempts;
  c.attempt = ++g.attempts_made;
  c.host = host;
  c.port = static_cast<std::uint16_t>(port);
  c.backend = backend;
  c.upstream = true;
  launch(g, slot);
}

void Clients::launch(Group& g, std::uint32_t slot) {
  Connection& c = pool_[slot];
  addressing_.assign(c);
  tracer_.note(TraceKind::kConnect, slot);
  if (c.retry_no > 0 && c.measured) ++g.out.app_retries;  // (a proxy's connect() is never a retry)
  // The application's connect_timeout, or the OS's own limit (BSD keepinit).
  const sim::Duration deadline = std::min(g.spec->connect_timeout, behaviour(g, c).syn_schedule.deadline);
  if (!deadline.is_infinite()) {
    lanes_.set(timers_, deadline, engine_.now() + deadline, pack_timer(slot, c.generation, TimerKind::kConnectTimeout));
  }
  send_syn(slot);
}

// One SYN from a forged address: it makes no connect() and waits for nothing.
void Clients::spoofed_syn(Group& g) {
  const std::uint32_t slot = pool_.allocate(g.index);
  Connection& c = pool_[slot];
  c.started = engine_.now();
  c.spoofed = true;
  c.measured = measured(c.started);
  if (c.measured) ++g.out.spoofed_syns;
  c.attempt = ++g.attempts_made;
  aim(c, *g.spec, balancers_);
  addressing_.assign_forged(c);
  wire_.send(slot, Segment::kSyn);
}

void Clients::send_syn(std::uint32_t slot) {
  Connection& c = pool_[slot];
  const int k = c.syn_transmissions++;
  wire_.send(slot, Segment::kSyn);
  const OsBehaviour& b = behaviour(groups_[c.client], c);
  const sim::Duration rto = b.syn_schedule.rto(k);
  c.syn_timer_due = b.personality.timer_fire_time(engine_.now(), rto);
  lanes_.set(timers_, rto, c.syn_timer_due, pack_timer(slot, c.generation, TimerKind::kSynRetransmit));
}

void Clients::receive_synack(std::uint32_t slot) {
  Connection& c = pool_[slot];
  Group& g = groups_[c.client];
  switch (c.client_state) {
    case ClientState::kSynSent:
      c.client_state = ClientState::kEstablished;
      tracer_.note(TraceKind::kEstablished, slot);
      if (c.measured) {
        ++g.out.counts.established;
        g.out.connect_latency.record((engine_.now() - c.started).ns());
        if (detail_) g.interval_latency.record((engine_.now() - c.started).ns());
        if (g.unusual) [[unlikely]] {
          if (g.mixed) {
            OsResults& o = g.out.os_mix[c.os];
            ++o.counts.established;
            o.connect_latency.record((engine_.now() - c.started).ns());
          }
          if (g.upstream) upstream_->upstream_established(c);
        }
      }
      wire_.send(slot, Segment::kAck);
      if (first_data_) first_data_->connected(slot);
      return;
    case ClientState::kEstablished:
      wire_.send(slot, Segment::kAck);  // a retransmitted SYN-ACK: the client ACKs it again
      return;
    case ClientState::kDone:
      // The client gave up; its kernel answers a SYN-ACK for a closed socket with RST.
      wire_.send(slot, Segment::kClientRst);
      return;
  }
}

void Clients::receive_rst(std::uint32_t slot) {
  Connection& c = pool_[slot];
  if (c.client_state == ClientState::kDone) return;
  const SynRetransmitSchedule& schedule = behaviour(groups_[c.client], c).syn_schedule;
  if (c.client_state == ClientState::kSynSent && c.rst_resends < schedule.rst_retries) {
    // Windows (KB175523): the host answered, so the SYN is re-sent after the base
    // timeout, without backing off, before connect() reports WSAECONNREFUSED.
    ++c.rst_resends;
    c.syn_timer_due = sim::Time::never();  // the RTO timer of the refused SYN is void
    lanes_.set(timers_, schedule.rst_interval, engine_.now() + schedule.rst_interval,
               pack_timer(slot, c.generation, TimerKind::kRstRetry));
    return;
  }
  // A RST in SYN_SENT is "connection refused" (tcp_reset: ECONNREFUSED). A client that
  // has sent its final ACK is ESTABLISHED: connect() has succeeded, and a RST now (Linux
  // tcp_abort_on_overflow, FreeBSD rst_on_sock_fail, a socket closed since the SYN) is
  // ECONNRESET on its next call: the connection was reset, not refused.
  settle(slot, c.client_state == ClientState::kEstablished ? Outcome::kReset : Outcome::kRefused);
  pool_.release_if_idle(slot);
}

void Clients::on_timer(std::uint32_t slot, TimerKind kind) {
  Connection& c = pool_[slot];
  switch (kind) {
    case TimerKind::kSynRetransmit: {
      if (c.client_state != ClientState::kSynSent || engine_.now() != c.syn_timer_due) return;
      Group& g = groups_[c.client];
      // Checked before retransmitting (tcp_retransmit_timer -> tcp_write_timeout), with
      // the time measured from the first SYN, which connect() sent.
      if (behaviour(g, c).syn_schedule.give_up(c.syn_transmissions - 1, engine_.now() - c.started) != SynGiveUp::kNo) {
        gives_up(slot);
      } else {
        if (c.measured) ++g.out.syn_retransmits;
        send_syn(slot);
      }
      return;
    }
    case TimerKind::kConnectTimeout:
      if (c.client_state == ClientState::kSynSent) gives_up(slot);
      return;
    case TimerKind::kRstRetry:
      if (c.client_state == ClientState::kSynSent) {
        if (c.measured) ++groups_[c.client].out.syn_retransmits;
        send_syn(slot);
      }
      return;
    case TimerKind::kSynAckRetransmit:   // the listener's
    case TimerKind::kFirstData: return;  // the first data part's
  }
}

void Clients::gives_up(std::uint32_t slot) {
  settle(slot, Outcome::kTimedOut);
  pool_.release_if_idle(slot);
}

void Clients::settle(std::uint32_t slot, Outcome outcome, sim::Duration served) {
  Connection& c = pool_[slot];
  Group& g = groups_[c.client];
  count(c, outcome);
  digest_.mix(static_cast<std::uint64_t>(engine_.now().ns()));
  digest_.mix((static_cast<std::uint64_t>(c.client) << 8) | static_cast<std::uint64_t>(outcome));
  c.client_state = ClientState::kDone;
  if (tracer_.on()) {
    TraceEvent e = tracer_.about(TraceKind::kOutcome, slot);
    e.outcome = outcome;
    tracer_.emit(e);
  }
  // The client has gone: a balancer forgets the flow (an accepted one ends with its service).
  if (c.flow_open && outcome != Outcome::kAccepted) balancers_.end_flow(c);
  if (((g.look_closer >> static_cast<unsigned>(outcome)) & 1u) != 0) [[unlikely]] {
    if (g.upstream) {
      upstream_->upstream_settled(c, outcome, served);
      return;
    }
    // Accepted by a proxy: its user waits for the request's result (request_result).
    if (outcome == Outcome::kAccepted) return;
    if ((g.retry_on & retry_on(outcome)) != 0 && retry(g, c.chain)) return;
  }
  chain_done(g, c.chain, served);
}

void Clients::request_result(std::uint32_t group, std::uint32_t chain, sim::Time started, bool measured,
                             RequestResult result) {
  Group& g = groups_[group];
  if (measured) {
    g.out.requests.count(result);
    g.out.first_byte.record((engine_.now() - started).ns());
  }
  if (result != RequestResult::kOk && (g.retry_on & kRetryOn5xx) != 0 && retry(g, chain)) {
    if (measured) ++g.out.retries_on_5xx;
    return;
  }
  chain_done(g, chain, sim::Duration::zero());
}

// Schedules the next attempt of a chain after a failure, if its policy retries.
bool Clients::retry(Group& g, std::uint32_t chain) {
  const RetrySpec& r = g.spec->retry;
  Chain& ch = g.chains[chain];
  if (r.policy == RetryPolicy::kNone || ch.retries >= r.max) return false;
  const sim::Duration delay = retry_delay(r, ch.retries, ch.retries == 0 ? r.backoff : ch.previous, g.retry_rng);
  const sim::Time at = engine_.now() + delay;
  if (!may_retry(r, ch.retries, ch.first, at)) return false;
  ch.previous = delay;
  ++ch.retries;
  if (at < end_) {
    engine_.schedule_at(at, g, static_cast<std::uint64_t>(chain) + 1);
    pool_.hold_pending();
  }
  return true;
}

// A chain's last attempt is decided: a user thinks and starts again; an open-loop
// arrival's chain is over.
void Clients::chain_done(Group& g, std::uint32_t chain, sim::Duration busy) {
  if (g.population) {
    user_thinks(g, chain, busy);
  } else {
    g.free_chains.push_back(chain);
  }
}

// User u of a closed population calls connect() again after `busy` and a think time.
void Clients::user_thinks(Group& g, std::uint32_t u, sim::Duration busy) {
  const std::uint8_t os = g.chains[u].os;
  g.chains[u] = Chain{};
  g.chains[u].os = os;
  const sim::Time at = engine_.now() + busy + sim::sample(g.population->think, g.arrival_rng);
  if (at < end_) {
    engine_.schedule_at(at, g, static_cast<std::uint64_t>(u) + 1);
    pool_.hold_pending();
  }
}

sim::Histogram Clients::take_interval_latency(std::size_t i) {
  sim::Histogram h = groups_[i].interval_latency;
  groups_[i].interval_latency.clear();
  return h;
}

OutcomeCounts Clients::totals() const {
  OutcomeCounts t;
  for (std::size_t i = 0; i < user_groups_; ++i) t.add(groups_[i].out.counts);
  return t;
}

}  // namespace model

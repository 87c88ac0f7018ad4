#include "model/world.h"

#include <algorithm>
#include <variant>
#include <vector>

#include "model/addressing.h"
#include "model/balancer.h"
#include "model/client.h"
#include "model/connection_pool.h"
#include "model/digest.h"
#include "model/event_loop.h"
#include "model/faults.h"
#include "model/first_data.h"
#include "model/host.h"
#include "model/listener.h"
#include "model/measurement.h"
#include "model/proxy.h"
#include "model/sampler.h"
#include "model/script_runner.h"
#include "model/stepper.h"
#include "model/tracer.h"
#include "model/wire.h"
#include "sim/timer_lanes.h"

namespace model {

namespace {

std::vector<Host> make_hosts(const ScenarioSpec& spec) {
  std::vector<Host> hosts;
  hosts.reserve(spec.hosts.size());
  for (const auto& h : spec.hosts) hosts.emplace_back(h);
  return hosts;
}

// Whether the groups that connect arrive as Poisson processes (forged SYNs offer no work).
ArrivalKind arrival_kind(const ScenarioSpec& spec) {
  ArrivalKind kind = ArrivalKind::kPoisson;
  for (const ClientSpec& c : spec.clients) {
    if (c.spoofed) continue;
    if (c.retry.policy != RetryPolicy::kNone && c.retry.max > 0) return ArrivalKind::kOther;
    if (std::holds_alternative<RampArrivals>(c.arrivals) || std::holds_alternative<FlashCrowdArrivals>(c.arrivals)) {
      kind = ArrivalKind::kPoissonVarying;
    } else if (!std::holds_alternative<PoissonArrivals>(c.arrivals)) {
      return ArrivalKind::kOther;
    }
  }
  return kind;
}

}  // namespace

// The parts of the handshake, built in the order they depend on one another, and the two
// dispatchers that route what comes back from the engine: arriving segments (from the
// wire) and connection timers (from the timer lanes) go to the client's or the listener's
// part by what they are.
struct World::Impl {
  // Client-side timers and server-side request timers of pooled connections.
  struct Timers final : sim::EventHandler {
    Impl* world = nullptr;
    void handle(sim::Engine&, std::uint64_t arg) override { world->on_timer(arg); }
  };
  // Segments that have crossed the network.
  struct Arrivals final : sim::EventHandler {
    Impl* world = nullptr;
    void handle(sim::Engine&, std::uint64_t arg) override { world->on_segment(arg); }
  };

  Impl(const ScenarioSpec& s, sim::Engine& e)
      : spec(s),
        with_upstreams(any_proxy(s) ? std::optional<ScenarioSpec>(with_upstream_groups(s)) : std::nullopt),
        ms(with_upstreams ? *with_upstreams : s),
        engine(e),
        hosts(make_hosts(ms)),
        balancers(ms, e),
        addressing(ms),
        pool(e, balancers, addressing),
        lanes(e, pool),
        tracer(e, pool),
        wire(ms, e, lanes, pool, balancers, tracer, arrivals),
        clients(ms, e, lanes, timers, pool, balancers, addressing, wire, tracer, digest),
        first_data(ms, e, timers, pool, wire),
        listeners(ms, e, lanes, timers, hosts, pool, balancers, wire, clients, tracer),
        loops(ms, e, listeners, tracer),
        proxies(ms, e, pool, clients, listeners, tracer, digest),
        script(ms, e, hosts, listeners, tracer, digest),
        faults(ms, e, listeners, loops, wire, tracer),
        sampler(ms, e, clients, listeners),
        measurement(ms, e, listeners) {
    timers.world = this;
    arrivals.world = this;
    tracer.watch(listeners);
    listeners.set_waiter(&script);
    // Only a scenario whose clients send data pays for the call on each connect().
    if (first_data.any()) clients.set_first_data(&first_data);
    // Only a scenario with proxies hands requests to them.
    if (proxies.any()) {
      clients.set_upstream_owner(&proxies);
      loops.set_proxies(&proxies);
      proxies.set_loops(&loops);
    }
  }

  static bool any_proxy(const ScenarioSpec& s) {
    return std::any_of(s.hosts.begin(), s.hosts.end(), [](const HostSpec& h) { return h.proxy.has_value(); });
  }

  // The order of the first events scheduled at t = 0 is part of the run.
  void start() {
    listeners.open_static();
    script.start();
    faults.start();
    clients.start();
    sampler.start();
    measurement.start();
    if (proxies.any()) proxies.start();
  }

  void on_segment(std::uint64_t arg) {
    if (pool.stale(arg)) return;  // its connection is gone
    const std::uint32_t slot = unpack(arg).slot;
    switch (static_cast<Segment>(unpack(arg).kind)) {
      case Segment::kSyn:
        listeners.receive_syn(slot);
        // Nobody waits for a forged SYN: the slot lives only while the server keeps a request.
        if (pool[slot].spoofed) pool.release_if_idle(slot);
        return;
      case Segment::kSynAck: clients.receive_synack(slot); return;
      case Segment::kAck: listeners.receive_ack(slot); return;
      case Segment::kRst: clients.receive_rst(slot); return;
      case Segment::kClientRst: listeners.receive_client_rst(slot); return;
      case Segment::kData: listeners.receive_ack(slot, true); return;
      case Segment::kDataAck: first_data.receive_data_ack(slot); return;
    }
  }

  void on_timer(std::uint64_t arg) {
    if (pool.stale(arg)) return;
    const Unpacked u = unpack(arg);
    const auto kind = static_cast<TimerKind>(u.kind);
    if (kind == TimerKind::kSynAckRetransmit) {
      listeners.on_synack_timer(u.slot);
    } else if (kind == TimerKind::kFirstData) {
      first_data.on_timer(u.slot);
    } else {
      clients.on_timer(u.slot, kind);
    }
  }

  RunResults finish() {
    const sim::Time now = engine.now();
    // Every attempt still open is pending, in slot order (deterministic).
    for (std::uint32_t slot = 0; slot < pool.size(); ++slot) {
      const Connection& c = pool[slot];
      if (!c.live || c.client_state == ClientState::kDone) continue;
      clients.count(c, Outcome::kPending);
      digest.mix(static_cast<std::uint64_t>(c.client) << 8 | static_cast<std::uint64_t>(Outcome::kPending));
    }
    if (proxies.any()) proxies.finish();
    sampler.finish();

    RunResults r;
    r.script = script.finish();
    r.scenario = spec.name;
    r.seed = spec.seed;
    r.events = engine.events_processed();
    r.end = now;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      ClientResults& g = clients.results(i);
      g.segments_lost = wire.segments_lost(i);
      first_data.report(i, g);
      if (!g.counts.balanced() && r.internal_error.empty()) {
        r.internal_error = "outcomes of client " + g.name + " do not add up";
      }
      r.totals.add(g.counts);
      r.clients.push_back(g);
    }
    if (proxies.any()) close_proxies(r, now);
    r.balancers = balancers.results();
    if (spec.measure) r.window = MeasureSpan{spec.measure->from, spec.measure->to};
    r.arrivals = arrival_kind(spec);
    measurement.close(now);
    for (std::size_t i = 0; i < listeners.size(); ++i) {
      Listener& l = listeners[i];
      l.out.servers = l.workers;
      l.out.service_mean_s = sim::mean_seconds(l.service);
      l.out.service_exponential = std::holds_alternative<sim::ExponentialDist>(l.service);
      l.out.queue_places = l.personality.accept_limit(l.backlog).full_at;
      // A port a script bound but never listened on (a UDP socket whose listen failed) is
      // no listener, unless a SYN came to it.
      if (l.listed || l.out.syns_received > 0) r.listeners.push_back(l.out);
    }
    r.loops = loops.results(now);
    // An event-loop listener: its servers are its loops, its service their CPU per connection.
    for (ListenerResults& l : r.listeners) {
      const ListenerSpec* ls = nullptr;
      for (const HostSpec& h : spec.hosts) {
        for (const ListenerSpec& candidate : h.listeners) {
          if (h.name == l.host && candidate.port == l.port && candidate.loops) ls = &candidate;
        }
      }
      if (!ls) continue;
      l.servers = ls->loops->count;
      l.servers_are_loops = true;
      l.service_mean_s = sim::mean_seconds(ls->loops->accept_cost) + sim::mean_seconds(ls->loops->request_cost);
      l.service_exponential = false;
      double busy = 0;
      for (const LoopResults& lp : r.loops) {
        const int socket = static_cast<int>(l.reuseport_socket);
        if (lp.host == l.host && lp.port == l.port && lp.socket == socket) busy += lp.busy_fraction;
      }
      l.busy_ns = static_cast<std::int64_t>(busy * l.span_seconds * 1e9);
    }
    for (const auto& g : r.clients) {
      const OutcomeCounts& k = g.counts;
      for (std::uint64_t v : {k.attempts, k.established, k.accepted, k.refused, k.timed_out, k.reset, k.pending}) {
        digest.mix(v);
      }
    }
    r.digest = digest.value();
    r.timeseries = sampler.take_series();
    return r;
  }

  // The proxies' results, and their counts checked: every request a proxy took ends in one
  // result; each connection a client group got accepted through a proxy carries one
  // request, and each connection a proxy's listener accepted is one of its requests.
  void close_proxies(RunResults& r, sim::Time now) {
    r.proxies = proxies.results(now);
    for (const ClientResults& g : r.clients) {
      if (!g.through_proxy) continue;
      r.requests.add(g.requests);
      if ((!g.requests.balanced() || g.requests.requests != g.counts.accepted) && r.internal_error.empty()) {
        r.internal_error = "requests of client " + g.name + " do not add up";
      }
    }
    for (std::size_t k = 0; k < r.proxies.size(); ++k) {
      const RequestCounts& q = r.proxies[k].requests;
      const Listener& front = listeners[proxies.listener(k)];
      std::uint64_t accepted = 0;  // by every socket of its port (a reuseport group)
      for (std::size_t i = 0; i < listeners.size(); ++i) {
        if (listeners[i].host_index == front.host_index && listeners[i].port == front.port) {
          accepted += listeners[i].out.accepted;
        }
      }
      const bool adds_up =
          q.balanced() && q.requests == proxies.taken(k) + proxies.handed(k) && proxies.taken(k) == accepted;
      if (!adds_up && r.internal_error.empty()) {
        r.internal_error = "requests of proxy " + r.proxies[k].host + " do not add up";
      }
      for (std::uint64_t v : {q.requests, q.ok, q.bad_gateway, q.gateway_timeout, q.unavailable, q.pending}) {
        digest.mix(v);
      }
    }
  }

  const ScenarioSpec& spec;  // the scenario
  // With proxies: the scenario with their upstream groups (with_upstream_groups), which the
  // parts run; `ms` is it, or the scenario itself.
  std::optional<ScenarioSpec> with_upstreams;
  const ScenarioSpec& ms;
  sim::Engine& engine;
  RunDigest digest;
  std::vector<Host> hosts;
  Timers timers;
  Arrivals arrivals;
  Balancers balancers;
  Addressing addressing;
  ConnectionPool pool;
  sim::TimerLanes lanes;
  Tracer tracer;
  Wire wire;
  Clients clients;
  FirstData first_data;
  Listeners listeners;
  EventLoops loops;
  Proxies proxies;
  ScriptRunner script;
  Faults faults;
  Sampler sampler;
  Measurement measurement;
};

World::World(const ScenarioSpec& spec, sim::Engine& engine) : impl_(std::make_unique<Impl>(spec, engine)) {}
World::~World() = default;
void World::start() { impl_->start(); }
RunResults World::finish() { return impl_->finish(); }
std::size_t World::connections_in_flight() const { return impl_->pool.in_flight(); }
void World::set_observer(TraceObserver* observer) {
  impl_->tracer.set_observer(observer);
  if (observer) impl_->addressing.turn_on();  // before the run starts: see Addressing::turn_on
}

void World::set_inflight_limit(std::size_t limit) { impl_->pool.set_limit(limit); }
bool World::inflight_limit_hit() const { return impl_->pool.limit_hit(); }

RunResults run_scenario(const ScenarioSpec& spec, const RunControl& control) {
  sim::Engine engine;
  World world(spec, engine);
  world.set_inflight_limit(control.max_inflight);
  world.set_observer(control.observer);
  world.start();
  const sim::Time end = sim::Time::zero() + spec.duration;
  // The run goes in slices of kPollEvents events, so that the limits and the interrupt are
  // checked between events without a test in the loop itself. Where a slice ends never
  // changes the run: every slice runs the same events in the same order.
  // Starting may already hold more than the limit (a closed population's users).
  CutShort cut = world.inflight_limit_hit() ? CutShort::kMaxInflight : CutShort::kNo;
  sim::Time clock_at = engine.now();
  std::uint64_t events_when_clock_moved = engine.events_processed();
  while (cut == CutShort::kNo) {
    const std::uint64_t done = engine.events_processed();
    engine.set_event_limit(std::min(control.max_events, done + RunControl::kPollEvents));
    const sim::StopReason why = engine.run_until(end);
    if (why == sim::StopReason::kStopped) {
      if (world.inflight_limit_hit()) cut = CutShort::kMaxInflight;
      break;
    }
    if (why != sim::StopReason::kEventLimit) break;
    if (engine.events_processed() >= control.max_events) {
      cut = CutShort::kMaxEvents;
      break;
    }
    if (control.interrupted && control.interrupted()) {
      cut = CutShort::kInterrupted;
      break;
    }
    if (engine.now() != clock_at) {
      clock_at = engine.now();
      events_when_clock_moved = engine.events_processed();
    } else if (engine.events_processed() - events_when_clock_moved >= control.max_events_at_one_instant) {
      cut = CutShort::kStalled;
      break;
    }
  }
  RunResults r = world.finish();
  r.cut_short = cut;
  return r;
}

// ---- the state between events (model::Stepper) ------------------------------------------

std::size_t World::listener_count() const { return impl_->listeners.size(); }

World::ListenerState World::listener_state(std::size_t i) const {
  const Listener& l = impl_->listeners[i];
  return {.counters = &l.out,
          .personality = &l.personality,
          .open = l.open,
          .stalled = l.stalled,
          .backlog = l.backlog,
          .accept_len = static_cast<std::int64_t>(l.accept_queue.size()),
          .syn_len = l.syn_queue_len,
          .syn_acked = l.syn_queue_acked,
          .workers = l.workers,
          .busy_workers = l.busy_workers};
}

std::vector<LoopSnapshot> World::loop_states() const {
  const EventLoops& loops = impl_->loops;
  std::vector<LoopResults> so_far = loops.results(impl_->engine.now());
  std::vector<LoopSnapshot> out;
  out.reserve(loops.size());
  for (std::size_t i = 0; i < loops.size(); ++i) {
    out.push_back({.so_far = std::move(so_far[i]),
                   .listener = loops.listener_of(loops[i]),
                   .busy = loops[i].busy,
                   .open = loops[i].open});
  }
  return out;
}

std::vector<ProxySnapshot> World::proxy_states() const {
  const Proxies& proxies = impl_->proxies;
  std::vector<ProxyResults> so_far = proxies.results(impl_->engine.now());
  std::vector<ProxySnapshot> out;
  out.reserve(proxies.size());
  for (std::size_t k = 0; k < proxies.size(); ++k) {
    ProxySnapshot s{
        .so_far = std::move(so_far[k]), .host = proxies.host(k), .queued = proxies.queued(k), .backends = {}};
    for (std::size_t b = 0; b < proxies.backend_count(k); ++b) {
      s.backends.push_back({.idle = proxies.idle(k, b), .busy = proxies.busy(k, b), .down = proxies.down(k, b)});
    }
    out.push_back(std::move(s));
  }
  return out;
}

const ClientResults& World::client_results(std::size_t i) const { return impl_->clients.results(i); }

std::uint64_t World::segments_lost(std::size_t client) const { return impl_->wire.segments_lost(client); }

const sim::TimeSeries& World::series() const { return impl_->sampler.series(); }

std::vector<BalancerResults> World::balancer_results() const { return impl_->balancers.results(); }

bool World::host_down(std::size_t h) const { return impl_->wire.host_down(h); }

bool World::link_down(std::size_t l) const { return impl_->wire.link_down(l); }

}  // namespace model

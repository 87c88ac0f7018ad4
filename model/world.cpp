#include "model/world.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "model/arrivals.h"
#include "model/network.h"
#include "model/personality.h"
#include "model/retry.h"
#include "model/socket_api.h"
#include "model/trace.h"
#include "sim/distribution.h"
#include "sim/random.h"
#include "sim/stats.h"

namespace model {

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kAccepted: return "accepted";
    case Outcome::kRefused: return "refused";
    case Outcome::kTimedOut: return "timed_out";
    case Outcome::kReset: return "reset";
    case Outcome::kPending: return "pending";
  }
  return "?";
}

std::string_view cut_short_name(CutShort c) {
  switch (c) {
    case CutShort::kNo: return "no";
    case CutShort::kMaxEvents: return "max_events";
    case CutShort::kMaxInflight: return "max_inflight";
    case CutShort::kInterrupted: return "interrupted";
  }
  return "?";
}

void OutcomeCounts::count(Outcome o) {
  switch (o) {
    case Outcome::kAccepted: ++accepted; break;
    case Outcome::kRefused: ++refused; break;
    case Outcome::kTimedOut: ++timed_out; break;
    case Outcome::kReset: ++reset; break;
    case Outcome::kPending: ++pending; break;
  }
}

void OutcomeCounts::add(const OutcomeCounts& o) {
  attempts += o.attempts;
  established += o.established;
  accepted += o.accepted;
  refused += o.refused;
  timed_out += o.timed_out;
  reset += o.reset;
  pending += o.pending;
}

namespace {

// What each end of one attempt is doing.
enum class ClientState : std::uint8_t { kSynSent, kEstablished, kDone };
enum class ServerState : std::uint8_t {
  kNone,      // the server keeps nothing for it (not yet reached, dropped, or a cookie)
  kRequest,   // half-open: in the SYN queue, SYN-ACK timer running
  kQueued,    // complete: in the accept queue
};

// One connect() call and what the listener keeps for it. Pooled: slots are reused, and
// `generation` tells a timer set for an earlier occupant of the slot to do nothing.
struct Connection {
  sim::Time started;
  sim::Time queued;  // entered the SYN queue, then the accept queue
  sim::Time syn_timer_due = sim::Time::never();  // the live SYN retransmission timer
  std::uint32_t client = 0;
  std::uint32_t listener = 0;
  std::uint32_t generation = 0;
  std::uint32_t attempt = 0;  // the client group's attempt number (for narration)
  std::uint32_t chain = 0;    // the client group's chain of attempts this one belongs to
  std::uint16_t retry_no = 0;
  std::uint16_t backend = 0;  // through a balancer: the backend it picked (else 0)
  std::uint8_t syn_transmissions = 0;
  std::uint8_t synack_timeouts = 0;  // Linux req->num_timeout
  std::uint8_t rst_resends = 0;      // Windows: SYNs re-sent after a RST
  ClientState client_state = ClientState::kDone;
  ServerState server_state = ServerState::kNone;
  bool cookie = false;  // the server answered with a SYN cookie and kept nothing
  bool live = false;
  bool spoofed = false;    // a forged SYN: nobody at the client's end
  bool flow_open = false;  // a balancer counts it among its backend's active connections
};

// One logical client: a first attempt and the application retries that follow it (an
// open-loop arrival), or one user of a closed population, whose chain starts again after
// each think time.
struct Chain {
  sim::Time first;                                // its current first attempt
  sim::Duration previous = sim::Duration::zero();  // the last retry delay (decorrelated jitter)
  std::uint16_t retries = 0;                       // retries made since `first`
};

// The service-done event of a worker carries the accepted descriptor and, when the
// connection came through a balancer, the flow to end: (balancer + 1, backend).
constexpr std::uint64_t pack_service(std::int64_t fd, std::uint32_t balancer_plus_one, std::uint16_t backend) {
  return static_cast<std::uint64_t>(fd) | (static_cast<std::uint64_t>(balancer_plus_one & 0xFFFFu) << 32) |
         (static_cast<std::uint64_t>(backend) << 48);
}

// A connection whose SYN has not reached a listener yet, or reached a closed port.
constexpr std::uint32_t kNoListener = UINT32_MAX;

enum class TimerKind : std::uint8_t { kSynRetransmit, kConnectTimeout, kSynAckRetransmit, kRstRetry };

// Segments of the handshake. Each crosses the network as an event, even at zero delay:
// segments sent at one instant are then received in the order they were sent, after
// everything already due at that instant, as a kernel's receive backlog would take them.
enum class Segment : std::uint8_t {
  kSyn,        // client -> server
  kSynAck,     // server -> client
  kAck,        // client -> server (the final ACK, or the ACK of a retransmitted SYN-ACK)
  kRst,        // server -> client
  kClientRst,  // client -> server: a SYN-ACK reached a client that gave up
};

// Timer and segment events carry (slot, generation, kind) in their 64-bit argument.
constexpr std::uint64_t pack(std::uint32_t slot, std::uint32_t generation, std::uint8_t kind) {
  return (static_cast<std::uint64_t>(slot) << 32) | (static_cast<std::uint64_t>(generation & 0xFFFFFFu) << 8) | kind;
}
constexpr std::uint64_t pack_timer(std::uint32_t slot, std::uint32_t generation, TimerKind kind) {
  return pack(slot, generation, static_cast<std::uint8_t>(kind));
}
struct Unpacked {
  std::uint32_t slot;
  std::uint32_t generation;
  std::uint8_t kind;
};
constexpr Unpacked unpack(std::uint64_t arg) {
  return {static_cast<std::uint32_t>(arg >> 32), static_cast<std::uint32_t>((arg >> 8) & 0xFFFFFFu),
          static_cast<std::uint8_t>(arg & 0xFF)};
}

// FNV-1a over 64-bit words: a stable, specified digest of the run's outcome stream.
constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;
inline void mix(std::uint64_t& h, std::uint64_t v) {
  h ^= v;
  h *= kFnvPrime;
}

}  // namespace

struct World::Impl {
  struct ClientGroup;
  struct Listener;

  // Client-side timers and server-side request timers of pooled connections.
  struct Timers final : sim::EventHandler {
    Impl* world = nullptr;
    void handle(sim::Engine&, std::uint64_t arg) override { world->on_timer(arg); }
  };

  // Timers and segments set `delay` after the instant they are set, whose due times are
  // therefore in the order they were set (now + delay, or the Linux timer wheel's rounding
  // of it, which keeps that order): a FIFO per (handler, delay) holds them, and only its
  // head is an engine event. Most of these timers are cancelled long before they fire (a
  // SYN-ACK arrives before the SYN's RTO); a lane keeps them out of the heap, where they
  // would make every push and pop slower. Entries due at one instant run in the order
  // they were set, when the lane's event comes up, as a kernel's timer wheel runs a
  // tick's timers together.
  struct TimerLane final : sim::EventHandler {
    const Impl* world = nullptr;
    sim::EventHandler* target = nullptr;
    sim::Duration delay;
    std::deque<std::pair<sim::Time, std::uint64_t>> due;  // (due, arg), non-decreasing
    bool armed = false;
    // Its event: runs every entry now due. The lane stays armed meanwhile, so that the
    // timers those entries set (into this lane too) are only appended; then it drops the
    // entries of connections that are gone (they could only return at once) and re-arms
    // for its new head.
    void handle(sim::Engine& engine, std::uint64_t) override {
      while (!due.empty() && due.front().first <= engine.now()) {
        const std::uint64_t arg = due.front().second;
        due.pop_front();
        target->handle(engine, arg);
      }
      while (!due.empty() && world->gone(due.front().second)) due.pop_front();
      armed = !due.empty();
      if (armed) engine.schedule_at(due.front().first, *this);
    }
  };

  // Delivers segments once they have crossed the network.
  struct Network final : sim::EventHandler {
    Impl* world = nullptr;
    void handle(sim::Engine&, std::uint64_t arg) override { world->on_segment(arg); }
  };

  struct Sampler final : sim::EventHandler {
    Impl* world = nullptr;
    void handle(sim::Engine&, std::uint64_t) override { world->on_sample(); }
  };

  struct Listener final : sim::EventHandler {
    Impl* world = nullptr;
    std::uint32_t index = 0;
    std::uint32_t host_index = 0;
    std::string host;
    int port = 0;
    std::int64_t fd = -1;  // its listening socket in the host's descriptor table
    bool open = false;     // listening now (a script may listen late, or close it)
    bool starved = false;  // an accept() found no descriptor: retry when one frees
    Personality personality{Os::kLinux, KernelKnobs{}};
    std::int64_t backlog = 0;
    int workers = 0;
    int busy_workers = 0;  // serving a connection (they finish their work across a restart)
    bool stalled = false;  // a stall fault: the workers do not call accept()
    bool restarting = false;          // a restart fault closed it; it listens again at the end
    const FaultSpec* slow = nullptr;  // a slow_start fault in progress
    sim::DurationDist service;
    sim::RandomStream service_rng{0};
    std::deque<std::uint32_t> accept_queue;  // connection slots, oldest first
    std::int64_t syn_queue_len = 0;
    std::int64_t syn_queue_young = 0;  // requests whose SYN-ACK has not timed out yet
    sim::TimeWeighted accept_level;
    sim::TimeWeighted syn_level;
    ListenerResults out;

    // A worker finished serving a connection; `arg` is pack_service(...).
    void handle(sim::Engine&, std::uint64_t arg) override { world->on_service_done(*this, arg); }
  };

  struct Balancer;

  struct ClientGroup final : sim::EventHandler {
    Impl* world = nullptr;
    std::uint32_t index = 0;
    const ClientSpec* spec = nullptr;
    std::uint32_t target_host = 0;
    int target_port = 0;
    Balancer* balancer = nullptr;  // the target, when it is a balancer
    const ClosedLoopArrivals* population = nullptr;  // a closed population (else open-loop arrivals)
    Personality personality{Os::kLinux, KernelKnobs{}};
    SynRetransmitSchedule syn_schedule;
    ArrivalProcess arrivals{PoissonArrivals{1}};
    sim::RandomStream arrival_rng{0};  // open-loop arrivals, or the users' think times
    sim::RandomStream retry_rng{0};
    sim::RandomStream network_rng{0};  // jitter and loss on its path
    std::vector<Chain> chains;         // a closed population: one per user, for good
    std::vector<std::uint32_t> free_chains;
    ClientResults out;

    // arg 0: the next arrivals; arg k > 0: the next attempt of chain k - 1 (a retry, or a
    // user back from thinking).
    void handle(sim::Engine&, std::uint64_t arg) override {
      if (arg == 0) {
        // Every connect() of this instant is made before any segment is delivered, as
        // when many clients send at once.
        const sim::Time now = world->engine.now();
        world->arrive(*this);
        while (next_arrival && *next_arrival == now) {
          world->arrive(*this);
          next_arrival = arrivals.next(arrival_rng);
        }
        schedule_next_arrival();
      } else {
        world->connect(*this, static_cast<std::uint32_t>(arg - 1));
      }
    }
    // Schedules the pending arrival and looks one ahead (to group arrivals of one instant).
    void schedule_next_arrival() {
      if (!next_arrival || *next_arrival >= world->end) return;
      world->engine.schedule_at(*next_arrival, *this, 0);
      next_arrival = arrivals.next(arrival_rng);
    }
    std::optional<sim::Time> next_arrival;
  };

  struct Host {
    explicit Host(const HostSpec& s)
        : spec(&s), personality(s.os, s.kernel), table(personality, s.max_sockets, s.socket_buffers.value_or(s.max_sockets)) {}
    const HostSpec* spec;
    Personality personality;
    SocketTable table;
    std::map<int, std::uint32_t> open_ports;    // port -> listening Listener
    std::map<int, std::uint32_t> slot_of_port;  // port -> its Listener slot, open or not
    std::map<std::string, std::int64_t> names;  // the script's descriptor names
    const ScriptStep* blocked_accept = nullptr;  // a blocking accept() waiting for a connection
  };

  // A NAT balancer: which backend each connection goes to, and what it knows of them.
  struct Balancer {
    const BalancerSpec* spec = nullptr;
    std::uint32_t index = 0;
    std::size_t next = 0;                  // round-robin position
    std::vector<sim::Time> down_until;     // per backend
    std::vector<std::int64_t> active;      // per backend: flows assigned and not ended
    sim::RandomStream rng{0};
    BalancerResults out;
  };

  // Starts (arg 2i) and ends (arg 2i + 1) fault i of the scenario.
  struct FaultRunner final : sim::EventHandler {
    Impl* world = nullptr;
    void handle(sim::Engine&, std::uint64_t arg) override { world->on_fault(world->spec.faults[arg / 2], arg % 2 == 0); }
  };

  // Runs the scenario's script steps at their times; `arg` indexes `steps`.
  struct ScriptRunner final : sim::EventHandler {
    Impl* world = nullptr;
    std::vector<const ScriptStep*> steps;  // by time, then file order
    void handle(sim::Engine&, std::uint64_t arg) override { world->run_step(*steps[arg]); }
  };

  const ScenarioSpec& spec;
  sim::Engine& engine;
  sim::Time end;
  std::vector<Host> hosts;
  std::optional<model::Network> net;  // none: every segment arrives at once
  std::vector<Listener> listeners;
  std::vector<Balancer> balancers;
  std::vector<ClientGroup> clients;
  std::vector<Connection> conns;
  std::vector<std::uint32_t> free_slots;
  std::size_t in_flight = 0;
  std::size_t inflight_limit = SIZE_MAX;
  bool inflight_limit_hit = false;
  TraceObserver* observer = nullptr;
  std::vector<ScriptResult> script_results;
  ScriptRunner script;
  FaultRunner faults;
  // host_down and link_down faults in progress, counted (they may overlap): per host, per
  // link, and in all (so that a run without one checks nothing per segment).
  std::vector<std::uint32_t> host_down;
  std::vector<std::uint32_t> link_down;
  std::uint32_t cuts = 0;
  Timers timers;
  Network network;
  std::vector<std::unique_ptr<TimerLane>> lanes;  // few: one per distinct (handler, delay)
  // Beyond this many lanes (looked up one by one), timers go to the heap: a scenario with
  // many distinct delays (many paths of different lengths) gains nothing from lanes.
  static constexpr std::size_t kMaxLanes = 64;
  Sampler sampler;
  std::uint64_t digest = kFnvOffset;
  sim::TimeSeries series{{}};
  // Cumulative values at the previous sample, to turn totals into per-interval figures.
  struct SampleMark {
    OutcomeCounts totals;
    std::uint64_t syns_dropped = 0;
    std::vector<double> accept_integral;
    std::vector<double> syn_integral;
  } mark;
  sim::Time last_sample;

  Impl(const ScenarioSpec& s, sim::Engine& e) : spec(s), engine(e), end(sim::Time::zero() + s.duration) {
    timers.world = this;
    network.world = this;
    sampler.world = this;
    script.world = this;
    faults.world = this;
    if (spec.network) {
      // config/ has checked that every client group reaches its target host.
      net = model::Network::build(spec).network;
      assert(net);
    }
    build_listeners();
    build_balancers();
    build_clients();
    build_series();
  }

  // ---- construction ----------------------------------------------------------------

  // One Listener slot per port a host may listen on: its `listeners:` entries and the
  // ports its script binds. Slots never move (handlers are addressed by pointer); a slot
  // is open while its socket listens.
  void build_listeners() {
    hosts.reserve(spec.hosts.size());
    for (const auto& h : spec.hosts) hosts.emplace_back(h);
    std::vector<std::pair<std::uint32_t, int>> slots;  // (host, port)
    for (std::uint32_t hi = 0; hi < spec.hosts.size(); ++hi) {
      for (const auto& ls : spec.hosts[hi].listeners) slots.emplace_back(hi, ls.port);
    }
    for (const auto& step : spec.script) {
      if (step.call != ScriptCall::kBind) continue;
      const auto hi = static_cast<std::uint32_t>(step.host);
      bool known = false;
      for (const auto& [h, port] : slots) known = known || (h == hi && port == step.port);
      if (!known) slots.emplace_back(hi, step.port);
    }
    listeners.resize(slots.size());
    for (std::uint32_t i = 0; i < slots.size(); ++i) {
      const auto [hi, port] = slots[i];
      Host& h = hosts[hi];
      Listener& l = listeners[i];
      l.world = this;
      l.index = i;
      l.host_index = hi;
      l.host = h.spec->name;
      l.port = port;
      l.personality = h.personality;
      const std::string entity = "host/" + l.host + "/listener/" + std::to_string(port);
      l.service_rng = sim::RandomStream(spec.seed, entity + "/service");
      l.out.host = l.host;
      l.out.port = port;
      h.slot_of_port[port] = i;
    }
  }

  // The application's listeners are open from t = 0.
  void open_static_listeners() {
    for (Host& h : hosts) {
      for (const auto& ls : h.spec->listeners) {
        const SocketResult r = h.table.open_listener(ls.port, backlog_argument(h.personality, ls.backlog));
        if (!r.ok()) continue;  // no descriptor for it: the port stays closed
        open_listener(h, h.slot_of_port.at(ls.port), r.value, ls.workers, ls.service);
      }
    }
  }

  void open_listener(Host& h, std::uint32_t slot, std::int64_t fd, int workers, const sim::DurationDist& service) {
    Listener& l = listeners[slot];
    l.fd = fd;
    l.open = true;
    l.backlog = *h.table.backlog_of(fd);
    l.out.backlog = l.backlog;
    l.workers = workers;
    l.service = service;
    h.open_ports[l.port] = slot;
  }

  void build_balancers() {
    balancers.resize(spec.balancers.size());
    for (std::uint32_t i = 0; i < balancers.size(); ++i) {
      const BalancerSpec& bs = spec.balancers[i];
      Balancer& b = balancers[i];
      b.spec = &bs;
      b.index = i;
      b.down_until.assign(bs.backends.size(), sim::Time::zero());
      b.active.assign(bs.backends.size(), 0);
      b.rng = sim::RandomStream(spec.seed, "balancer/" + bs.name);
      b.out.name = bs.name;
      for (const BackendRef& ref : bs.backends) {
        BackendResults r;
        r.host = spec.hosts[ref.host].name;
        r.port = ref.port;
        b.out.backends.push_back(r);
      }
    }
  }

  void build_clients() {
    clients.resize(spec.clients.size());
    for (std::uint32_t i = 0; i < clients.size(); ++i) {
      const ClientSpec& cs = spec.clients[i];
      ClientGroup& c = clients[i];
      c.world = this;
      c.index = i;
      c.spec = &cs;
      c.target_host = static_cast<std::uint32_t>(cs.target_host);
      c.target_port = cs.target_port;
      if (cs.balancer) c.balancer = &balancers[*cs.balancer];
      c.population = std::get_if<ClosedLoopArrivals>(&cs.arrivals);
      if (c.population) c.chains.resize(static_cast<std::size_t>(c.population->users));
      c.personality = Personality(cs.os, default_knobs(cs.os));
      c.syn_schedule = c.personality.syn_schedule(cs.syn_retries);
      c.arrivals = ArrivalProcess(cs.arrivals);
      c.arrival_rng = sim::RandomStream(spec.seed, "client/" + cs.name + "/arrivals");
      c.retry_rng = sim::RandomStream(spec.seed, "client/" + cs.name + "/retry");
      c.network_rng = sim::RandomStream(spec.seed, "client/" + cs.name + "/network");
      c.out.name = cs.name;
      c.out.spoofed = cs.spoofed;
    }
  }

  void build_series() {
    std::vector<std::string> columns = {"attempts", "established", "accepted", "refused",
                                        "timed_out", "reset", "syns_dropped"};
    for (const auto& l : listeners) {
      const std::string id = l.host + ":" + std::to_string(l.port);
      columns.push_back(id + ".accept_queue");
      columns.push_back(id + ".syn_queue");
    }
    series = sim::TimeSeries(std::move(columns));
    mark.accept_integral.assign(listeners.size(), 0.0);
    mark.syn_integral.assign(listeners.size(), 0.0);
  }

  void start() {
    open_static_listeners();
    for (const auto& step : spec.script) script.steps.push_back(&step);
    std::stable_sort(script.steps.begin(), script.steps.end(),
                     [](const ScriptStep* a, const ScriptStep* b) { return a->at < b->at; });
    for (std::size_t i = 0; i < script.steps.size(); ++i) engine.schedule_at(script.steps[i]->at, script, i);
    host_down.assign(spec.hosts.size(), 0);
    link_down.assign(spec.network ? spec.network->links.size() : 0, 0);
    for (std::size_t i = 0; i < spec.faults.size(); ++i) {
      const FaultSpec& f = spec.faults[i];
      engine.schedule_at(f.at, faults, 2 * i);
      if (f.at + f.length < end) engine.schedule_at(f.at + f.length, faults, 2 * i + 1);
    }
    for (auto& c : clients) {
      if (c.population) {
        // Each user's first connect() comes after a first think time.
        for (std::uint32_t u = 0; u < c.chains.size(); ++u) user_thinks(c, u, sim::Duration::zero());
        continue;
      }
      c.next_arrival = c.arrivals.next(c.arrival_rng);
      c.schedule_next_arrival();
    }
    if (spec.sample_interval < spec.duration) engine.schedule_in(spec.sample_interval, sampler);
  }

  // ---- timers ------------------------------------------------------------------------

  // Runs target.handle(arg) at `at`, which must be `delay` after now, or the rounding of
  // that up to a timer tick (so that due times in one lane never decrease). Should one
  // arrive out of order anyway, it goes to the engine's heap: never wrong, only slower.
  // `arg` is a connection's pack(): a lane drops it unrun once that connection is gone().
  void set_timer(sim::EventHandler& target, sim::Duration delay, sim::Time at, std::uint64_t arg) {
    TimerLane* lane = nullptr;
    for (const auto& l : lanes) {
      if (l->target == &target && l->delay == delay) lane = l.get();
    }
    if (!lane && lanes.size() >= kMaxLanes) {
      engine.schedule_at(at, target, arg);
      return;
    }
    if (!lane) {
      lanes.push_back(std::make_unique<TimerLane>());
      lane = lanes.back().get();
      lane->world = this;
      lane->target = &target;
      lane->delay = delay;
    }
    if (!lane->due.empty() && at < lane->due.back().first) {
      engine.schedule_at(at, target, arg);
      return;
    }
    lane->due.emplace_back(at, arg);
    if (!lane->armed) {  // it was empty
      lane->armed = true;
      engine.schedule_at(at, *lane);
    }
  }

  // ---- connection slots --------------------------------------------------------------

  std::uint32_t allocate(std::uint32_t client, std::uint32_t listener) {
    std::uint32_t slot;
    if (!free_slots.empty()) {
      slot = free_slots.back();
      free_slots.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(conns.size());
      conns.emplace_back();
    }
    Connection& c = conns[slot];
    const std::uint32_t generation = c.generation;
    c = Connection{};
    c.generation = generation;
    c.client = client;
    c.listener = listener;
    c.live = true;
    if (++in_flight > inflight_limit && !inflight_limit_hit) {
      inflight_limit_hit = true;
      engine.stop();  // after this event: the run ends here, cut short
    }
    return slot;
  }

  void release(std::uint32_t slot) {
    Connection& c = conns[slot];
    assert(c.live && c.server_state == ServerState::kNone);
    if (c.flow_open) end_flow(c);
    c.live = false;
    ++c.generation;
    free_slots.push_back(slot);
    --in_flight;
  }

  // An attempt's fate is decided: count it once. The slot is freed when neither end
  // holds anything more for it. An accepted connection keeps its client (a user of a
  // closed population, a balancer's flow) busy for `served`, the time the server serves it.
  void settle(std::uint32_t slot, Outcome outcome, sim::Duration served = sim::Duration::zero()) {
    Connection& c = conns[slot];
    ClientGroup& g = clients[c.client];
    g.out.counts.count(outcome);
    mix(digest, static_cast<std::uint64_t>(engine.now().ns()));
    mix(digest, (static_cast<std::uint64_t>(c.client) << 8) | static_cast<std::uint64_t>(outcome));
    c.client_state = ClientState::kDone;
    if (observer) {
      TraceEvent e = trace(TraceKind::kOutcome, slot);
      e.outcome = outcome;
      observer->on_event(e);
    }
    // The client has gone: a balancer forgets the flow (an accepted one ends with its service).
    if (c.flow_open && outcome != Outcome::kAccepted) end_flow(c);
    const bool failed = outcome == Outcome::kRefused || outcome == Outcome::kTimedOut;
    if (failed && retry(g, c.chain)) return;
    chain_done(g, c.chain, served);
  }

  // Schedules the next attempt of a chain after a failure, if its policy retries.
  bool retry(ClientGroup& g, std::uint32_t chain) {
    const RetrySpec& r = g.spec->retry;
    Chain& ch = g.chains[chain];
    if (r.policy == RetryPolicy::kNone || ch.retries >= r.max) return false;
    const sim::Duration delay = retry_delay(r, ch.retries, ch.retries == 0 ? r.backoff : ch.previous, g.retry_rng);
    const sim::Time at = engine.now() + delay;
    if (!may_retry(r, ch.retries, ch.first, at)) return false;
    ch.previous = delay;
    ++ch.retries;
    if (at < end) engine.schedule_at(at, g, static_cast<std::uint64_t>(chain) + 1);
    return true;
  }

  // A chain's last attempt is decided: a user thinks and starts again; an open-loop
  // arrival's chain is over.
  void chain_done(ClientGroup& g, std::uint32_t chain, sim::Duration busy) {
    if (g.population) {
      user_thinks(g, chain, busy);
    } else {
      g.free_chains.push_back(chain);
    }
  }

  // User u of a closed population calls connect() again after `busy` and a think time.
  void user_thinks(ClientGroup& g, std::uint32_t u, sim::Duration busy) {
    g.chains[u] = Chain{};
    const sim::Time at = engine.now() + busy + sim::sample(g.population->think, g.arrival_rng);
    if (at < end) engine.schedule_at(at, g, static_cast<std::uint64_t>(u) + 1);
  }

  void set_accept_level(Listener& l) {
    const auto len = static_cast<std::int64_t>(l.accept_queue.size());
    l.accept_level.set(engine.now(), len, l.personality.accept_queue_full(len, l.backlog));
  }
  void set_syn_level(Listener& l) {
    l.syn_level.set(engine.now(), l.syn_queue_len, l.personality.syn_queue_full(l.syn_queue_len, l.backlog));
  }

  // ---- tracing ------------------------------------------------------------------------

  TraceEvent trace(TraceKind kind, std::uint32_t slot) const {
    const Connection& c = conns[slot];
    TraceEvent e;
    e.at = engine.now();
    e.kind = kind;
    e.client = c.client;
    e.attempt = c.attempt;
    e.listener = c.listener;
    std::tie(e.host, e.port) = destination(c);
    if (c.listener != kNoListener) {
      const Listener& l = listeners[c.listener];
      e.accept_len = static_cast<std::int64_t>(l.accept_queue.size());
      e.syn_len = l.syn_queue_len;
      e.backlog = l.backlog;
    }
    e.transmission = c.syn_transmissions;
    e.retry_no = c.retry_no;
    e.next_retransmit = c.client_state == ClientState::kSynSent ? c.syn_timer_due : sim::Time::never();
    return e;
  }

  // ---- the network -----------------------------------------------------------------------

  void send(std::uint32_t slot, Segment segment) {
    if (observer) {
      TraceEvent e = trace(TraceKind::kSend, slot);
      e.segment = static_cast<SegmentKind>(segment);
      observer->on_event(e);
    }
    Connection& c = conns[slot];
    if (segment == Segment::kRst && c.flow_open) mark_down(c);  // the balancer sees the RST go by
    // A forged source address never answers, and nothing reaches it.
    if (c.spoofed && (segment == Segment::kSynAck || segment == Segment::kRst)) return;
    sim::Duration delay = sim::Duration::zero();
    if (cuts > 0) {
      if (const auto cause = cut_off(c)) return lose(slot, segment, *cause);
    }
    bool jittered = false;
    if (net) {
      // Both directions of a connection cross its client group's path (to its backend).
      ClientGroup& g = clients[c.client];
      const auto d = net->cross(g.index, c.backend, g.network_rng);
      if (!d) return lose(slot, segment, LossCause::kLinkLoss);
      delay = *d;
      jittered = net->path(g.index, c.backend).jittered;
    }
    const std::uint64_t arg = pack(slot, conns[slot].generation, static_cast<std::uint8_t>(segment));
    if (delay == sim::Duration::zero()) {
      engine.schedule_in(delay, network, arg);  // the engine's FIFO of the current instant
    } else if (jittered) {
      // Nearly every crossing takes a delay of its own: a lane per delay would hold one
      // segment each (and grow without end), so the heap takes them.
      engine.schedule_in(delay, network, arg);
    } else {
      set_timer(network, delay, engine.now() + delay, arg);
    }
  }

  // Whether a host_down or link_down fault cuts the connection's path now: its server
  // host is down, or a link of its path is. A segment is lost when it is sent across a
  // cut; one already on its way arrives.
  std::optional<LossCause> cut_off(const Connection& c) const {
    const ClientGroup& g = clients[c.client];
    const std::size_t server = g.balancer ? g.balancer->spec->backends[c.backend].host : g.target_host;
    if (host_down[server] > 0) return LossCause::kHostDown;
    if (!net) return std::nullopt;
    for (const std::uint32_t link : net->path(g.index, c.backend).links) {
      if (link_down[link] > 0) return LossCause::kLinkDown;
    }
    return std::nullopt;
  }

  void lose(std::uint32_t slot, Segment segment, LossCause cause) {
    ++clients[conns[slot].client].out.segments_lost;
    if (observer) {
      TraceEvent e = trace(TraceKind::kLost, slot);
      e.segment = static_cast<SegmentKind>(segment);
      e.loss = cause;
      observer->on_event(e);
    }
  }

  void on_segment(std::uint64_t arg) {
    const Unpacked u = unpack(arg);
    const Connection& c = conns[u.slot];
    if (!c.live || (c.generation & 0xFFFFFFu) != u.generation) return;  // its connection is gone
    switch (static_cast<Segment>(u.kind)) {
      case Segment::kSyn:
        server_receive_syn(u.slot);
        // Nobody waits for a forged SYN: the slot lives only while the server keeps a request.
        if (c.spoofed) release_if_idle(u.slot);
        return;
      case Segment::kSynAck: client_receive_synack(u.slot); return;
      case Segment::kAck: server_receive_ack(u.slot); return;
      case Segment::kRst: client_receive_rst(u.slot); return;
      case Segment::kClientRst: server_receive_client_rst(u.slot); return;
    }
  }

  // ---- the client ----------------------------------------------------------------------

  // An open-loop arrival: a new chain's first connect(), or a forged SYN.
  void arrive(ClientGroup& g) {
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
    connect(g, chain);
  }

  void connect(ClientGroup& g, std::uint32_t chain) {
    const std::uint32_t slot = allocate(g.index, kNoListener);
    Connection& c = conns[slot];
    Chain& ch = g.chains[chain];
    if (ch.retries == 0) ch.first = engine.now();
    c.started = engine.now();
    c.chain = chain;
    c.retry_no = ch.retries;
    c.client_state = ClientState::kSynSent;
    ++g.out.counts.attempts;
    c.attempt = static_cast<std::uint32_t>(g.out.counts.attempts);
    if (g.balancer) open_flow(*g.balancer, c);
    if (observer) observer->on_event(trace(TraceKind::kConnect, slot));
    if (c.retry_no > 0) ++g.out.app_retries;
    // The application's connect_timeout, or the OS's own limit (BSD keepinit).
    const sim::Duration deadline = std::min(g.spec->connect_timeout, g.syn_schedule.deadline);
    if (!deadline.is_infinite()) {
      set_timer(timers, deadline, engine.now() + deadline, pack_timer(slot, c.generation, TimerKind::kConnectTimeout));
    }
    send_syn(slot);
  }

  // One SYN from a forged address: it makes no connect() and waits for nothing.
  void spoofed_syn(ClientGroup& g) {
    const std::uint32_t slot = allocate(g.index, kNoListener);
    Connection& c = conns[slot];
    c.started = engine.now();
    c.spoofed = true;
    c.attempt = static_cast<std::uint32_t>(++g.out.spoofed_syns);
    if (g.balancer) open_flow(*g.balancer, c);
    send(slot, Segment::kSyn);
  }

  // ---- balancers -----------------------------------------------------------------------

  // Picks the backend of a new connection (BalancePolicy) and counts the flow.
  void open_flow(Balancer& b, Connection& c) {
    const std::size_t n = b.active.size();
    const sim::Time now = engine.now();
    bool any_up = false;
    for (const sim::Time t : b.down_until) any_up = any_up || t <= now;
    // With every backend down the balancer has nothing better: it picks among all.
    const auto eligible = [&](std::size_t i) { return !any_up || b.down_until[i] <= now; };
    // The k-th eligible backend counting from index 0.
    const auto kth_eligible = [&](std::uint64_t k) {
      for (std::size_t i = 0;; ++i) {
        if (eligible(i) && k-- == 0) return i;
      }
    };
    std::size_t eligible_count = 0;
    for (std::size_t i = 0; i < n; ++i) eligible_count += eligible(i) ? 1 : 0;
    std::size_t pick = 0;
    switch (b.spec->policy) {
      case BalancePolicy::kRoundRobin:
      case BalancePolicy::kLeastConnections: {
        // Round robin: the first eligible from the rotating position. Least connections:
        // the fewest active among the eligible, the earliest from that position on a tie.
        bool found = false;
        for (std::size_t k = 0; k < n; ++k) {
          const std::size_t i = (b.next + k) % n;
          if (!eligible(i)) continue;
          if (!found || (b.spec->policy == BalancePolicy::kLeastConnections && b.active[i] < b.active[pick])) pick = i;
          found = true;
          if (b.spec->policy == BalancePolicy::kRoundRobin) break;
        }
        b.next = (pick + 1) % n;
        break;
      }
      case BalancePolicy::kRandom:
        pick = kth_eligible(b.rng.below(eligible_count));
        break;
      case BalancePolicy::kTwoChoices: {
        if (eligible_count == 1) {
          pick = kth_eligible(0);
          break;
        }
        // Two distinct eligible backends, uniformly; the first drawn wins a tie.
        const std::uint64_t first = b.rng.below(eligible_count);
        std::uint64_t second = b.rng.below(eligible_count - 1);
        if (second >= first) ++second;
        const std::size_t x = kth_eligible(first);
        const std::size_t y = kth_eligible(second);
        pick = b.active[y] < b.active[x] ? y : x;
        break;
      }
    }
    c.backend = static_cast<std::uint16_t>(pick);
    c.flow_open = true;
    BackendResults& r = b.out.backends[pick];
    ++r.assigned;
    r.max_active = std::max(r.max_active, ++b.active[pick]);
  }

  void end_flow(Connection& c) {
    c.flow_open = false;
    --clients[c.client].balancer->active[c.backend];
  }

  // A backend answered RST: the balancer skips it for mark_down.
  void mark_down(const Connection& c) {
    Balancer& b = *clients[c.client].balancer;
    if (b.spec->mark_down == sim::Duration::zero()) return;
    if (b.down_until[c.backend] <= engine.now()) ++b.out.backends[c.backend].marked_down;
    b.down_until[c.backend] = engine.now() + b.spec->mark_down;
  }

  // The host and port a connection's SYN is for: the client group's target, or the
  // backend its balancer picked.
  std::pair<std::uint32_t, int> destination(const Connection& c) const {
    const ClientGroup& g = clients[c.client];
    if (!g.balancer) return {g.target_host, g.target_port};
    const BackendRef& ref = g.balancer->spec->backends[c.backend];
    return {static_cast<std::uint32_t>(ref.host), ref.port};
  }

  void send_syn(std::uint32_t slot) {
    Connection& c = conns[slot];
    const int k = c.syn_transmissions++;
    send(slot, Segment::kSyn);
    const ClientGroup& g = clients[c.client];
    const sim::Duration rto = g.syn_schedule.rto(k);
    c.syn_timer_due = g.personality.timer_fire_time(engine.now(), rto);
    set_timer(timers, rto, c.syn_timer_due, pack_timer(slot, c.generation, TimerKind::kSynRetransmit));
  }

  void client_receive_synack(std::uint32_t slot) {
    Connection& c = conns[slot];
    ClientGroup& g = clients[c.client];
    switch (c.client_state) {
      case ClientState::kSynSent:
        c.client_state = ClientState::kEstablished;
        ++g.out.counts.established;
        if (observer) observer->on_event(trace(TraceKind::kEstablished, slot));
        g.out.connect_latency.record((engine.now() - c.started).ns());
        send(slot, Segment::kAck);
        return;
      case ClientState::kEstablished:
        send(slot, Segment::kAck);  // a retransmitted SYN-ACK: the client ACKs it again
        return;
      case ClientState::kDone:
        // The client gave up; its kernel answers a SYN-ACK for a closed socket with RST.
        send(slot, Segment::kClientRst);
        return;
    }
  }

  void client_receive_rst(std::uint32_t slot) {
    Connection& c = conns[slot];
    if (c.client_state == ClientState::kDone) return;
    const ClientGroup& g = clients[c.client];
    if (c.client_state == ClientState::kSynSent && c.rst_resends < g.syn_schedule.rst_retries) {
      // Windows (KB175523): the host answered, so the SYN is re-sent after the base
      // timeout, without backing off, before connect() reports WSAECONNREFUSED.
      ++c.rst_resends;
      c.syn_timer_due = sim::Time::never();  // the RTO timer of the refused SYN is void
      set_timer(timers, g.syn_schedule.rst_interval, engine.now() + g.syn_schedule.rst_interval,
                pack_timer(slot, c.generation, TimerKind::kRstRetry));
      return;
    }
    // A RST to a SYN is "connection refused"; a RST to the final ACK (Linux
    // tcp_abort_on_overflow, FreeBSD rst_on_sock_fail) counts as refused too: the server
    // turned the connection away.
    settle(slot, Outcome::kRefused);
    release_if_idle(slot);
  }

  void client_gives_up(std::uint32_t slot) {
    settle(slot, Outcome::kTimedOut);
    release_if_idle(slot);
  }

  // Frees a slot that neither end needs any more.
  void release_if_idle(std::uint32_t slot) {
    const Connection& c = conns[slot];
    if (c.client_state == ClientState::kDone && c.server_state == ServerState::kNone) release(slot);
  }

  // ---- the server ----------------------------------------------------------------------

  void server_receive_syn(std::uint32_t slot) {
    Connection& c = conns[slot];
    if (c.server_state == ServerState::kNone && !c.cookie) {
      // Which socket the SYN finds is decided when it arrives: a port may open or close.
      const auto [host, port] = destination(c);
      const Host& h = hosts[host];
      const auto it = h.open_ports.find(port);
      c.listener = it == h.open_ports.end() ? kNoListener : it->second;
    }
    if (c.listener == kNoListener) {
      // No socket listens on the port: every kernel answers RST (tcp_v4_send_reset).
      send(slot, Segment::kRst);
      return;
    }
    Listener& l = listeners[c.listener];
    ++l.out.syns_received;
    if (c.server_state == ServerState::kRequest) {
      // A retransmitted SYN for a request we hold: tcp_check_req resends the SYN-ACK.
      send(slot, Segment::kSynAck);
      return;
    }
    if (c.server_state == ServerState::kQueued) return;  // a stale retransmission
    const auto accept_len = static_cast<std::int64_t>(l.accept_queue.size());
    const SynDecision d = l.personality.on_syn(accept_len, l.syn_queue_len, l.backlog);
    if (observer) {
      TraceEvent e = trace(TraceKind::kSynDecision, slot);
      e.syn = d;
      observer->on_event(e);
    }
    switch (d.verdict) {
      case SynVerdict::kDrop:
        ++l.out.syns_dropped;
        if (d.reason == SynReason::kAcceptQueueFull) ++l.out.listen_overflows;
        return;
      case SynVerdict::kRefuse:
        ++l.out.resets_sent;
        send(slot, Segment::kRst);
        return;
      case SynVerdict::kCookie:
        ++l.out.syncookies_sent;
        c.cookie = true;
        send(slot, Segment::kSynAck);
        return;
      case SynVerdict::kQueue:
        c.server_state = ServerState::kRequest;
        c.cookie = false;
        c.synack_timeouts = 0;
        c.queued = engine.now();
        ++l.syn_queue_len;
        ++l.syn_queue_young;
        set_syn_level(l);
        set_timer(timers, l.personality.knobs().syn_rto_initial,
                  l.personality.timer_fire_time(engine.now(), l.personality.knobs().syn_rto_initial),
                  pack_timer(slot, c.generation, TimerKind::kSynAckRetransmit));
        send(slot, Segment::kSynAck);
        return;
    }
  }

  void server_receive_ack(std::uint32_t slot) {
    Connection& c = conns[slot];
    if (c.listener == kNoListener) return;
    Listener& l = listeners[c.listener];
    if (!l.open) {
      send(slot, Segment::kRst);  // the socket closed since the SYN: the port is closed
      return;
    }
    const bool has_request = c.server_state == ServerState::kRequest;
    if (!has_request && !c.cookie) return;  // already queued or accepted: a duplicate ACK
    const auto accept_len = static_cast<std::int64_t>(l.accept_queue.size());
    const AckDecision decision = l.personality.on_final_ack(accept_len, l.backlog);
    const AckVerdict verdict = decision.verdict;
    if (observer) {
      TraceEvent e = trace(TraceKind::kAckDecision, slot);
      e.ack = decision;
      observer->on_event(e);
    }
    switch (verdict) {
      case AckVerdict::kComplete:
        if (has_request) remove_request(l, slot);
        c.cookie = false;
        enqueue(l, slot);
        return;
      case AckVerdict::kDrop:
        ++l.out.acks_dropped;
        ++l.out.listen_overflows;
        // A request stays (Linux marks it acked): its SYN-ACK timer will try again.
        if (!has_request) {
          // A cookie's ACK: no request exists to retry, and the server forgets it. The
          // client holds a connection the server never had.
          c.cookie = false;
          if (c.client_state == ClientState::kEstablished) settle(slot, Outcome::kReset);
          release_if_idle(slot);
        }
        return;
      case AckVerdict::kReset:
        ++l.out.resets_sent;
        if (has_request) remove_request(l, slot);
        c.cookie = false;
        send(slot, Segment::kRst);
        return;
    }
  }

  void server_receive_client_rst(std::uint32_t slot) {
    Connection& c = conns[slot];
    if (c.server_state == ServerState::kRequest) remove_request(listeners[c.listener], slot);
    c.cookie = false;  // (a request implies a listener)
    release_if_idle(slot);
  }

  void remove_request(Listener& l, std::uint32_t slot) {
    Connection& c = conns[slot];
    assert(c.server_state == ServerState::kRequest);
    c.server_state = ServerState::kNone;
    --l.syn_queue_len;
    if (c.synack_timeouts == 0) --l.syn_queue_young;
    set_syn_level(l);
  }

  void enqueue(Listener& l, std::uint32_t slot) {
    Connection& c = conns[slot];
    c.server_state = ServerState::kQueued;
    c.queued = engine.now();
    l.accept_queue.push_back(slot);
    set_accept_level(l);
    try_accept(l);
    complete_blocked_accept(l);
  }

  // A script's blocking accept() on this listener returns with the new connection.
  void complete_blocked_accept(Listener& l) {
    Host& h = hosts[l.host_index];
    if (!h.blocked_accept || l.accept_queue.empty() || listener_of(h, l.fd) != &l) return;
    const ScriptStep& st = *h.blocked_accept;
    const std::int64_t fd = st.fd ? *st.fd : h.names.count(st.socket) ? h.names.at(st.socket) : -1;
    if (fd != l.fd) return;
    h.blocked_accept = nullptr;
    h.table.unblock_thread();
    const SocketResult r = h.table.accept(fd, true);
    if (r.ok()) {
      accept_front(l);
      if (!st.as.empty()) h.names[st.as] = r.value;
    }
    record_step(h, st, r);
  }

  // Workers blocked in accept() take connections as soon as there are both (unless a
  // stall fault holds them). Each accept() needs a descriptor: without one the connection
  // stays queued and the worker tries again when a descriptor frees (Winsock listen page).
  void try_accept(Listener& l) {
    while (!l.stalled && l.busy_workers < l.workers && !l.accept_queue.empty()) {
      const SocketResult r = hosts[l.host_index].table.app_accept(l.fd);
      if (!r.ok()) {
        l.starved = true;
        return;
      }
      l.starved = false;
      ++l.busy_workers;
      const sim::Duration service = slowed(l, sim::sample(l.service, l.service_rng));
      const Connection& c = conns[l.accept_queue.front()];
      // The balancer's flow lasts as long as the service (pack_service).
      const std::uint32_t balancer = c.flow_open ? clients[c.client].balancer->index + 1 : 0;
      const std::uint16_t backend = c.backend;
      if (c.flow_open) conns[l.accept_queue.front()].flow_open = false;
      accept_front(l, service);
      engine.schedule_in(service, l, pack_service(r.value, balancer, backend));
    }
  }

  // A service time under a slow_start fault: multiplied by a factor that falls linearly
  // from the fault's `factor` at its start to 1 at its end.
  sim::Duration slowed(const Listener& l, sim::Duration d) const {
    if (!l.slow) return d;
    const double elapsed = (engine.now() - l.slow->at).seconds() / l.slow->length.seconds();
    const double m = l.slow->factor - (l.slow->factor - 1.0) * std::min(1.0, elapsed);
    return sim::duration_from_seconds(d.seconds() * m).value_or(sim::Duration::infinite());
  }

  // The application accepted the oldest completed connection; its server then serves it
  // for `served` (a script's accept: zero).
  void accept_front(Listener& l, sim::Duration served = sim::Duration::zero()) {
    const std::uint32_t slot = l.accept_queue.front();
    l.accept_queue.pop_front();
    Connection& c = conns[slot];
    ++l.out.accepted;
    l.out.accept_wait.record((engine.now() - c.queued).ns());
    c.server_state = ServerState::kNone;
    settle(slot, Outcome::kAccepted, served);
    release(slot);
    set_accept_level(l);
  }

  void on_service_done(Listener& l, std::uint64_t arg) {
    const auto fd = static_cast<std::int64_t>(arg & 0xFFFFFFFFu);
    if (const auto balancer = static_cast<std::uint32_t>((arg >> 32) & 0xFFFFu); balancer > 0) {
      --balancers[balancer - 1].active[arg >> 48];
    }
    Host& h = hosts[l.host_index];
    h.table.app_close(fd);
    --l.busy_workers;
    try_accept(l);
    for (const auto& [port, slot] : h.open_ports) {
      if (listeners[slot].starved) try_accept(listeners[slot]);
    }
  }

  // ---- faults --------------------------------------------------------------------------

  void on_fault(const FaultSpec& f, bool begins) {
    if (!on_listener(f.kind)) {
      std::uint32_t& count = f.kind == FaultKind::kHostDown ? host_down[f.host] : link_down[f.link];
      count = begins ? count + 1 : count - 1;
      cuts = begins ? cuts + 1 : cuts - 1;
      if (observer) {
        TraceEvent e;
        e.at = engine.now();
        e.kind = TraceKind::kFault;
        e.fault = &f;
        e.fault_begins = begins;
        observer->on_event(e);
      }
      return;
    }
    Host& h = hosts[f.host];
    Listener& l = listeners[h.slot_of_port.at(f.port)];
    switch (f.kind) {
      case FaultKind::kStall:
        l.stalled = begins;
        if (!begins) try_accept(l);
        break;
      case FaultKind::kSlowStart:
        l.slow = begins ? &f : nullptr;
        break;
      case FaultKind::kRestart:
        if (begins && l.open) {
          // The process closes its socket; what the queues held is reset, the port refuses.
          // Connections being served finish: their workers come back to the new socket.
          h.table.close(l.fd);
          close_listener(l);
          l.restarting = true;
        } else if (!begins && l.restarting) {
          l.restarting = false;
          for (const ListenerSpec& ls : h.spec->listeners) {
            if (ls.port != f.port) continue;
            const SocketResult r = h.table.open_listener(ls.port, backlog_argument(h.personality, ls.backlog));
            if (r.ok()) open_listener(h, l.index, r.value, ls.workers, ls.service);
          }
        }
        break;
      case FaultKind::kHostDown:
      case FaultKind::kLinkDown: break;  // not a listener's: counted above
    }
    if (observer) {
      TraceEvent e;
      e.at = engine.now();
      e.kind = TraceKind::kFault;
      e.listener = l.index;
      e.fault = &f;
      e.fault_begins = begins;
      e.accept_len = static_cast<std::int64_t>(l.accept_queue.size());
      e.syn_len = l.syn_queue_len;
      e.backlog = l.backlog;
      observer->on_event(e);
    }
  }

  // A listening socket was closed: the port refuses from now on, and what it held is
  // lost. Clients that believed they were connected end `reset`.
  void close_listener(Listener& l) {
    l.open = false;
    hosts[l.host_index].open_ports.erase(l.port);
    for (std::uint32_t slot = 0; slot < conns.size(); ++slot) {
      Connection& c = conns[slot];
      if (!c.live || c.listener != l.index || c.server_state == ServerState::kNone) continue;
      if (c.server_state == ServerState::kRequest) remove_request(l, slot);
      c.server_state = ServerState::kNone;
      if (c.client_state == ClientState::kEstablished) settle(slot, Outcome::kReset);
      release_if_idle(slot);
    }
    l.accept_queue.clear();
    set_accept_level(l);
  }

  // A half-open request's timer (Linux reqsk_timer_handler, FreeBSD syncache_timer):
  // retransmit the SYN-ACK with a doubling timeout, or forget the request once it has had
  // its retries (or, on the BSDs, once keepinit has passed since the SYN).
  void on_synack_timer(std::uint32_t slot) {
    Connection& c = conns[slot];
    Listener& l = listeners[c.listener];
    const Personality& p = l.personality;
    const int max_retries = p.synack_retries(l.syn_queue_len, l.syn_queue_young, l.backlog);
    if (c.synack_timeouts >= max_retries || engine.now() - c.queued >= p.knobs().keepinit) {
      ++l.out.requests_expired;
      if (observer) observer->on_event(trace(TraceKind::kRequestExpired, slot));
      remove_request(l, slot);
      // A client that saw the SYN-ACK believes it is connected; the server forgot it.
      if (c.client_state == ClientState::kEstablished) settle(slot, Outcome::kReset);
      release_if_idle(slot);
      return;
    }
    if (c.synack_timeouts++ == 0) --l.syn_queue_young;
    ++l.out.synacks_retransmitted;
    const sim::Duration timeout = p.synack_timeout(c.synack_timeouts);
    set_timer(timers, timeout, p.timer_fire_time(engine.now(), timeout),
              pack_timer(slot, c.generation, TimerKind::kSynAckRetransmit));
    send(slot, Segment::kSynAck);
  }

  // ---- the script ----------------------------------------------------------------------

  static std::string_view call_name(ScriptCall call) {
    switch (call) {
      case ScriptCall::kWsaStartup: return "wsastartup";
      case ScriptCall::kWsaCleanup: return "wsacleanup";
      case ScriptCall::kSocket: return "socket";
      case ScriptCall::kBind: return "bind";
      case ScriptCall::kListen: return "listen";
      case ScriptCall::kAccept: return "accept";
      case ScriptCall::kConnect: return "connect";
      case ScriptCall::kClose: return "close";
      case ScriptCall::kNetDown: return "net_down";
      case ScriptCall::kNetUp: return "net_up";
    }
    return "?";
  }

  // The open Listener a descriptor drives, if it is a listening socket with a slot.
  Listener* listener_of(Host& h, std::int64_t fd) {
    for (const auto& [port, slot] : h.open_ports) {
      if (listeners[slot].fd == fd) return &listeners[slot];
    }
    return nullptr;
  }

  void run_step(const ScriptStep& st) {
    Host& h = hosts[st.host];
    std::int64_t fd = -1;  // a name that was never bound: not a descriptor
    if (st.fd) {
      fd = *st.fd;
    } else if (const auto it = h.names.find(st.socket); it != h.names.end()) {
      fd = it->second;
    }
    SocketResult r;
    switch (st.call) {
      case ScriptCall::kWsaStartup: r = h.table.wsastartup(); break;
      case ScriptCall::kWsaCleanup: r = h.table.wsacleanup(); break;
      case ScriptCall::kSocket:
        r = h.table.socket(st.type);
        if (r.ok()) h.names[st.as] = r.value;
        break;
      case ScriptCall::kBind: r = h.table.bind(fd, st.port, st.address); break;
      case ScriptCall::kListen: {
        Listener* already = listener_of(h, fd);
        r = h.table.listen(fd, backlog_argument(h.personality, st.backlog));
        if (!r.ok()) break;
        if (already) {
          already->backlog = r.value;  // listen() again: the personality decided the value
          already->out.backlog = r.value;
          set_accept_level(*already);
        } else if (const auto port = h.table.port_of(fd); port && h.slot_of_port.count(*port)) {
          open_listener(h, h.slot_of_port.at(*port), fd, st.workers, st.service);
        }
        break;
      }
      case ScriptCall::kAccept: {
        Listener* l = listener_of(h, fd);
        r = h.table.accept(fd, l && !l->accept_queue.empty());
        if (r.ok()) {
          accept_front(*l);
          if (!st.as.empty()) h.names[st.as] = r.value;
        } else if (r.error == SocketError::kWouldBlock && st.blocking && l) {
          // A blocking accept() holds the script's thread until a connection completes;
          // meanwhile every other call on it is WSAEINPROGRESS under Windows.
          h.blocked_accept = &st;
          h.table.block_thread();
          return;  // the result is recorded when the accept returns
        }
        break;
      }
      case ScriptCall::kConnect: r = h.table.connect(fd); break;
      case ScriptCall::kClose: {
        Listener* l = listener_of(h, fd);
        r = h.table.close(fd);
        if (r.ok() && l) close_listener(*l);
        break;
      }
      case ScriptCall::kNetDown: h.table.set_net_down(true); break;
      case ScriptCall::kNetUp: h.table.set_net_down(false); break;
    }
    record_step(h, st, r);
  }

  void record_step(const Host& h, const ScriptStep& st, const SocketResult& r) {
    ScriptResult out;
    out.at = engine.now();
    out.line = st.line;
    out.host = h.spec->name;
    out.call = call_name(st.call);
    out.result = error_name(r.error, h.personality.os());
    out.expected = st.expect.value_or("");
    out.value = r.value;
    mix(digest, static_cast<std::uint64_t>(st.line) << 8 | static_cast<std::uint64_t>(r.error));
    script_results.push_back(std::move(out));
    if (observer) {
      TraceEvent e;
      e.at = engine.now();
      e.kind = TraceKind::kScriptCall;
      e.script = &script_results.back();
      observer->on_event(e);
    }
  }

  // ---- timers ------------------------------------------------------------------------

  // Whether the connection a timer or segment `arg` (pack()) belongs to is gone for good:
  // its slot was released or reused. Such an entry does nothing when it comes up.
  bool gone(std::uint64_t arg) const {
    const Unpacked u = unpack(arg);
    const Connection& c = conns[u.slot];
    return !c.live || (c.generation & 0xFFFFFFu) != u.generation;
  }

  void on_timer(std::uint64_t arg) {
    const Unpacked u = unpack(arg);
    Connection& c = conns[u.slot];
    if (!c.live || (c.generation & 0xFFFFFFu) != u.generation) return;  // stale
    switch (static_cast<TimerKind>(u.kind)) {
      case TimerKind::kSynRetransmit: {
        if (c.client_state != ClientState::kSynSent || engine.now() != c.syn_timer_due) return;
        ClientGroup& g = clients[c.client];
        if (c.syn_transmissions > g.syn_schedule.retries) {
          client_gives_up(u.slot);
        } else {
          ++g.out.syn_retransmits;
          send_syn(u.slot);
        }
        return;
      }
      case TimerKind::kConnectTimeout:
        if (c.client_state == ClientState::kSynSent) client_gives_up(u.slot);
        return;
      case TimerKind::kSynAckRetransmit:
        if (c.server_state == ServerState::kRequest) on_synack_timer(u.slot);
        return;
      case TimerKind::kRstRetry:
        if (c.client_state == ClientState::kSynSent) {
          ++clients[c.client].out.syn_retransmits;
          send_syn(u.slot);
        }
        return;
    }
  }

  // ---- sampling and results ------------------------------------------------------------

  OutcomeCounts totals() const {
    OutcomeCounts t;
    for (const auto& g : clients) t.add(g.out.counts);
    return t;
  }

  std::uint64_t total_syns_dropped() const {
    std::uint64_t n = 0;
    for (const auto& l : listeners) n += l.out.syns_dropped;
    return n;
  }

  void append_sample() {
    const sim::Time now = engine.now();
    const double dt = (now - last_sample).seconds();
    const OutcomeCounts t = totals();
    const std::uint64_t dropped = total_syns_dropped();
    std::vector<double> row = {
        static_cast<double>(t.attempts - mark.totals.attempts),
        static_cast<double>(t.established - mark.totals.established),
        static_cast<double>(t.accepted - mark.totals.accepted),
        static_cast<double>(t.refused - mark.totals.refused),
        static_cast<double>(t.timed_out - mark.totals.timed_out),
        static_cast<double>(t.reset - mark.totals.reset),
        static_cast<double>(dropped - mark.syns_dropped),
    };
    for (std::size_t i = 0; i < listeners.size(); ++i) {
      const double a = listeners[i].accept_level.integral(now);
      const double s = listeners[i].syn_level.integral(now);
      row.push_back(dt > 0 ? (a - mark.accept_integral[i]) / dt : 0.0);
      row.push_back(dt > 0 ? (s - mark.syn_integral[i]) / dt : 0.0);
      mark.accept_integral[i] = a;
      mark.syn_integral[i] = s;
    }
    series.append(now, row);
    mark.totals = t;
    mark.syns_dropped = dropped;
    last_sample = now;
  }

  void on_sample() {
    append_sample();
    if (engine.now() + spec.sample_interval <= end) engine.schedule_in(spec.sample_interval, sampler);
  }

  RunResults finish() {
    const sim::Time now = engine.now();
    // Every attempt still open is pending, in slot order (deterministic).
    for (std::uint32_t slot = 0; slot < conns.size(); ++slot) {
      const Connection& c = conns[slot];
      if (!c.live || c.client_state == ClientState::kDone) continue;
      clients[c.client].out.counts.count(Outcome::kPending);
      mix(digest, static_cast<std::uint64_t>(c.client) << 8 | static_cast<std::uint64_t>(Outcome::kPending));
    }
    if (now > last_sample) append_sample();
    // A blocking accept() still waiting has no result; say so rather than drop the step.
    for (const Host& h : hosts) {
      if (!h.blocked_accept) continue;
      record_step(h, *h.blocked_accept, SocketResult{});
      script_results.back().result = "BLOCKED";
    }

    RunResults r;
    r.scenario = spec.name;
    r.seed = spec.seed;
    r.events = engine.events_processed();
    r.end = now;
    for (auto& g : clients) {
      if (!g.out.counts.balanced() && r.internal_error.empty()) {
        r.internal_error = "outcomes of client " + g.out.name + " do not add up";
      }
      r.totals.add(g.out.counts);
      r.clients.push_back(g.out);
    }
    for (const Balancer& b : balancers) r.balancers.push_back(b.out);
    for (auto& l : listeners) {
      l.out.accept_queue = {l.accept_level.mean(now), l.accept_level.max(), l.accept_level.full_fraction(now)};
      l.out.syn_queue = {l.syn_level.mean(now), l.syn_level.max(), l.syn_level.full_fraction(now)};
      r.listeners.push_back(l.out);
    }
    for (const auto& g : r.clients) {
      const OutcomeCounts& k = g.counts;
      for (std::uint64_t v : {k.attempts, k.established, k.accepted, k.refused, k.timed_out, k.reset, k.pending}) mix(digest, v);
    }
    r.script = std::move(script_results);
    r.digest = digest;
    r.timeseries = std::move(series);
    return r;
  }
};

World::World(const ScenarioSpec& spec, sim::Engine& engine) : impl_(std::make_unique<Impl>(spec, engine)) {}
World::~World() = default;
void World::start() { impl_->start(); }
RunResults World::finish() { return impl_->finish(); }
std::size_t World::connections_in_flight() const { return impl_->in_flight; }
void World::set_observer(TraceObserver* observer) { impl_->observer = observer; }

void World::set_inflight_limit(std::size_t limit) { impl_->inflight_limit = limit; }
bool World::inflight_limit_hit() const { return impl_->inflight_limit_hit; }

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
  CutShort cut = CutShort::kNo;
  for (;;) {
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
  }
  RunResults r = world.finish();
  r.cut_short = cut;
  return r;
}

// ---- the state between events (model::Stepper) ------------------------------------------

std::size_t World::listener_count() const { return impl_->listeners.size(); }

World::ListenerState World::listener_state(std::size_t i) const {
  const Impl::Listener& l = impl_->listeners.at(i);
  return {.counters = &l.out,
          .personality = &l.personality,
          .open = l.open,
          .stalled = l.stalled,
          .backlog = l.backlog,
          .accept_len = static_cast<std::int64_t>(l.accept_queue.size()),
          .syn_len = l.syn_queue_len,
          .workers = l.workers,
          .busy_workers = l.busy_workers};
}

const ClientResults& World::client_results(std::size_t i) const { return impl_->clients.at(i).out; }

const sim::TimeSeries& World::series() const { return impl_->series; }

bool World::host_down(std::size_t h) const { return h < impl_->host_down.size() && impl_->host_down[h] > 0; }

bool World::link_down(std::size_t l) const { return l < impl_->link_down.size() && impl_->link_down[l] > 0; }

}  // namespace model

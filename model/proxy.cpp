#include "model/proxy.h"

#include <algorithm>
#include <cassert>
#include <string>

namespace model {

ScenarioSpec with_upstream_groups(const ScenarioSpec& spec) {
  ScenarioSpec out = spec;
  for (std::size_t h = 0; h < spec.hosts.size(); ++h) {
    const HostSpec& host = spec.hosts[h];
    if (!host.proxy) continue;
    ClientSpec c;
    c.name = host.name;
    c.os = host.os;
    c.kernel = host.kernel;
    // The proxy aims each connect() at a backend; the group's source ports (Addressing) are
    // drawn towards this host and port all the same.
    c.target_host = h;
    c.target_port = host.proxy->port;
    c.connect_timeout = host.proxy->connect_timeout;
    c.retry.policy = RetryPolicy::kNone;
    c.upstream_of = h;
    out.clients.push_back(std::move(c));
  }
  return out;
}

std::optional<std::size_t> upstream_group_host(const ScenarioSpec& spec, std::size_t client) {
  if (client < spec.clients.size()) return std::nullopt;
  std::size_t k = client - spec.clients.size();
  for (std::size_t h = 0; h < spec.hosts.size(); ++h) {
    if (spec.hosts[h].proxy && k-- == 0) return h;
  }
  return std::nullopt;
}

Proxies::Proxies(const ScenarioSpec& spec, sim::Engine& engine, ConnectionPool& pool, Clients& clients,
                 Listeners& listeners, const Tracer& tracer, RunDigest& digest)
    : engine_(engine),
      pool_(pool),
      clients_(clients),
      listeners_(listeners),
      tracer_(tracer),
      digest_(digest),
      window_(spec.measure),
      end_(sim::Time::zero() + spec.duration) {
  marks_.owner = this;
  of_listener_.assign(listeners.size(), -1);
  of_group_.assign(spec.clients.size(), -1);
  std::vector<std::int32_t> of_host(spec.hosts.size(), -1);
  for (std::size_t h = 0; h < spec.hosts.size(); ++h) {
    if (!spec.hosts[h].proxy) continue;
    of_host[h] = static_cast<std::int32_t>(proxies_.size());
    proxies_.emplace_back();
  }
  std::size_t k = 0;
  for (std::size_t h = 0; h < spec.hosts.size(); ++h) {
    const HostSpec& host = spec.hosts[h];
    if (!host.proxy) continue;
    Proxy& p = proxies_[k];
    p.host = static_cast<std::uint32_t>(h);
    p.spec = &*host.proxy;
    p.listener = listeners.at_port(h, host.proxy->port).index;
    // Every socket of a reuseport group (consecutive slots) takes the proxy's requests.
    int sockets = 1;
    for (const ListenerSpec& ls : host.listeners) {
      if (ls.port == host.proxy->port) sockets = std::max(ls.reuseport, 1);
    }
    for (int s = 0; s < sockets; ++s)
      of_listener_[p.listener + static_cast<std::uint32_t>(s)] = static_cast<std::int32_t>(k);
    for (std::size_t g = 0; g < spec.clients.size(); ++g) {
      if (spec.clients[g].upstream_of == h) {
        p.group = static_cast<std::uint32_t>(g);
        of_group_[g] = static_cast<std::int32_t>(k);
      }
    }
    const std::string entity = "host/" + host.name + "/proxy";
    p.rng = sim::RandomStream(spec.seed, entity);
    p.out.host = host.name;
    p.out.port = host.proxy->port;
    for (const BackendRef& ref : host.proxy->backends) {
      Backend& b = p.backends.emplace_back();
      b.host = static_cast<std::uint32_t>(ref.host);
      b.port = ref.port;
      const HostSpec& bh = spec.hosts[ref.host];
      if (bh.proxy && bh.proxy->port == ref.port) b.proxy = of_host[ref.host];
      b.out.host = bh.name;
      b.out.port = ref.port;
    }
    ++k;
  }
}

std::int32_t Proxies::of_listener(std::uint32_t listener) const { return of_listener_[listener]; }

void Proxies::start() {
  if (!window_) return;
  at_from_.assign(proxies_.size(), Mark{});
  if (window_->from > sim::Time::zero()) engine_.schedule_at(window_->from, marks_, 0);
  if (window_->to < end_) engine_.schedule_at(window_->to, marks_, 1);
}

void Proxies::WindowMarks::handle(sim::Engine& engine, std::uint64_t arg) {
  std::vector<Mark>& marks = arg == 0 ? owner->at_from_ : owner->at_to_;
  marks.clear();
  for (Proxy& p : owner->proxies_) {
    marks.push_back(
        {p.queue_level.integral(engine.now()), p.queue_level.full_seconds(engine.now()), p.queue_level.max()});
    if (arg == 0) p.queue_level.reset_max();
  }
  if (arg == 1) owner->window_ended_ = true;
}

bool Proxies::down(std::size_t proxy, std::size_t b) const {
  return proxies_[proxy].backends[b].down_until > engine_.now();
}

namespace {

// A slot of `items`: the last one freed, or a new one at the end.
template <class T>
std::uint32_t take_slot(std::vector<T>& items, std::vector<std::uint32_t>& freed) {
  if (!freed.empty()) {
    const std::uint32_t k = freed.back();
    freed.pop_back();
    return k;
  }
  items.emplace_back();
  return static_cast<std::uint32_t>(items.size() - 1);
}

}  // namespace

std::uint32_t Proxies::new_request(std::uint32_t proxy) {
  const std::uint32_t id = take_slot(requests_, free_);
  Request& r = requests_[id];
  const std::uint32_t generation = r.generation;
  std::vector<std::uint8_t> tried = std::move(r.tried);  // keeps its memory
  r = Request{};
  r.generation = generation;
  r.live = true;
  r.proxy = proxy;
  r.accepted = engine_.now();
  r.tried = std::move(tried);
  r.tried.assign(proxies_[proxy].backends.size(), 0);
  return id;
}

std::uint32_t Proxies::take(std::uint32_t proxy, std::uint32_t slot, EventLoop& loop, std::uint64_t token,
                            sim::Duration keepalive) {
  const Connection& c = pool_[slot];
  const std::uint32_t id = new_request(proxy);
  Request& r = requests_[id];
  r.measured = c.measured;
  r.loop = &loop;
  r.token = token;
  r.keepalive = keepalive;
  if (const std::int32_t front = of_group_[c.client]; front >= 0) {
    // An upstream connection of the proxy in front: its request (kept in `chain`) comes on.
    const Request& parent = requests_[c.chain];
    r.parent = c.chain;
    r.client = parent.client;
    r.attempt = parent.attempt;
  } else {
    r.client = c.client;
    r.attempt = c.attempt;
    r.chain = c.chain;
    r.started = c.started;
  }
  if (r.measured) ++proxies_[proxy].taken;
  return id;
}

void Proxies::start(std::uint32_t id, sim::Duration work) {
  if (work == sim::Duration::zero()) {
    // Its loop spent nothing on it: the proxy has it now (no event of its own).
    requests_[id].arrived = engine_.now();
    dispatch(id, room(proxies_[requests_[id].proxy], requests_[id]));
    return;
  }
  engine_.schedule_in(work, *this, arg(id, kReady));
}

void Proxies::handle(sim::Engine&, std::uint64_t a) {
  const Unpacked u = unpack(a);
  switch (static_cast<Event>(u.kind)) {
    case kIdleTimeout: idle_timeout(u.slot, u.generation); return;
    case kBackendUp: drain(proxies_[u.slot]); return;  // its down mark expired: it may take what waits
    default: break;
  }
  Request& r = requests_[u.slot];
  if (!r.live || (r.generation & 0xFFFFFFu) != u.generation) return;
  switch (static_cast<Event>(u.kind)) {
    case kReady:
      r.arrived = engine_.now();
      dispatch(u.slot, room(proxies_[r.proxy], r));
      return;
    case kResponse: response(u.slot, RequestResult::kOk); return;
    case kQueueTimeout: {
      Proxy& p = proxies_[r.proxy];
      // A request queued again after a failed try has a later timeout of its own: an
      // earlier stint's event finds it waiting for less than queue.timeout and passes.
      if (!r.queued || engine_.now() - r.queued_at < p.spec->queue.timeout) return;
      r.queued = false;
      --p.queued;
      set_queue_level(p);
      if (r.measured) {
        ++p.out.queue_timeouts;
        p.out.queue_wait.record((engine_.now() - r.queued_at).ns());
      }
      decide(u.slot, RequestResult::kUnavailable, ProxyStep::kQueueTimeout);
      return;
    }
    case kIdleTimeout:
    case kBackendUp: return;  // handled above
  }
}

bool Proxies::has_capacity(const Proxy& p, std::size_t b) const {
  const Backend& be = p.backends[b];
  if (be.down_until > engine_.now()) return false;
  const auto idle = static_cast<std::int64_t>(be.idle.size());
  return idle > 0 || p.spec->max_connections == 0 || idle + be.busy < p.spec->max_connections;
}

bool Proxies::has_room(const Proxy& p, const Request& r, std::size_t b) const {
  return !r.tried[b] && has_capacity(p, b);
}

// Whether request `r` can go to a backend now: none is up (or untried), all are full, or
// one has room.
Proxies::Room Proxies::room(const Proxy& p, const Request& r) const {
  bool up = false;
  for (std::size_t b = 0; b < p.backends.size(); ++b) {
    if (has_room(p, r, b)) return Room::kRoom;
    up = up || (!r.tried[b] && p.backends[b].down_until <= engine_.now());
  }
  return up ? Room::kFull : Room::kNoneUp;
}

// Request `id` goes on, `now_room` being room(p, r) now.
void Proxies::dispatch(std::uint32_t id, Room now_room) {
  Request& r = requests_[id];
  Proxy& p = proxies_[r.proxy];
  switch (now_room) {
    case Room::kNoneUp:
      if (r.try_no == 0) {
        if (r.measured) ++p.out.no_backend;
        decide(id, RequestResult::kUnavailable, ProxyStep::kNoBackend);
      } else {
        decide(id, r.failed, ProxyStep::kTriesExhausted);
      }
      return;
    case Room::kFull: enqueue(id); return;
    case Room::kRoom: break;
  }
  const auto eligible = [&](std::size_t b) { return has_room(p, r, b); };
  const auto active = [&](std::size_t b) { return p.backends[b].busy; };
  go(id, pick_backend(p.spec->policy, p.backends.size(), p.next, eligible, active, p.rng));
}

void Proxies::go(std::uint32_t id, std::size_t b) {
  Request& r = requests_[id];
  Proxy& p = proxies_[r.proxy];
  Backend& be = p.backends[b];
  r.backend = static_cast<std::uint32_t>(b);
  r.tried[b] = 1;
  ++r.try_no;
  if (r.measured) ++be.out.tries;
  ++be.busy;
  if (!be.idle.empty()) {
    // The most recently used idle connection (ngx_http_upstream_get_keepalive_peer takes
    // the head of its cache, where ngx_http_upstream_free_keepalive_peer puts each one back).
    const std::uint32_t k = be.idle.back();
    be.idle.pop_back();
    r.side = idle_[k].side;
    ++idle_[k].generation;  // its idle timeout passes
    idle_free_.push_back(k);
    if (r.measured) ++be.out.reused;
    if (tracer_.on()) tracer_.emit(about(TraceKind::kProxyRequest, r, ProxyStep::kPooled));
    serve_reused(id);
    return;
  }
  r.side = BackendSide{};
  be.out.max_open = std::max(be.out.max_open, static_cast<std::int64_t>(be.idle.size()) + be.busy);
  if (r.measured) ++be.out.connects;
  if (tracer_.on()) tracer_.emit(about(TraceKind::kProxyRequest, r, ProxyStep::kConnect));
  clients_.connect_upstream(p.group, static_cast<std::uint16_t>(b), be.host, be.port, id, r.measured);
}

// A request over an idle keep-alive connection: the backend serves it without a handshake,
// on the worker or the loop that holds the connection.
void Proxies::serve_reused(std::uint32_t id) {
  Request& r = requests_[id];
  const Backend& be = proxies_[r.proxy].backends[r.backend];
  if (be.proxy >= 0) {
    // The proxy behind takes it as its own request, at once.
    const std::uint32_t child = new_request(static_cast<std::uint32_t>(be.proxy));
    Request& c = requests_[child];
    const Request& parent = requests_[id];
    c.measured = parent.measured;
    c.parent = id;
    c.client = parent.client;
    c.attempt = parent.attempt;
    if (c.measured) ++proxies_[static_cast<std::size_t>(be.proxy)].handed;
    engine_.schedule_in(sim::Duration::zero(), *this, arg(child, kReady));
    return;
  }
  // Work that reached the backend's listener without a SYN (its utilisation counts it).
  if (r.measured) listeners_.count_pooled_request(r.side.listener);
  switch (r.side.kind) {
    case BackendSide::Kind::kWorker:
      listeners_.serve_held(listeners_[r.side.listener], static_cast<std::int64_t>(r.side.token), id);
      return;
    case BackendSide::Kind::kLoop: loops_->serve_held(*r.side.loop, id); return;
    case BackendSide::Kind::kUnknown: break;
  }
  assert(false && "an application's pooled connection has a worker or a loop");
}

void Proxies::upstream_on_loop(std::uint32_t request, std::uint32_t listener, EventLoop& loop, std::uint64_t token,
                               sim::Duration keepalive) {
  requests_[request].side = {BackendSide::Kind::kLoop, listener, &loop, token, keepalive};
}

void Proxies::upstream_established(const Connection& c) {
  if (!c.measured) return;
  Backend& be = proxies_[static_cast<std::size_t>(of_group_[c.client])].backends[c.backend];
  be.out.connect_latency.record((engine_.now() - c.started).ns());
}

void Proxies::upstream_settled(const Connection& c, Outcome outcome, sim::Duration served) {
  // What it needs of the connection, before a retry's connect() may move the pool's slots.
  const std::uint32_t id = c.chain;
  const std::uint16_t backend = c.backend;
  const std::uint32_t listener = c.listener;
  switch (outcome) {
    case Outcome::kAccepted:
      // A backend proxy took the request (take()); workers answer when their service-done
      // event comes (upstream_served); event loops answer after their work on it.
      if (proxies_[requests_[id].proxy].backends[backend].proxy < 0 && listeners_[listener].app) {
        engine_.schedule_in(served, *this, arg(id, kResponse));
      }
      return;
    case Outcome::kRefused: fail(id, ProxyStep::kRefused); return;
    case Outcome::kReset: fail(id, ProxyStep::kReset); return;
    case Outcome::kTimedOut: fail(id, ProxyStep::kConnectTimeout); return;
    case Outcome::kPending: return;
  }
}

bool Proxies::upstream_served(std::uint32_t listener, std::int64_t fd, std::uint32_t request) {
  requests_[request].side = {BackendSide::Kind::kWorker, listener, nullptr, static_cast<std::uint64_t>(fd),
                             sim::Duration::infinite()};
  return response(request, RequestResult::kOk);
}

// The backend answered request `id` (`result`: a backend proxy passes its own on).
bool Proxies::response(std::uint32_t id, RequestResult result) {
  Request& r = requests_[id];
  Proxy& p = proxies_[r.proxy];
  Backend& be = p.backends[r.backend];
  --be.busy;
  if (r.measured) ++be.out.ok;
  const BackendSide side = r.side;
  const bool kept = keep(p, r.backend, side);
  decide(id, result, ProxyStep::kAnswered);
  drain(p);
  // Not kept: a loop's connection closes now (a worker's when upstream_served returns).
  if (!kept && side.kind == BackendSide::Kind::kLoop) close_side(side);
  return kept;
}

// Back to the pool, or closed when the pool holds `keepalive` already (nginx closes the
// least recently used one instead, ngx_http_upstream_free_keepalive_peer: the same count).
// An idle connection closes after keepalive_timeout, or the backend loop's own keep-alive
// if shorter (its close is seen by the proxy: ngx_http_upstream_keepalive_close_handler).
bool Proxies::keep(Proxy& p, std::uint32_t b, const BackendSide& side) {
  Backend& be = p.backends[b];
  if (static_cast<std::int64_t>(be.idle.size()) >= p.spec->keepalive) return false;
  if (be.proxy < 0 && side.kind == BackendSide::Kind::kUnknown) return false;
  const sim::Duration limit = std::min(p.spec->keepalive_timeout, side.bound);
  if (limit <= sim::Duration::zero()) return false;
  const std::uint32_t k = take_slot(idle_, idle_free_);
  Idle& i = idle_[k];
  i.side = side;
  i.proxy = static_cast<std::uint32_t>(&p - proxies_.data());
  i.backend = b;
  be.idle.push_back(k);
  if (!limit.is_infinite()) engine_.schedule_in(limit, *this, pack(k, i.generation, kIdleTimeout));
  return true;
}

void Proxies::idle_timeout(std::uint32_t k, std::uint32_t generation) {
  Idle& i = idle_[k];
  if ((i.generation & 0xFFFFFFu) != generation) return;  // reused since
  std::vector<std::uint32_t>& pool = proxies_[i.proxy].backends[i.backend].idle;
  const auto at = std::find(pool.begin(), pool.end(), k);
  assert(at != pool.end());  // a record whose generation is current is in its pool
  pool.erase(at);
  ++i.generation;
  idle_free_.push_back(k);
  close_side(i.side);
}

void Proxies::close_side(const BackendSide& side) {
  switch (side.kind) {
    case BackendSide::Kind::kWorker:
      listeners_.close_held(listeners_[side.listener], static_cast<std::int64_t>(side.token));
      return;
    case BackendSide::Kind::kLoop: loops_->close_held(*side.loop, side.token); return;
    case BackendSide::Kind::kUnknown: return;
  }
}

void Proxies::fail(std::uint32_t id, ProxyStep step) {
  Request& r = requests_[id];
  Proxy& p = proxies_[r.proxy];
  Backend& be = p.backends[r.backend];
  const sim::Time now = engine_.now();
  --be.busy;
  const bool timeout = step == ProxyStep::kConnectTimeout;
  if (r.measured) ++(timeout ? be.out.timed_out : be.out.refused);
  if (tracer_.on()) tracer_.emit(about(TraceKind::kUpstreamFail, r, step));
  // Passive health: max_fails failures within fail_timeout mark it down for fail_timeout
  // (nginx `server` max_fails; a group of a single server ignores them and never marks it
  // unavailable, ngx_http_upstream_module's documentation of `server`).
  const PassiveHealthSpec& health = p.spec->health;
  if (health.max_fails > 0 && p.backends.size() > 1) {
    if (be.fails == 0 || now - be.fails_since >= health.fail_timeout) {
      be.fails = 0;
      be.fails_since = now;
    }
    if (++be.fails >= health.max_fails) {
      be.down_until = now + health.fail_timeout;
      // When the mark expires the backend may take what waits in the queue.
      engine_.schedule_at(be.down_until, *this, pack(r.proxy, 0, kBackendUp));
      if (r.measured) ++be.out.marked_down;
      if (tracer_.on()) {
        TraceEvent e = about(TraceKind::kBackendDown, r, step);
        e.fails = be.fails;
        tracer_.emit(e);
      }
      be.fails = 0;
    }
  }
  r.failed = timeout ? RequestResult::kGatewayTimeout : RequestResult::kBadGateway;
  const NextUpstreamSpec& next = p.spec->next_upstream;
  if (!(timeout ? next.on_timeout : next.on_error)) {
    decide(id, r.failed, step);
  } else if ((next.tries == 0 || r.try_no < next.tries) && now - r.arrived < next.timeout) {
    // No backend left to try: the last failure is the result (dispatch decides it).
    const Room now_room = room(p, r);
    if (now_room != Room::kNoneUp && r.measured) ++p.out.next_upstream;
    dispatch(id, now_room);
  } else {
    decide(id, r.failed, ProxyStep::kTriesExhausted);
  }
  drain(p);
}

void Proxies::enqueue(std::uint32_t id) {
  Request& r = requests_[id];
  Proxy& p = proxies_[r.proxy];
  const UpstreamQueueSpec& q = p.spec->queue;
  if (p.queued >= q.limit) {
    if (r.measured) ++p.out.queue_full;
    decide(id, RequestResult::kUnavailable, ProxyStep::kQueueFull);
    return;
  }
  r.queued = true;
  r.queued_at = engine_.now();
  ++p.queued;
  set_queue_level(p);
  p.queue.push_back(arg(id, kQueueTimeout));
  if (r.measured) ++p.out.queued;
  if (tracer_.on()) tracer_.emit(about(TraceKind::kProxyQueued, r, ProxyStep::kConnect));
  if (!q.timeout.is_infinite()) engine_.schedule_in(q.timeout, *this, arg(id, kQueueTimeout));
}

// Capacity freed: waiting requests go, oldest first, each while a backend has room for it.
// One that finds every backend it may still try full (it tried the others before it was
// queued again) stays, and those behind it may still go; the scan stops when no backend
// up has room for anyone.
void Proxies::drain(Proxy& p) {
  std::size_t i = 0;
  while (p.queued > 0 && i < p.queue.size()) {
    const Unpacked u = unpack(p.queue[i]);
    Request& r = requests_[u.slot];
    if (!r.live || (r.generation & 0xFFFFFFu) != u.generation || !r.queued) {
      // Decided already (timed out): dropped when it reaches the front.
      if (i == 0) {
        p.queue.pop_front();
      } else {
        ++i;
      }
      continue;
    }
    const Room now_room = room(p, r);
    if (now_room == Room::kFull) {
      bool any = false;
      for (std::size_t b = 0; b < p.backends.size() && !any; ++b) any = has_capacity(p, b);
      if (!any) return;
      ++i;
      continue;
    }
    p.queue.erase(p.queue.begin() + static_cast<std::ptrdiff_t>(i));
    r.queued = false;
    --p.queued;
    set_queue_level(p);
    if (r.measured) p.out.queue_wait.record((engine_.now() - r.queued_at).ns());
    dispatch(u.slot, now_room);
  }
  if (p.queued == 0) p.queue.clear();  // what is left was decided while waiting
}

void Proxies::decide(std::uint32_t id, RequestResult result, ProxyStep step) {
  Request& r = requests_[id];
  Proxy& p = proxies_[r.proxy];
  const sim::Time now = engine_.now();
  if (r.measured) {
    p.out.requests.count(result);
    p.out.first_byte.record((now - r.accepted).ns());
  }
  if (tracer_.on()) {
    TraceEvent e = about(TraceKind::kRequestResult, r, step);
    e.request = result;
    tracer_.emit(e);
  }
  digest_.mix(static_cast<std::uint64_t>(now.ns()));
  digest_.mix((static_cast<std::uint64_t>(p.host) << 8) | static_cast<std::uint64_t>(result));
  if (r.loop) engine_.schedule_in(r.keepalive, r.loop->close, r.token);
  const std::int64_t parent = r.parent;
  const std::uint32_t client = r.client;
  const std::uint32_t chain = r.chain;
  const sim::Time started = r.started;
  const bool measured = r.measured;
  r.live = false;
  ++r.generation;
  free_.push_back(id);
  if (parent >= 0) {
    response(static_cast<std::uint32_t>(parent), result);
  } else if (clients_.results(client).through_proxy) {
    clients_.request_result(client, chain, started, measured, result);
  }
}

void Proxies::set_queue_level(Proxy& p) { p.queue_level.set(engine_.now(), p.queued, p.queued >= p.spec->queue.limit); }

TraceEvent Proxies::about(TraceKind kind, const Request& r, ProxyStep step) const {
  const Proxy& p = proxies_[r.proxy];
  TraceEvent e = tracer_.about_listener(kind, p.listener);
  e.proxy = p.host;
  e.backend = r.backend;
  e.client = r.client;
  e.attempt = r.attempt;
  e.try_no = r.try_no;
  e.proxy_step = step;
  e.queued = p.queued;
  return e;
}

void Proxies::finish() {
  for (std::uint32_t id = 0; id < requests_.size(); ++id) {
    Request& r = requests_[id];
    if (!r.live || !r.measured) continue;
    proxies_[r.proxy].out.requests.count(RequestResult::kPending);
    digest_.mix((static_cast<std::uint64_t>(proxies_[r.proxy].host) << 8) |
                static_cast<std::uint64_t>(RequestResult::kPending));
    if (r.parent < 0 && clients_.results(r.client).through_proxy) {
      clients_.results(r.client).requests.count(RequestResult::kPending);
    }
  }
}

std::vector<ProxyResults> Proxies::results(sim::Time now) const {
  std::vector<ProxyResults> out;
  out.reserve(proxies_.size());
  for (std::size_t k = 0; k < proxies_.size(); ++k) {
    const Proxy& p = proxies_[k];
    ProxyResults r = p.out;
    r.queue = {p.queue_level.mean(now), p.queue_level.max(), p.queue_level.full_fraction(now)};
    if (window_ && now > window_->from) {
      // Over the window (a run that ends inside it: over [from, now)).
      const sim::Time to = window_ended_ ? window_->to : now;
      const Mark b = window_ended_
                         ? at_to_[k]
                         : Mark{p.queue_level.integral(now), p.queue_level.full_seconds(now), p.queue_level.max()};
      const double span = (to - window_->from).seconds();
      r.queue = {(b.area - at_from_[k].area) / span, b.max, (b.full - at_from_[k].full) / span};
    }
    for (const Backend& b : p.backends) r.backends.push_back(b.out);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace model

#include "model/listener.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "model/faults.h"

namespace model {

namespace {

// The service-done event of a worker carries the accepted descriptor and, when the
// connection came through a balancer, the flow to end: (balancer + 1, backend).
constexpr std::uint64_t pack_service(std::int64_t fd, std::uint32_t balancer_plus_one, std::uint16_t backend) {
  return static_cast<std::uint64_t>(fd) | (static_cast<std::uint64_t>(balancer_plus_one & 0xFFFFu) << 32) |
         (static_cast<std::uint64_t>(backend) << 48);
}
}  // namespace

void Listener::handle(sim::Engine&, std::uint64_t arg) {
  // A proxy's upstream connection: the end of its service is the proxy's response, and the
  // worker stays with the connection while the proxy keeps it in its pool.
  if ((arg & kUpstreamService) != 0) [[unlikely]] {
    if (owner->upstream_served(*this, arg)) return;
  }
  owner->service_done(*this, arg);
}

Listeners::Listeners(const ScenarioSpec& spec, sim::Engine& engine, sim::TimerLanes& lanes, sim::EventHandler& timers,
                     std::vector<Host>& hosts, ConnectionPool& pool, Balancers& balancers, Wire& wire, Clients& clients,
                     const Tracer& tracer)
    : engine_(engine),
      lanes_(lanes),
      timers_(timers),
      hosts_(hosts),
      pool_(pool),
      balancers_(balancers),
      wire_(wire),
      clients_(clients),
      tracer_(tracer),
      window_(measured_span(spec)),
      groups_(static_cast<std::uint32_t>(spec.clients.size())) {
  std::vector<std::pair<std::uint32_t, int>> slots;  // (host, port)
  std::vector<std::uint32_t> group_of_slot;          // kNoGroup, or the reuseport group
  for (std::uint32_t hi = 0; hi < spec.hosts.size(); ++hi) {
    std::uint32_t secret = 0;
    bool secret_drawn = false;
    for (const auto& ls : spec.hosts[hi].listeners) {
      if (ls.reuseport <= 0) {
        slots.emplace_back(hi, ls.port);
        group_of_slot.push_back(kNoGroup);
        continue;
      }
      if (!secret_drawn) {
        // The host's hash secret: random at boot (inet_ehash_secret, in_pcbhashseed).
        secret = static_cast<std::uint32_t>(
            sim::RandomStream(spec.seed, "host/" + spec.hosts[hi].name + "/reuseport_secret").next_u64());
        secret_drawn = true;
      }
      const std::uint32_t g =
          groups_.add(hi, ls.port, static_cast<std::uint32_t>(ls.reuseport), hosts_[hi].personality, secret);
      for (int k = 0; k < ls.reuseport; ++k) {
        slots.emplace_back(hi, ls.port);
        group_of_slot.push_back(g);
      }
    }
  }
  for (const auto& step : spec.script) {
    if (step.call != ScriptCall::kBind) continue;
    const auto hi = static_cast<std::uint32_t>(step.host);
    bool known = false;
    for (const auto& [h, port] : slots) known = known || (h == hi && port == step.port);
    if (!known) {
      slots.emplace_back(hi, step.port);
      group_of_slot.push_back(kNoGroup);
    }
  }
  listeners_.resize(slots.size());
  for (std::uint32_t i = 0; i < slots.size(); ++i) {
    const auto [hi, port] = slots[i];
    Host& h = hosts_[hi];
    Listener& l = listeners_[i];
    l.owner = this;
    l.index = i;
    l.host_index = hi;
    l.host = h.spec->name;
    l.port = port;
    l.personality = h.personality;
    std::string entity = "host/" + l.host + "/listener/" + std::to_string(port);
    if (const std::uint32_t g = group_of_slot[i]; g != kNoGroup) {
      l.group = g;
      l.member = i == 0 || group_of_slot[i - 1] != g ? 0 : listeners_[i - 1].member + 1;
      l.group_size = groups_[g].size;
      l.out.reuseport_socket = l.member + 1;
      l.out.reuseport_sockets = l.group_size;
      if (l.member > 0) entity += "/socket/" + std::to_string(l.member + 1);  // the first keeps the plain stream
    }
    l.service_rng = sim::RandomStream(spec.seed, entity + "/service");
    l.out.host = l.host;
    l.out.port = port;
    for (const ListenerSpec& ls : h.spec->listeners) {
      if (ls.port == port) l.defer_retransmits = l.personality.defer_accept_retransmits(ls.defer_accept_seconds);
    }
    l.out.defer_accept_retransmits = l.defer_retransmits;
    h.slot_of_port.emplace(port, i);  // a group's first socket
  }
}

void Listeners::open_static() {
  for (Host& h : hosts_) {
    for (const auto& ls : h.spec->listeners) {
      // A reuseport group: each socket is bound (SO_REUSEPORT) and listens in turn.
      const int sockets = std::max(ls.reuseport, 1);
      for (int k = 0; k < sockets; ++k) {
        const std::uint32_t slot = h.slot_of_port.at(ls.port) + static_cast<std::uint32_t>(k);
        listeners_[slot].listed = true;
        const SocketResult r = h.table.open_listener(ls.port, backlog_argument(h.personality, ls.backlog));
        if (!r.ok()) continue;  // no descriptor for it: the socket stays closed
        open(h, slot, r.value, ls.workers, ls.service);
      }
    }
  }
}

void Listeners::open(Host& h, std::uint32_t slot, std::int64_t fd, int workers, const sim::DurationDist& service) {
  Listener& l = listeners_[slot];
  l.fd = fd;
  l.open = true;
  l.listed = true;
  l.backlog = *h.table.backlog_of(fd);
  l.out.backlog = l.backlog;
  l.workers = workers;
  l.service = service;
  h.open_ports[l.port] = slot;
  if (l.group != kNoGroup) groups_.join(l.group, slot);
}

void Listeners::set_backlog(Listener& l, std::int64_t backlog) {
  l.backlog = backlog;
  l.out.backlog = backlog;
  set_accept_level(l);
}

Listener* Listeners::of(Host& h, std::int64_t fd) {
  for (const auto& [port, slot] : h.open_ports) {
    if (listeners_[slot].fd == fd) return &listeners_[slot];
  }
  return nullptr;
}

void Listeners::set_accept_level(Listener& l) {
  const auto len = static_cast<std::int64_t>(l.accept_queue.size());
  l.accept_level.set(engine_.now(), len, l.personality.accept_queue_full(len, l.backlog));
}

void Listeners::set_syn_level(Listener& l) {
  l.syn_level.set(engine_.now(), l.syn_queue_len, l.personality.syn_queue_full(l.syn_queue_len, l.backlog));
}

void Listeners::receive_syn(std::uint32_t slot) {
  Connection& c = pool_[slot];
  if (c.server_state == ServerState::kNone && !c.cookie) {
    // Which socket the SYN finds is decided when it arrives: a port may open or close.
    const Host& h = hosts_[c.host];
    const auto it = h.open_ports.find(c.port);
    const std::uint32_t before = c.listener;
    c.listener = it == h.open_ports.end() ? kNoListener : it->second;
    // An SO_REUSEPORT group: the kernel picks one of its sockets, and that is final.
    if (c.listener != kNoListener && listeners_[c.listener].group != kNoGroup) {
      c.listener = pick_socket(listeners_[c.listener], c);
    }
    // The first SYN of a connection to reach a listener: an arrival offered to its workers.
    if (before == kNoListener && c.listener != kNoListener && c.measured && !c.spoofed) {
      ++listeners_[c.listener].out.offered;
    }
  }
  if (c.listener == kNoListener) {
    // No socket listens on the port: every kernel answers RST (tcp_v4_send_reset).
    wire_.send(slot, Segment::kRst);
    return;
  }
  Listener& l = listeners_[c.listener];
  if (c.measured) ++l.out.syns_received;
  if (c.server_state == ServerState::kRequest) {
    // A retransmitted SYN for a request we hold: tcp_check_req resends the SYN-ACK.
    wire_.send(slot, Segment::kSynAck);
    return;
  }
  if (c.server_state == ServerState::kQueued) return;  // a stale retransmission
  const auto accept_len = static_cast<std::int64_t>(l.accept_queue.size());
  // The decision with its rule when someone watches; otherwise only its verdict.
  SynVerdictReason d;
  if (tracer_.on()) {
    TraceEvent e = tracer_.about(TraceKind::kSynDecision, slot);
    e.syn = l.personality.on_syn(accept_len, l.syn_queue_len, l.backlog);
    d = {e.syn.verdict, e.syn.reason};
    tracer_.emit(e);
  } else {
    d = l.personality.syn_verdict(accept_len, l.syn_queue_len, l.backlog);
  }
  switch (d.verdict) {
    case SynVerdict::kDrop:
      if (c.measured) ++l.out.syns_dropped;
      if (d.reason == SynReason::kAcceptQueueFull && c.measured) ++l.out.listen_overflows;
      return;
    case SynVerdict::kRefuse:
      if (c.measured) ++l.out.resets_sent;
      wire_.send(slot, Segment::kRst);
      return;
    case SynVerdict::kCookie:
      if (c.measured) ++l.out.syncookies_sent;
      c.cookie = true;
      wire_.send(slot, Segment::kSynAck);
      return;
    case SynVerdict::kQueue: {
      c.server_state = ServerState::kRequest;
      c.cookie = false;
      c.acked = false;
      c.synack_timeouts = 0;
      c.queued = engine_.now();
      ++l.syn_queue_len;
      ++l.syn_queue_young;
      set_syn_level(l);
      const sim::Duration rto = l.personality.knobs().syn_rto_initial;
      lanes_.set(timers_, rto, l.personality.timer_fire_time(engine_.now(), rto),
                 pack_timer(slot, c.generation, TimerKind::kSynAckRetransmit));
      wire_.send(slot, Segment::kSynAck);
      return;
    }
  }
}

void Listeners::receive_ack(std::uint32_t slot, bool carries_data) {
  Connection& c = pool_[slot];
  if (c.listener == kNoListener) return;
  Listener& l = listeners_[c.listener];
  if (!l.open) {
    wire_.send(slot, Segment::kRst);  // the socket closed since the SYN: the port is closed
    return;
  }
  const bool has_request = c.server_state == ServerState::kRequest;
  if (!has_request && !c.cookie) {
    // Already queued: a duplicate ACK; data is acknowledged by the new socket.
    if (carries_data && c.server_state == ServerState::kQueued) wire_.send(slot, Segment::kDataAck);
    return;
  }
  const auto accept_len = static_cast<std::int64_t>(l.accept_queue.size());
  const AckPath path = has_request ? AckPath::kRequest : AckPath::kCookie;
  const DeferState defer{l.defer_retransmits, c.synack_timeouts, carries_data};
  AckVerdict verdict;
  if (tracer_.on()) {
    TraceEvent e = tracer_.about(TraceKind::kAckDecision, slot);
    e.ack = l.personality.on_final_ack(path, accept_len, l.backlog, defer);
    e.carries_data = carries_data;
    verdict = e.ack.verdict;
    tracer_.emit(e);
  } else {
    verdict = l.personality.ack_verdict(path, accept_len, l.backlog, defer);
  }
  switch (verdict) {
    case AckVerdict::kComplete:
      if (has_request && l.defer_retransmits > 0 && c.measured) {
        ++(carries_data ? l.out.defer_completed_by_data : l.out.defer_completed_without_data);
      }
      if (has_request) remove_request(l, slot);
      c.cookie = false;
      if (carries_data) wire_.send(slot, Segment::kDataAck);  // the new socket acknowledges the data
      enqueue(l, slot);
      return;
    case AckVerdict::kDefer:
      // TCP_DEFER_ACCEPT: the bare ACK is ignored; the request stays, marked acked.
      if (c.measured) ++l.out.defer_acks_kept;
      mark_acked(l, c);
      return;
    case AckVerdict::kDrop:
      // The request stays, marked acked: its SYN-ACK timer will try again.
      assert(has_request);
      if (c.measured) ++l.out.acks_dropped;
      if (c.measured) ++l.out.listen_overflows;
      mark_acked(l, c);
      return;
    case AckVerdict::kForget:
      // Nothing stays on the server (a cookie's ACK, or a syncache entry consumed by the
      // attempt): the client holds a connection the server never had.
      if (c.measured) ++l.out.acks_dropped;
      if (c.measured) ++l.out.listen_overflows;
      if (has_request) remove_request(l, slot);
      c.cookie = false;
      if (c.client_state == ClientState::kEstablished) clients_.settle(slot, Outcome::kReset);
      pool_.release_if_idle(slot);
      return;
    case AckVerdict::kReset:
      // tcp_v4_syn_recv_sock counts the overflow (LINUX_MIB_LISTENOVERFLOWS) before
      // tcp_check_req decides on the RST.
      if (c.measured) ++l.out.resets_sent;
      if (c.measured) ++l.out.listen_overflows;
      if (has_request) remove_request(l, slot);
      c.cookie = false;
      wire_.send(slot, Segment::kRst);
      return;
  }
}

void Listeners::receive_client_rst(std::uint32_t slot) {
  Connection& c = pool_[slot];
  if (c.server_state == ServerState::kRequest) remove_request(listeners_[c.listener], slot);
  c.cookie = false;  // (a request implies a listener)
  pool_.release_if_idle(slot);
}

void Listeners::remove_request(Listener& l, std::uint32_t slot) {
  Connection& c = pool_[slot];
  assert(c.server_state == ServerState::kRequest);
  c.server_state = ServerState::kNone;
  --l.syn_queue_len;
  if (c.synack_timeouts == 0) --l.syn_queue_young;
  if (c.acked) {
    --l.syn_queue_acked;
    c.acked = false;
  }
  set_syn_level(l);
}

void Listeners::mark_acked(Listener& l, Connection& c) {
  if (!c.acked) ++l.syn_queue_acked;
  c.acked = true;
}

void Listeners::enqueue(Listener& l, std::uint32_t slot) {
  Connection& c = pool_[slot];
  c.server_state = ServerState::kQueued;
  c.queued = engine_.now();
  l.accept_queue.push_back(slot);
  set_accept_level(l);
  try_accept(l);
  if (waiter_ && hosts_[l.host_index].blocked_accept) waiter_->connection_ready(l);
}

// Workers blocked in accept() take connections as soon as there are both (unless a stall
// fault holds them). Each accept() needs a descriptor: without one the connection stays
// queued and the worker tries again when a descriptor frees (Winsock listen page).
void Listeners::try_accept(Listener& l) {
  if (l.app) {
    l.app->accept_ready(l);
    return;
  }
  while (!l.stalled && l.busy_workers < l.workers && !l.accept_queue.empty()) {
    const std::optional<std::uint64_t> token = accept_descriptor(l);
    if (!token) return;
    ++l.busy_workers;
    const sim::Duration service = slowed(l.slow, engine_.now(), sim::sample(l.service, l.service_rng));
    count_busy(l, service);
    accept_front(l, service);
    engine_.schedule_in(service, l, *token);
  }
}

std::optional<std::uint64_t> Listeners::accept_descriptor(Listener& l) {
  const SocketResult r = hosts_[l.host_index].table.app_accept(l.fd);
  if (!r.ok()) {
    l.starved = true;
    return std::nullopt;
  }
  l.starved = false;
  Connection& c = pool_[l.accept_queue.front()];
  if (c.flow_open || c.upstream) [[unlikely]] {
    if (c.upstream) return pack_upstream_service(r.value, c.chain);
    // The balancer's flow lasts as long as the connection is served (pack_service).
    c.flow_open = false;
    return pack_service(r.value, *balancers_.of_client(c.client) + 1, c.backend);
  }
  return pack_service(r.value, 0, c.backend);
}

void Listeners::release(Listener& l, std::uint64_t token) {
  const auto fd = static_cast<std::int64_t>(token & 0xFFFFFFFFu);
  if (const auto balancer = static_cast<std::uint32_t>((token >> 32) & 0xFFFFu); balancer > 0) {
    if ((token & kUpstreamService) == 0) balancers_.service_done(balancer - 1, static_cast<std::uint16_t>(token >> 48));
  }
  hosts_[l.host_index].table.app_close(fd);
}

void Listeners::retry_starved(std::uint32_t host) {
  const Host& h = hosts_[host];
  for (const auto& [port, slot] : h.open_ports) {
    if (listeners_[slot].starved) try_accept(listeners_[slot]);
  }
}

// The part of a service starting now that falls in the measured span.
void Listeners::count_busy(Listener& l, sim::Duration service) {
  const std::int64_t now = engine_.now().ns();
  const std::int64_t begin = std::max(now, window_.from.ns());
  const std::int64_t end = service.ns() >= window_.to.ns() - now ? window_.to.ns() : now + service.ns();
  if (end > begin) l.out.busy_ns += end - begin;
}

void Listeners::accept_front(Listener& l, sim::Duration served) {
  const std::uint32_t slot = l.accept_queue.front();
  l.accept_queue.pop_front();
  Connection& c = pool_[slot];
  if (c.measured) {
    ++l.out.accepted;
    l.out.accept_wait.record((engine_.now() - c.queued).ns());
  }
  c.server_state = ServerState::kNone;
  clients_.settle(slot, Outcome::kAccepted, served);
  pool_.release(slot);
  set_accept_level(l);
}

bool Listeners::upstream_served(Listener& l, std::uint64_t arg) {
  return clients_.upstream_served(l.index, static_cast<std::int64_t>(arg & 0xFFFFFFFFu), upstream_request(arg));
}

void Listeners::serve_held(Listener& l, std::int64_t fd, std::uint32_t request) {
  const sim::Duration service = slowed(l.slow, engine_.now(), sim::sample(l.service, l.service_rng));
  count_busy(l, service);
  engine_.schedule_in(service, l, pack_upstream_service(fd, request));
}

void Listeners::close_held(Listener& l, std::int64_t fd) { service_done(l, static_cast<std::uint64_t>(fd)); }

void Listeners::service_done(Listener& l, std::uint64_t arg) {
  release(l, arg);
  --l.busy_workers;
  try_accept(l);
  retry_starved(l.host_index);
}

std::uint32_t Listeners::pick_socket(const Listener& entry, const Connection& c) {
  return groups_.select(entry.group, c);
}

// One socket of a reuseport group closes while siblings listen: what it holds goes to the
// sibling each connection's 4-tuple selects now, as far as the personality's rule moves it
// (reuseport_migrate_sock for Linux; the syncache for FreeBSD's half-open requests). A
// migrated connection joins its new socket's queue whatever that queue's length
// (inet_csk_reqsk_queue_add makes no backlog check). What is not moved is reset by close().
void Listeners::migrate(Listener& l, const ReuseportRule& rule) {
  std::vector<std::uint32_t> touched;
  if (rule.migrate_accepted) {
    for (const std::uint32_t slot : l.accept_queue) {
      Connection& c = pool_[slot];
      const std::uint32_t to = pick_socket(l, c);
      c.listener = to;
      listeners_[to].accept_queue.push_back(slot);
      if (c.measured) ++l.out.requests_migrated;
      touched.push_back(to);
    }
    l.accept_queue.clear();
  }
  if (rule.migrate_requests) {
    for (std::uint32_t slot = 0; slot < pool_.size(); ++slot) {
      Connection& c = pool_[slot];
      if (!c.live || c.listener != l.index || c.server_state != ServerState::kRequest) continue;
      const bool young = c.synack_timeouts == 0;
      remove_request(l, slot);
      const std::uint32_t to = pick_socket(l, c);
      Listener& nl = listeners_[to];
      c.listener = to;
      c.server_state = ServerState::kRequest;  // its SYN-ACK timer runs on
      ++nl.syn_queue_len;
      if (young) ++nl.syn_queue_young;
      set_syn_level(nl);
      if (c.measured) ++l.out.requests_migrated;
    }
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (const std::uint32_t to : touched) {
    set_accept_level(listeners_[to]);
    try_accept(listeners_[to]);
  }
}

void Listeners::close(Listener& l) {
  l.open = false;
  Host& h = hosts_[l.host_index];
  if (l.group == kNoGroup) {
    h.open_ports.erase(l.port);
  } else {
    // reuseport_detach_sock: the port listens on while a sibling does.
    groups_.leave(l.group, l.index);
    const std::vector<std::uint32_t>& socks = groups_[l.group].socks;
    if (socks.empty()) {
      h.open_ports.erase(l.port);
    } else {
      h.open_ports[l.port] = socks.front();
      const ReuseportRule rule = l.personality.reuseport_rule();
      if (rule.migrate_requests || rule.migrate_accepted) migrate(l, rule);
    }
  }
  for (std::uint32_t slot = 0; slot < pool_.size(); ++slot) {
    Connection& c = pool_[slot];
    if (!c.live || c.listener != l.index || c.server_state == ServerState::kNone) continue;
    if (c.server_state == ServerState::kRequest) remove_request(l, slot);
    c.server_state = ServerState::kNone;
    if (c.client_state == ClientState::kEstablished) clients_.settle(slot, Outcome::kReset);
    pool_.release_if_idle(slot);
  }
  l.accept_queue.clear();
  set_accept_level(l);
}

void Listeners::stall(Listener& l, bool begins) {
  l.stalled = begins;
  if (!begins) try_accept(l);
}

void Listeners::restart(Listener& l, bool begins) {
  Host& h = hosts_[l.host_index];
  if (begins && l.open) {
    // The process closes its socket; what the queues held is reset, the port refuses.
    // Connections being served finish: their workers come back to the new socket.
    h.table.close(l.fd);
    close(l);
    l.restarting = true;
  } else if (!begins && l.restarting) {
    l.restarting = false;
    for (const ListenerSpec& ls : h.spec->listeners) {
      if (ls.port != l.port) continue;
      const SocketResult r = h.table.open_listener(ls.port, backlog_argument(h.personality, ls.backlog));
      if (r.ok()) open(h, l.index, r.value, ls.workers, ls.service);
    }
  }
}

// A half-open request's timer (Linux reqsk_timer_handler, FreeBSD syncache_timer):
// retransmit the SYN-ACK with a doubling timeout, or forget the request once it has had
// its retries (or, on the BSDs, once keepinit has passed since the SYN).
void Listeners::on_synack_timer(std::uint32_t slot) {
  Connection& c = pool_[slot];
  if (c.server_state != ServerState::kRequest) return;
  Listener& l = listeners_[c.listener];
  const Personality& p = l.personality;
  const int max_retries = p.synack_retries(l.syn_queue_len, l.syn_queue_young, l.backlog);
  const SynAckTimerVerdict d = p.synack_timer_verdict(c.synack_timeouts, max_retries, l.defer_retransmits, c.acked);
  const auto trace = [&](TraceKind kind) {
    if (!tracer_.on()) return;
    TraceEvent e = tracer_.about(kind, slot);
    e.timer = p.on_synack_timer(c.synack_timeouts, max_retries, l.defer_retransmits, c.acked);
    tracer_.emit(e);
  };
  if (d.expire || engine_.now() - c.queued >= p.knobs().keepinit) {
    if (c.measured) ++l.out.requests_expired;
    if (c.measured && c.acked && l.defer_retransmits > 0) ++l.out.defer_expired_acked;
    trace(TraceKind::kRequestExpired);
    remove_request(l, slot);
    // A client that saw the SYN-ACK believes it is connected; the server forgot it.
    if (c.client_state == ClientState::kEstablished) clients_.settle(slot, Outcome::kReset);
    pool_.release_if_idle(slot);
    return;
  }
  // syn_ack_recalc: an acked request under TCP_DEFER_ACCEPT waits for data without a
  // SYN-ACK; its timer still counts the timeout.
  if (!d.resend) trace(TraceKind::kSynAckWithheld);
  if (c.synack_timeouts++ == 0) --l.syn_queue_young;
  if (d.resend && c.measured) ++l.out.synacks_retransmitted;
  const sim::Duration timeout = p.synack_timeout(c.synack_timeouts);
  lanes_.set(timers_, timeout, p.timer_fire_time(engine_.now(), timeout),
             pack_timer(slot, c.generation, TimerKind::kSynAckRetransmit));
  if (d.resend) wire_.send(slot, Segment::kSynAck);
}

}  // namespace model

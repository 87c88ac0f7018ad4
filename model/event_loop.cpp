#include "model/event_loop.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "model/faults.h"
#include "model/proxy.h"
#include "sim/distribution.h"

namespace model {

void EventLoop::Done::handle(sim::Engine&, std::uint64_t) { loop->owner->work_done(*loop); }

void EventLoop::Close::handle(sim::Engine&, std::uint64_t arg) { loop->owner->connection_closed(*loop, arg); }

EventLoops::EventLoops(const ScenarioSpec& spec, sim::Engine& engine, Listeners& listeners, const Tracer& tracer)
    : engine_(engine), listeners_(listeners), tracer_(tracer), group_of_listener_(listeners.size(), -1) {
  for (std::size_t hi = 0; hi < spec.hosts.size(); ++hi) {
    for (const ListenerSpec& ls : spec.hosts[hi].listeners) {
      if (!ls.loops) continue;
      // Each socket of an SO_REUSEPORT group (consecutive listener slots) has loops of its own.
      const std::uint32_t first = listeners.at_port(hi, ls.port).index;
      for (int k = 0; k < std::max(ls.reuseport, 1); ++k) {
        Listener& l = listeners[first + static_cast<std::uint32_t>(k)];
        const std::string entity = "host/" + l.host + "/listener/" + std::to_string(l.port) +
                                   (k > 0 ? "/socket/" + std::to_string(k + 1) : std::string());
        assert(l.personality.wakeup_support(ls.loops->wakeup, ls.loops->count).modelled);  // config/ refuses the others
        const auto g = static_cast<std::uint32_t>(groups_.size());
        groups_.push_back({l.index, &*ls.loops, loops_.size(), sim::RandomStream(spec.seed, entity + "/loops/race")});
        group_of_listener_[l.index] = static_cast<std::int32_t>(g);
        l.app = this;
        for (int i = 0; i < ls.loops->count; ++i) {
          EventLoop& loop = loops_.emplace_back();
          loop.owner = this;
          loop.group = g;
          loop.index = static_cast<std::uint32_t>(i);
          loop.waiting_since = ++wait_seq_;  // the loops start waiting in their order
          loop.rng = sim::RandomStream(spec.seed, entity + "/loop/" + std::to_string(i));
          loop.done.loop = &loop;
          loop.close.loop = &loop;
          loop.out.host = l.host;
          loop.out.port = l.port;
          loop.out.loop = i;
          loop.out.socket = ls.reuseport > 0 ? k + 1 : 0;
          loop.out.max_connections = ls.loops->max_connections;
        }
      }
    }
  }
  std::size_t widest = 0;
  for (const Group& g : groups_) widest = std::max<std::size_t>(widest, static_cast<std::size_t>(g.spec->count));
  waiters_.resize(widest);
  woken_.resize(widest);
}

// A loop waits on the socket when it is not busy and has room for a connection (at
// max_connections the application disables the socket in its epoll set, or stops calling
// accept(): HAProxy's maxconn, Envoy's connection limit).
bool EventLoops::waiting(const Group& g, const EventLoop& loop) const {
  return !loop.busy && !loop.stalled && loop.open < g.spec->max_connections;
}

void EventLoops::stall(Listener& l, std::uint32_t loop, bool begins) {
  assert(group_of_listener_[l.index] >= 0);  // config/ allows `loop:` only on a loops listener
  Group& g = groups_[static_cast<std::size_t>(group_of_listener_[l.index])];
  EventLoop& lp = loops_[g.first + loop];
  lp.stalled = begins;
  if (begins || lp.busy) return;
  // Back in its loop, it serves the requests that came on its held connections meanwhile,
  // then finds the socket ready if connections wait (level-triggered).
  if (!lp.held_requests.empty()) {
    serve_requests(g, lp);
  } else {
    back_to_wait(g, lp);
  }
}

void EventLoops::slow(Listener& l, std::uint32_t loop, const FaultSpec* fault) {
  loops_[groups_[static_cast<std::size_t>(group_of_listener_[l.index])].first + loop].slow = fault;
}

// The socket has a connection ready (one joined the queue, a stall ended, a descriptor
// freed): the kernel wakes the loops its rule chooses, in its order; each woken loop calls
// accept(), the first takes the connection and the others find nothing (EAGAIN).
void EventLoops::accept_ready(Listener& l) {
  Group& g = groups_[static_cast<std::size_t>(group_of_listener_[l.index])];
  if (l.stalled || l.accept_queue.empty()) return;
  const auto n = static_cast<std::size_t>(g.spec->count);
  for (std::size_t i = 0; i < n; ++i) {
    const EventLoop& loop = loops_[g.first + i];
    waiters_[i] = {waiting(g, loop), loop.waiting_since};
  }
  // Only a herd (plain epoll, kqueue) races: the other rules draw nothing.
  const bool herd = g.spec->wakeup == Wakeup::kEpoll || g.spec->wakeup == Wakeup::kKqueue;
  const double race = herd ? g.race.uniform01() : 0.0;
  const WakeDecision d =
      l.personality.wake(g.spec->wakeup, std::span(waiters_.data(), n), std::span(woken_.data(), n), race);
  if (tracer_.on()) {
    TraceEvent e = about(TraceKind::kLoopWake, g, d.woken > 0 ? &loops_[g.first + woken_[0]] : nullptr);
    e.wake = d;
    tracer_.emit(e);
  }
  for (std::uint32_t k = 0; k < d.woken; ++k) {
    EventLoop& loop = loops_[g.first + woken_[k]];
    ++loop.out.wakeups;
    if (l.accept_queue.empty() || serve(g, loop, true) == 0) ++loop.out.wasted_wakeups;
  }
}

std::int64_t EventLoops::serve(Group& g, EventLoop& loop, bool woken_by_rule) {
  Listener& l = listeners_[g.listener];
  const EventLoopSpec& s = *g.spec;
  sim::Duration work = sim::Duration::zero();
  std::int64_t taken = 0;
  do {
    if (l.accept_queue.empty() || loop.open >= s.max_connections) break;
    const std::optional<std::uint64_t> token = listeners_.accept_descriptor(l);
    if (!token) break;  // no descriptor: the listener is starved and will call again
    // Its accept, then its request, after the work already taken in this wake-up; its
    // response is ready when both are done, and it stays open for its keep-alive. A slow
    // fault on the loop, or on the whole listener, stretches both.
    const sim::Duration accept_cost = sim::sample(s.accept_cost, loop.rng);
    const sim::Duration cpu = accept_cost + sim::sample(s.request_cost, loop.rng);
    work += slowed(loop.slow ? loop.slow : l.slow, engine_.now(), cpu);
    const sim::Duration keepalive = sim::sample(s.keepalive, loop.rng);
    if (g.proxy >= 0 || (*token & kUpstreamService) != 0) [[unlikely]] {
      accept_for_proxy(g, loop, *token, work, keepalive);
    } else {
      listeners_.accept_front(l, work);
      ++loop.open;
      engine_.schedule_in(work + keepalive, loop.close, *token);
    }
    ++loop.out.accepted;
    ++taken;
  } while (s.multi_accept);
  if (taken == 0) return 0;
  set_open_level(g, loop);
  loop.busy = true;
  loop.busy_level.set(engine_.now(), 1, false);
  engine_.schedule_in(work, loop.done);
  if (tracer_.on()) {
    TraceEvent e = about(TraceKind::kLoopAccept, g, &loop);
    e.taken = taken;
    e.woken_by_rule = woken_by_rule;
    tracer_.emit(e);
    if (loop.open >= s.max_connections) tracer_.emit(about(TraceKind::kLoopFull, g, &loop));
  }
  return taken;
}

void EventLoops::back_to_wait(Group& g, EventLoop& loop) {
  loop.waiting_since = ++wait_seq_;
  const Listener& l = listeners_[g.listener];
  // Level-triggered readiness (and a blocking accept() on a non-empty queue) returns at
  // once: a loop that comes back while connections wait takes one without a wake-up.
  if (waiting(g, loop) && !l.stalled && !l.accept_queue.empty()) serve(g, loop, false);
}

void EventLoops::accept_for_proxy(Group& g, EventLoop& loop, std::uint64_t token, sim::Duration work,
                                  sim::Duration keepalive) {
  Listener& l = listeners_[g.listener];
  if (g.proxy >= 0) {
    // A proxy's connection: its request is the proxy's (read before accept_front frees the
    // connection), and it closes after the request's result and its keep-alive.
    const std::uint32_t request =
        proxies_->take(static_cast<std::uint32_t>(g.proxy), l.accept_queue.front(), loop, token, keepalive);
    listeners_.accept_front(l, work);
    ++loop.open;
    proxies_->start(request, work);
    return;
  }
  // A proxy's upstream connection: if the proxy pools, it stays open while the proxy keeps
  // it, for at most this connection's keep-alive between requests; else it closes as any.
  listeners_.accept_front(l, work);
  ++loop.open;
  const std::uint32_t request = upstream_request(token);
  if (proxies_->pools(request)) {
    proxies_->upstream_on_loop(request, g.listener, loop, token, keepalive);
  } else {
    engine_.schedule_in(work + keepalive, loop.close, token);
  }
}

void EventLoops::serve_held(EventLoop& loop, std::uint32_t request) {
  loop.held_requests.push_back(request);
  if (!loop.busy && !loop.stalled) serve_requests(groups_[loop.group], loop);
}

void EventLoops::serve_requests(Group& g, EventLoop& loop) {
  const Listener& l = listeners_[g.listener];
  sim::Duration work = sim::Duration::zero();
  for (const std::uint32_t request : loop.held_requests) {
    // Each response is ready when the batch's work up to it is done.
    work += slowed(loop.slow ? loop.slow : l.slow, engine_.now(), sim::sample(g.spec->request_cost, loop.rng));
    proxies_->respond_in(request, work);
  }
  loop.held_requests.clear();
  loop.busy = true;
  loop.busy_level.set(engine_.now(), 1, false);
  engine_.schedule_in(work, loop.done);
}

void EventLoops::work_done(EventLoop& loop) {
  loop.busy = false;
  loop.busy_level.set(engine_.now(), 0, false);
  // Requests on its held connections come before the listening socket's next accept.
  if (!loop.held_requests.empty() && !loop.stalled) [[unlikely]] {
    serve_requests(groups_[loop.group], loop);
    return;
  }
  back_to_wait(groups_[loop.group], loop);
}

void EventLoops::connection_closed(EventLoop& loop, std::uint64_t token) {
  Group& g = groups_[loop.group];
  Listener& l = listeners_[g.listener];
  listeners_.release(l, token);
  const bool was_full = loop.open >= g.spec->max_connections;
  --loop.open;
  set_open_level(g, loop);
  // Below its limit again, a loop that was not busy enables the socket again.
  if (was_full && !loop.busy) back_to_wait(g, loop);
  listeners_.retry_starved(l.host_index);
}

void EventLoops::set_open_level(const Group& g, EventLoop& loop) {
  loop.open_level.set(engine_.now(), loop.open, loop.open >= g.spec->max_connections);
}

TraceEvent EventLoops::about(TraceKind kind, const Group& g, const EventLoop* loop) const {
  TraceEvent e = tracer_.about_listener(kind, g.listener);
  e.max_open = g.spec->max_connections;
  if (loop) {
    e.loop = loop->index;
    e.open = loop->open;
  }
  return e;
}

void EventLoops::set_proxies(Proxies* proxies) {
  proxies_ = proxies;
  for (Group& g : groups_) g.proxy = proxies->of_listener(g.listener);
}

std::vector<LoopResults> EventLoops::results(sim::Time now) const {
  std::vector<LoopResults> out;
  out.reserve(loops_.size());
  for (const EventLoop& loop : loops_) {
    LoopResults r = loop.out;
    r.busy_fraction = loop.busy_level.mean(now);
    r.open = {loop.open_level.mean(now), loop.open_level.max(), loop.open_level.full_fraction(now)};
    out.push_back(r);
  }
  return out;
}

}  // namespace model

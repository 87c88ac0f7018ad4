// model/event_loop.h — event-loop server applications (nginx, HAProxy, Envoy style).
//
// A listener whose application is `loops:` is served by single-threaded loops instead of
// a pool of workers. Each loop waits for readiness; when the listening socket is ready the
// host's Personality decides which waiting loops wake (blocking accept, epoll's herd,
// EPOLLEXCLUSIVE: Personality::wake), and a woken loop accepts one connection, or every
// one it can with multi_accept. Each accept costs the loop CPU (accept_cost, then the
// request's request_cost); while it spends it the loop is busy and accepts nothing. Each
// connection then stays open for its keep-alive time; a loop holding max_connections
// stops accepting, so the accept queue fills while its CPU is idle. A fault may stall one
// loop (it stops waiting on the socket) or slow its CPU costs. The part counts, per
// loop, its busy time, accepts, wake-ups (and the wasted ones that found the queue empty)
// and its open connections over time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "model/listener.h"
#include "model/results.h"
#include "model/spec.h"
#include "model/tracer.h"
#include "sim/engine.h"
#include "sim/random.h"
#include "sim/stats.h"

namespace model {

class EventLoops;
class Proxies;  // model/proxy.h

struct EventLoop {
  // Its CPU work (accepts and requests) is done.
  struct Done final : sim::EventHandler {
    EventLoop* loop = nullptr;
    void handle(sim::Engine&, std::uint64_t arg) override;
  };
  // A connection's keep-alive ended; `arg` is its Listeners::accept_descriptor token.
  struct Close final : sim::EventHandler {
    EventLoop* loop = nullptr;
    void handle(sim::Engine&, std::uint64_t arg) override;
  };

  EventLoops* owner = nullptr;
  std::uint32_t group = 0;  // index of its listener's group
  std::uint32_t index = 0;  // its number on the listener, in registration order
  bool busy = false;
  bool stalled = false;             // a stall fault on this loop: it does not wait on the socket
  const FaultSpec* slow = nullptr;  // a slow or slow_start fault on this loop, in progress
  std::int64_t open = 0;            // connections it holds open
  // Requests over a proxy's pooled upstream connections it holds, waiting for its CPU
  // (EventLoops::serve_held), oldest first.
  std::deque<std::uint32_t> held_requests;
  std::uint64_t waiting_since = 0;  // when it last began to wait (a sequence number)
  sim::RandomStream rng{0};
  sim::TimeWeighted busy_level;  // 1 while busy
  sim::TimeWeighted open_level;  // open connections; full at max_connections
  LoopResults out;
  Done done;
  Close close;
};

class EventLoops final : public AcceptApp {
 public:
  // One group of loops per listener whose spec has `loops:`; each such Listener's
  // application becomes this part.
  EventLoops(const ScenarioSpec& spec, sim::Engine& engine, Listeners& listeners, const Tracer& tracer);
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  void accept_ready(Listener& l) override;
  // The proxies whose listeners are event-loop listeners: each connection such a loop
  // accepts becomes the proxy's request. Set once, before the run, in a scenario with proxies.
  void set_proxies(Proxies* proxies);

  // Faults on loop `loop` (from 0) of listener `l`'s loops: it stops waiting on the socket
  // (its work in hand is finished) until the stall ends; its CPU costs are slowed by
  // `fault` (null: the fault ended).
  void stall(Listener& l, std::uint32_t loop, bool begins);

  // A proxy's upstream connection this loop accepted (descriptor `token`) stays open while
  // the proxy keeps it in its pool, counting toward max_connections: the proxy closes it
  // with close_held. serve_held: request `request` came over it; the loop spends one draw
  // of request_cost on it when free (Proxies::respond_in tells the proxy when it is done).
  void serve_held(EventLoop& loop, std::uint32_t request);
  void close_held(EventLoop& loop, std::uint64_t token) { connection_closed(loop, token); }
  void slow(Listener& l, std::uint32_t loop, const FaultSpec* fault);

  // Every loop's results at `now`, listener by listener.
  std::vector<LoopResults> results(sim::Time now) const;

  std::size_t size() const { return loops_.size(); }
  const EventLoop& operator[](std::size_t i) const { return loops_[i]; }
  // The listener a loop serves, and its max_connections.
  std::uint32_t listener_of(const EventLoop& loop) const { return groups_[loop.group].listener; }

 private:
  friend struct EventLoop;
  struct Group {
    std::uint32_t listener = 0;
    const EventLoopSpec* spec = nullptr;
    std::size_t first = 0;      // its loops are loops_[first, first + spec->count)
    sim::RandomStream race{0};  // who wins when woken loops race (plain epoll)
    std::int32_t proxy = -1;    // the proxy its connections' requests go to (model/proxy.h), or -1
  };

  bool waiting(const Group& g, const EventLoop& loop) const;
  // The loop takes what it can now (one connection, or all it can with multi_accept) and
  // becomes busy for their CPU cost. Returns how many it took.
  std::int64_t serve(Group& g, EventLoop& loop, bool woken_by_rule);
  // The loop goes back to waiting: it takes a connection at once if one is ready.
  void back_to_wait(Group& g, EventLoop& loop);
  // The loop spends its CPU on every request waiting on its held connections, in one batch.
  [[gnu::noinline, gnu::cold]] void serve_requests(Group& g, EventLoop& loop);
  // serve()'s accept of a connection a proxy has a part in (a proxy's listener's, or a
  // proxy's upstream connection), out of the way of the others: accept_front, the loop's
  // count, then its request or its keep-alive.
  [[gnu::noinline, gnu::cold]] void accept_for_proxy(Group& g, EventLoop& loop, std::uint64_t token, sim::Duration work,
                                                     sim::Duration keepalive);
  void work_done(EventLoop& loop);
  void connection_closed(EventLoop& loop, std::uint64_t token);
  void set_open_level(const Group& g, EventLoop& loop);
  TraceEvent about(TraceKind kind, const Group& g, const EventLoop* loop) const;

  sim::Engine& engine_;
  Listeners& listeners_;
  const Tracer& tracer_;
  Proxies* proxies_ = nullptr;
  std::vector<Group> groups_;
  std::vector<std::int32_t> group_of_listener_;  // -1: a listener served by workers
  std::deque<EventLoop> loops_;                  // stable addresses: events point at them
  std::uint64_t wait_seq_ = 0;
  std::vector<LoopWaiter> waiters_;   // scratch for one wake-up
  std::vector<std::uint32_t> woken_;  // scratch for one wake-up
};

}  // namespace model

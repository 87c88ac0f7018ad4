// model/proxy.h — L7 proxies (ProxySpec): requests, backend choice, upstream pools, queues.
//
// A proxy is a host whose event-loop listener (model/event_loop.h) hands each connection it
// accepts, once its loop has spent accept_cost + request_cost, to this part as one request.
// The request goes to a backend chosen by the proxy's policy (the balancers' choice code,
// pick_backend) among those passive health has not marked down and that have room: an
// idle keep-alive connection of the backend's pool, or fewer than max_connections upstream
// connections. With room it takes the idle connection, or opens a new one with connect()
// from the proxy host's own client-side kernel: the host's upstream group (ClientSpec::
// upstream_of, made by with_upstream_groups), whose SYNs the Clients part sends,
// retransmits and times out like any client's, across the network from the proxy host.
// Without room it waits in the proxy's queue (limit, timeout), or gets 503.
//
// The backend's application serves the request: a new connection once its application
// accepts it, for the service time that accept() reported (a worker's service, an event
// loop's accept_cost + request_cost); a pooled one on the backend's side that holds it:
// the worker that accepted it (one draw of its listener's service, Listeners::serve_held)
// or its event loop (one request_cost when the loop is free, EventLoops::serve_held). A
// backend that is itself a proxy takes the request as its own (chains of any depth), and
// its result is the response. A refused, reset or timed-out upstream connect counts
// toward the backend's passive health and is tried on another backend if next_upstream
// allows, else it is the request's 502 or 504. After the response the upstream
// connection goes back to its backend's idle pool if that holds fewer than `keepalive`,
// else it closes. A pooled connection keeps its backend side: its worker stays with it
// (not free for accept(): a thread-per-connection server's keep-alive), or it stays open
// in one of its loop's max_connections. The pool is a stack of records (which worker or
// loop, which descriptor), the most recently used reused first (nginx's keep-alive
// cache); an idle one closes after keepalive_timeout, or its loop's own keep-alive if
// shorter, and frees its worker or slot. The request's result then goes back to whoever
// sent it (the client group, or the proxy in front), and the client connection closes
// after the proxy listener's keep-alive.
//
// The queue is drained whenever capacity frees (a response, a failed try, a backend's down
// mark expiring), oldest first, past a request whose untried backends are all full.
//
// Requests and responses carry no bytes across the network: only handshakes do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "model/client.h"
#include "model/connection_pool.h"
#include "model/digest.h"
#include "model/event_loop.h"
#include "model/listener.h"
#include "model/results.h"
#include "model/spec.h"
#include "model/tracer.h"
#include "sim/distribution.h"
#include "sim/engine.h"
#include "sim/random.h"
#include "sim/stats.h"

namespace model {

// The scenario with one upstream group per proxy appended to its clients, in host order,
// each named after its proxy's host, with the host's OS and kernel knobs, the proxy's
// connect_timeout and no application retry. The model runs this spec; `spec` itself has
// no proxy: the result is a copy equal to it.
ScenarioSpec with_upstream_groups(const ScenarioSpec& spec);
// The proxy host whose upstream group is client group `client` of with_upstream_groups
// (a TraceEvent::client >= spec.clients.size()); nullopt for a scenario's own group.
std::optional<std::size_t> upstream_group_host(const ScenarioSpec& spec, std::size_t client);

class Proxies final : public sim::EventHandler, public UpstreamOwner {
 public:
  // `spec` is with_upstream_groups' (its upstream groups after the scenario's own).
  Proxies(const ScenarioSpec& spec, sim::Engine& engine, ConnectionPool& pool, Clients& clients, Listeners& listeners,
          const Tracer& tracer, RunDigest& digest);
  Proxies(const Proxies&) = delete;
  Proxies& operator=(const Proxies&) = delete;
  // The event loops of the scenario's listeners (a backend's loops hold pooled connections).
  // Set once, before the run.
  void set_loops(EventLoops* loops) { loops_ = loops; }

  bool any() const { return !proxies_.empty(); }
  std::size_t size() const { return proxies_.size(); }
  // The proxy whose listener is `listener`, or -1.
  std::int32_t of_listener(std::uint32_t listener) const;

  // Proxy `proxy`'s loop `loop` accepts the connection in `slot` (before Listeners::
  // accept_front frees it) under descriptor `token`: its request, whose id this returns.
  // The connection closes `keepalive` after the request's result.
  std::uint32_t take(std::uint32_t proxy, std::uint32_t slot, EventLoop& loop, std::uint64_t token,
                     sim::Duration keepalive);
  // ... once the connection is accepted (its client settled): the proxy has the request
  // after the loop's `work` on it.
  void start(std::uint32_t request, sim::Duration work);

  void upstream_established(const Connection& c) override;
  void upstream_settled(const Connection& c, Outcome outcome, sim::Duration served) override;
  bool upstream_served(std::uint32_t listener, std::int64_t fd, std::uint32_t request) override;
  void handle(sim::Engine& engine, std::uint64_t arg) override;

  // Whether the proxy of request `request` keeps idle upstream connections (keepalive > 0).
  bool pools(std::uint32_t request) const { return proxies_[requests_[request].proxy].spec->keepalive > 0; }
  // The upstream connection of request `request` (of a proxy that pools) was accepted by
  // event loop `loop` as `token`; the loop keeps it open for at most `keepalive` idle.
  void upstream_on_loop(std::uint32_t request, std::uint32_t listener, EventLoop& loop, std::uint64_t token,
                        sim::Duration keepalive);
  // The backend's loop has the response to request `request`, over a pooled connection,
  // `after` from now (EventLoops::serve_held).
  void respond_in(std::uint32_t request, sim::Duration after) {
    engine_.schedule_in(after, *this, arg(request, kResponse));
  }

  // With a `measure:` window, marks each proxy's queue statistics at its two ends (as
  // Measurement does for the listeners). Call once, at the start of the run.
  void start();
  // Closes the books: every request still undecided is pending (in the proxy's counts and
  // its client group's).
  void finish();
  // Every proxy's results so far, in host order (requests undecided now are not counted).
  std::vector<ProxyResults> results(sim::Time now) const;
  // The requests a proxy took (measured): from connections its listener accepted, and
  // over reused connections of the proxy in front. Their sum is its requests.requests.
  std::uint64_t taken(std::size_t proxy) const { return proxies_[proxy].taken; }
  std::uint64_t handed(std::size_t proxy) const { return proxies_[proxy].handed; }
  std::uint32_t listener(std::size_t proxy) const { return proxies_[proxy].listener; }

  // The live state of one proxy (model::ProxySnapshot).
  std::uint32_t host(std::size_t proxy) const { return proxies_[proxy].host; }
  std::int64_t queued(std::size_t proxy) const { return proxies_[proxy].queued; }
  std::size_t backend_count(std::size_t proxy) const { return proxies_[proxy].backends.size(); }
  std::int64_t idle(std::size_t proxy, std::size_t b) const {
    return static_cast<std::int64_t>(proxies_[proxy].backends[b].idle.size());
  }
  std::int64_t busy(std::size_t proxy, std::size_t b) const { return proxies_[proxy].backends[b].busy; }
  bool down(std::size_t proxy, std::size_t b) const;

 private:
  // Who holds an upstream connection on the backend's side: the worker that accepted it
  // (its descriptor), or the event loop (its accept token). Unknown: a backend proxy's
  // (its loop closes it after its own keep-alive), or not known yet.
  struct BackendSide {
    enum class Kind : std::uint8_t { kUnknown, kWorker, kLoop };
    Kind kind = Kind::kUnknown;
    std::uint32_t listener = 0;                       // the listener that accepted it
    EventLoop* loop = nullptr;                        // a loop
    std::uint64_t token = 0;                          // the worker's descriptor, or the loop's token
    sim::Duration bound = sim::Duration::infinite();  // the loop's keep-alive for it
  };
  // An idle connection of a backend's pool.
  struct Idle {
    BackendSide side;
    std::uint32_t proxy = 0;
    std::uint32_t backend = 0;
    std::uint32_t generation = 0;  // its idle-timeout event's (a reuse or close passes it)
  };
  struct Backend {
    std::uint32_t host = 0;
    int port = 0;
    std::int32_t proxy = -1;          // the backend is itself this proxy
    std::vector<std::uint32_t> idle;  // its pool (indices into idle_), the most recently used last
    std::int64_t busy = 0;            // carrying a request, or connecting
    sim::Time down_until;             // passive health
    sim::Time fails_since;
    int fails = 0;
    UpstreamResults out;
  };
  struct Proxy {
    std::uint32_t host = 0;
    const ProxySpec* spec = nullptr;
    std::uint32_t listener = 0;
    std::uint32_t group = 0;  // its upstream client group
    std::vector<Backend> backends;
    std::size_t next = 0;  // round-robin position
    sim::RandomStream rng{0};
    std::deque<std::uint64_t> queue;  // (request, generation) in arrival order; lazily cleaned
    std::int64_t queued = 0;          // requests waiting now
    sim::TimeWeighted queue_level;
    std::uint64_t taken = 0;
    std::uint64_t handed = 0;
    ProxyResults out;
  };
  struct Request {
    std::uint32_t generation = 0;
    bool live = false;
    bool measured = false;
    bool queued = false;
    std::uint32_t proxy = 0;
    std::uint32_t client = 0;  // the client group whose connect() it began with (trace, counts)
    std::uint32_t attempt = 0;
    std::uint32_t chain = 0;                            // ... its chain
    sim::Time started;                                  // ... its connect()
    std::int64_t parent = -1;                           // the request of the proxy in front, or -1: a client's
    EventLoop* loop = nullptr;                          // the loop holding its client connection (none: reused)
    std::uint64_t token = 0;                            // ... the connection's descriptor
    sim::Duration keepalive;                            // ... held after the result
    sim::Time accepted;                                 // its connection accepted by this proxy (or handed over)
    sim::Time arrived;                                  // ... the proxy has it (after its loop's work)
    sim::Time queued_at;                                // entered the queue
    std::uint32_t backend = 0;                          // the backend of its current try
    BackendSide side;                                   // ... who holds its connection there
    int try_no = 0;                                     // tries made
    RequestResult failed = RequestResult::kBadGateway;  // the last try's failure
    std::vector<std::uint8_t> tried;                    // per backend
  };
  enum class Room : std::uint8_t { kNoneUp, kFull, kRoom };
  // kIdleTimeout's slot is an idle connection (idle_), kBackendUp's a proxy; the others' a request.
  enum Event : std::uint8_t { kReady, kResponse, kQueueTimeout, kIdleTimeout, kBackendUp };

  std::uint32_t new_request(std::uint32_t proxy);
  Room room(const Proxy& p, const Request& r) const;
  bool has_room(const Proxy& p, const Request& r, std::size_t b) const;
  // Whether backend `b` could take a request now (up, and a pooled connection or below
  // max_connections), whoever has tried it.
  bool has_capacity(const Proxy& p, std::size_t b) const;
  void dispatch(std::uint32_t id, Room now_room);
  void go(std::uint32_t id, std::size_t b);
  void serve_reused(std::uint32_t id);
  // The backend answered: returns whether the connection went back to the pool.
  bool response(std::uint32_t id, RequestResult result);
  // Into backend `b`'s pool, if it has room for one more and the connection's idle limit is
  // above 0: whether it went in.
  bool keep(Proxy& p, std::uint32_t b, const BackendSide& side);
  void idle_timeout(std::uint32_t k, std::uint32_t generation);
  // Closes the backend's side of a connection: frees its worker, or its loop's slot.
  void close_side(const BackendSide& side);
  void fail(std::uint32_t id, ProxyStep step);
  void enqueue(std::uint32_t id);
  void drain(Proxy& p);
  void decide(std::uint32_t id, RequestResult result, ProxyStep step);
  void set_queue_level(Proxy& p);
  // The proxy step `kind` of request `r` now (fill in the kind's own fields, then emit).
  TraceEvent about(TraceKind kind, const Request& r, ProxyStep step) const;
  std::uint64_t arg(std::uint32_t id, Event e) const { return pack(id, requests_[id].generation, e); }

  sim::Engine& engine_;
  ConnectionPool& pool_;
  Clients& clients_;
  Listeners& listeners_;
  EventLoops* loops_ = nullptr;
  const Tracer& tracer_;
  RunDigest& digest_;
  std::vector<Proxy> proxies_;
  std::vector<std::int32_t> of_listener_;  // per listener: its proxy, or -1
  std::vector<std::int32_t> of_group_;     // per client group: the proxy it is the upstream group of, or -1
  std::vector<Request> requests_;
  std::vector<std::uint32_t> free_;
  std::vector<Idle> idle_;  // every pool's idle connections
  std::vector<std::uint32_t> idle_free_;
  // The measurement window's marks of each proxy's queue: arg 0 at `from`, 1 at `to`.
  struct WindowMarks final : sim::EventHandler {
    Proxies* owner = nullptr;
    void handle(sim::Engine& engine, std::uint64_t arg) override;
  };
  struct Mark {
    double area = 0;
    double full = 0;
    std::int64_t max = 0;
  };
  std::optional<MeasureWindow> window_;
  sim::Time end_;
  WindowMarks marks_;
  std::vector<Mark> at_from_;
  std::vector<Mark> at_to_;
  bool window_ended_ = false;
};

}  // namespace model

// model/listener.h — the server's side of the handshake.
//
// A Listener is one port a host may listen on: its SYN queue (half-open requests, each with
// a SYN-ACK retransmission timer), its accept queue, and the server application's workers
// that take connections from it with accept() and serve them. Every decision about a SYN
// or a final ACK is the host's Personality's; this part applies it (keeps a request, sends
// a cookie, drops, answers RST, completes the connection) and settles the attempts whose
// fate it decides. Slots never move (handlers are addressed by pointer); a slot is open
// while its socket listens, and a script may listen late, listen again, or close it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "model/balancer.h"
#include "model/client.h"
#include "model/connection_pool.h"
#include "model/host.h"
#include "model/personality.h"
#include "model/results.h"
#include "model/reuseport.h"
#include "model/spec.h"
#include "model/tracer.h"
#include "model/wire.h"
#include "sim/distribution.h"
#include "sim/engine.h"
#include "sim/random.h"
#include "sim/stats.h"
#include "sim/timer_lanes.h"

namespace model {

class Listeners;
struct Listener;

// A proxy's upstream connection (model/proxy.h) carries no balancer flow: the descriptor
// token its accept() gives (Listeners::accept_descriptor, a worker's service-done event)
// carries instead this bit and the proxy's request (bits 32..62), so that the end of a
// worker's service is the proxy's response, with no event of its own.
constexpr std::uint64_t kUpstreamService = 1ull << 63;
constexpr std::uint64_t pack_upstream_service(std::int64_t fd, std::uint32_t request) {
  return static_cast<std::uint64_t>(fd) | kUpstreamService | (static_cast<std::uint64_t>(request) << 32);
}
constexpr std::uint32_t upstream_request(std::uint64_t token) {
  return static_cast<std::uint32_t>((token >> 32) & 0x7FFFFFFFu);
}

// The application of a listener that is not a pool of workers (an event loop, model/
// event_loop.h): told whenever its accept queue may hold a connection it could take (one
// joined, a stall ended, a descriptor freed). It takes them with Listeners::accept_descriptor
// and accept_front, and closes them with release.
class AcceptApp {
 public:
  virtual void accept_ready(Listener& l) = 0;

 protected:
  ~AcceptApp() = default;
};

struct Listener final : sim::EventHandler {
  Listeners* owner = nullptr;
  std::uint32_t index = 0;
  std::uint32_t host_index = 0;
  std::string host;
  int port = 0;
  std::uint32_t group = kNoGroup;  // its SO_REUSEPORT group (model/reuseport.h), if any
  std::uint32_t member = 0;        // which socket of the group (from 0)
  std::uint32_t group_size = 0;    // the group's sockets (0: not in a group)
  std::int64_t fd = -1;            // its listening socket in the host's descriptor table
  bool open = false;               // listening now (a script may listen late, or close it)
  bool starved = false;            // an accept() found no descriptor: retry when one frees
  bool listed = false;             // a `listeners:` entry, or listened at some time: reported as a listener
  Personality personality{Os::kLinux, KernelKnobs{}};
  std::int64_t backlog = 0;
  int workers = 0;
  int busy_workers = 0;             // serving a connection, or holding a proxy's pooled one (Listeners::serve_held)
  bool stalled = false;             // a stall fault: the workers do not call accept()
  bool restarting = false;          // a restart fault closed it; it listens again at the end
  const FaultSpec* slow = nullptr;  // a slow_start or slow fault in progress
  sim::DurationDist service;
  sim::RandomStream service_rng{0};
  AcceptApp* app = nullptr;                // set: its application is not `workers` but this
  std::deque<std::uint32_t> accept_queue;  // connection slots, oldest first
  std::int64_t syn_queue_len = 0;
  std::int64_t syn_queue_young = 0;  // requests whose SYN-ACK has not timed out yet
  std::int64_t syn_queue_acked = 0;  // requests marked acked (Linux inet_rsk(req)->acked)
  int defer_retransmits = 0;         // Linux TCP_DEFER_ACCEPT as SYN-ACK retransmissions; 0: off
  sim::TimeWeighted accept_level;
  sim::TimeWeighted syn_level;
  ListenerResults out;

  // A worker finished serving a connection; `arg` packs the accepted descriptor and the
  // balancer flow it ends (see listener.cpp).
  void handle(sim::Engine& engine, std::uint64_t arg) override;
};

// Hears that a connection joined an accept queue: a script's blocking accept() may take it.
class AcceptWaiter {
 public:
  virtual void connection_ready(Listener& l) = 0;

 protected:
  ~AcceptWaiter() = default;
};

class Listeners {
 public:
  // One slot per port a host may listen on: its `listeners:` entries and the ports its
  // script binds. `timers` is the handler every connection timer is set on.
  Listeners(const ScenarioSpec& spec, sim::Engine& engine, sim::TimerLanes& lanes, sim::EventHandler& timers,
            std::vector<Host>& hosts, ConnectionPool& pool, Balancers& balancers, Wire& wire, Clients& clients,
            const Tracer& tracer);
  Listeners(const Listeners&) = delete;
  Listeners& operator=(const Listeners&) = delete;

  void set_waiter(AcceptWaiter* waiter) { waiter_ = waiter; }

  // The application's listeners are open from t = 0.
  void open_static();
  // Slot `slot` of host `h` listens on descriptor `fd` (its backlog is the table's).
  void open(Host& h, std::uint32_t slot, std::int64_t fd, int workers, const sim::DurationDist& service);
  // listen() again on a listening socket gave `backlog`.
  void set_backlog(Listener& l, std::int64_t backlog);
  // The listening socket was closed: the port refuses from now on, and what it held is
  // lost. Clients that believed they were connected end `reset`.
  void close(Listener& l);
  // The open Listener a descriptor drives, if it is a listening socket with a slot.
  Listener* of(Host& h, std::int64_t fd);

  void receive_syn(std::uint32_t slot);
  // The client's final ACK, or (`carries_data`) its first data segment, which carries the
  // ACK too.
  void receive_ack(std::uint32_t slot, bool carries_data = false);
  void receive_client_rst(std::uint32_t slot);
  // The SYN-ACK timer of a live connection came up.
  void on_synack_timer(std::uint32_t slot);

  // The application accepted the oldest completed connection; its server then serves it
  // for `served` (a script's accept: zero).
  void accept_front(Listener& l, sim::Duration served = sim::Duration::zero());

  // The application's accept() of the oldest completed connection takes a descriptor: a
  // token for release(), or nullopt when none is left (the listener is then starved: its
  // application is told again when one frees). accept_front() then takes the connection.
  std::optional<std::uint64_t> accept_descriptor(Listener& l);
  // The application closes a connection it took (its descriptor, its balancer flow).
  void release(Listener& l, std::uint64_t token);
  // A descriptor of host `host` freed: the listeners whose accept() found none try again.
  void retry_starved(std::uint32_t host);

  // A worker of `l` holds a proxy's pooled upstream connection (descriptor `fd`) between its
  // requests: it is not free for accept() until close_held. serve_held serves request
  // `request` over it, for one draw of the listener's service time (counted busy); its end
  // is the proxy's response (UpstreamOwner::upstream_served), which says whether the worker
  // keeps the connection. close_held: the proxy closed it; the worker is free.
  void serve_held(Listener& l, std::int64_t fd, std::uint32_t request);
  // A measured request over a pooled connection of `listener` (ListenerResults::pooled_requests).
  void count_pooled_request(std::uint32_t listener) { ++listeners_[listener].out.pooled_requests; }
  void close_held(Listener& l, std::int64_t fd);

  // Faults on a listener: its workers stop calling accept(); service (an event loop's CPU
  // costs) slows down; the process closes its socket and listens again at the end.
  void stall(Listener& l, bool begins);
  void slow(Listener& l, const FaultSpec* fault) { l.slow = fault; }
  void restart(Listener& l, bool begins);

  std::size_t size() const { return listeners_.size(); }
  Listener& operator[](std::size_t i) { return listeners_[i]; }
  const Listener& operator[](std::size_t i) const { return listeners_[i]; }
  // The Listener of a port; of a reuseport group, its first socket (the group's sockets
  // have consecutive slots).
  Listener& at_port(std::size_t host, int port) { return listeners_[hosts_[host].slot_of_port.at(port)]; }
  const ReuseportGroups& groups() const { return groups_; }

 private:
  friend struct Listener;
  void service_done(Listener& l, std::uint64_t arg);
  bool upstream_served(Listener& l, std::uint64_t arg);
  void remove_request(Listener& l, std::uint32_t slot);
  void mark_acked(Listener& l, Connection& c);
  void enqueue(Listener& l, std::uint32_t slot);
  void try_accept(Listener& l);
  void set_accept_level(Listener& l);
  void set_syn_level(Listener& l);
  void count_busy(Listener& l, sim::Duration service);
  std::uint32_t pick_socket(const Listener& entry, const Connection& c);
  void migrate(Listener& l, const ReuseportRule& rule);

  sim::Engine& engine_;
  sim::TimerLanes& lanes_;
  sim::EventHandler& timers_;
  std::vector<Host>& hosts_;
  ConnectionPool& pool_;
  Balancers& balancers_;
  Wire& wire_;
  Clients& clients_;
  const Tracer& tracer_;
  AcceptWaiter* waiter_ = nullptr;
  std::vector<Listener> listeners_;
  MeasureWindow window_;
  ReuseportGroups groups_;
};

}  // namespace model

#include "model/tracer.h"

#include "model/listener.h"

namespace model {

namespace {

// An event of `kind` now about listener `listener` (kNoListener: none) of host `host`,
// port `port`, with the listener's queue lengths.
TraceEvent listener_event(sim::Time now, TraceKind kind, const Listeners& listeners, std::uint32_t listener,
                          std::uint32_t host, int port) {
  TraceEvent e;
  e.at = now;
  e.kind = kind;
  e.listener = listener;
  e.host = host;
  e.port = port;
  if (listener != kNoListener) {
    const Listener& l = listeners[listener];
    e.accept_len = static_cast<std::int64_t>(l.accept_queue.size());
    e.syn_len = l.syn_queue_len;
    e.backlog = l.backlog;
    e.reuseport_socket = static_cast<std::uint16_t>(l.group_size > 0 ? l.member + 1 : 0);
    e.reuseport_sockets = static_cast<std::uint16_t>(l.group_size);
  }
  return e;
}

}  // namespace

TraceEvent Tracer::about(TraceKind kind, std::uint32_t slot) const {
  const Connection& c = pool_[slot];
  TraceEvent e = listener_event(engine_.now(), kind, *listeners_, c.listener, c.host, c.port);
  e.client = c.client;
  e.attempt = c.attempt;
  e.src_port = c.src_port;
  e.transmission = c.syn_transmissions;
  e.retry_no = c.retry_no;
  e.next_retransmit = c.client_state == ClientState::kSynSent ? c.syn_timer_due : sim::Time::never();
  return e;
}

TraceEvent Tracer::about_listener(TraceKind kind, std::uint32_t listener) const {
  const Listener& l = (*listeners_)[listener];
  return listener_event(engine_.now(), kind, *listeners_, listener, l.host_index, l.port);
}

}  // namespace model

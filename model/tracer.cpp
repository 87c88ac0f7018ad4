#include "model/tracer.h"

#include "model/listener.h"

namespace model {

TraceEvent Tracer::about(TraceKind kind, std::uint32_t slot) const {
  const Connection& c = pool_[slot];
  TraceEvent e;
  e.at = engine_.now();
  e.kind = kind;
  e.client = c.client;
  e.attempt = c.attempt;
  e.listener = c.listener;
  e.host = c.host;
  e.port = c.port;
  e.src_port = c.src_port;
  if (c.listener != kNoListener) {
    const Listener& l = (*listeners_)[c.listener];
    e.accept_len = static_cast<std::int64_t>(l.accept_queue.size());
    e.syn_len = l.syn_queue_len;
    e.backlog = l.backlog;
    e.reuseport_socket = static_cast<std::uint16_t>(l.group_size > 0 ? l.member + 1 : 0);
    e.reuseport_sockets = static_cast<std::uint16_t>(l.group_size);
  }
  e.transmission = c.syn_transmissions;
  e.retry_no = c.retry_no;
  e.next_retransmit = c.client_state == ClientState::kSynSent ? c.syn_timer_due : sim::Time::never();
  return e;
}

}  // namespace model

// model/connection.h — one connect() call as both ends of the handshake see it.
//
// A Connection is what the client and the listener keep for one attempt: the states of the
// two ends, the timers that are live, and where the attempt is going. Connections live in
// a ConnectionPool and are named by their slot; events about one carry (slot, generation,
// kind) packed into their 64-bit argument, so that an event set for an earlier occupant of
// a slot does nothing. This header is plain data shared by the parts of the handshake.
#pragma once

#include <cstdint>

#include "sim/time.h"

namespace model {

// What each end of one attempt is doing.
enum class ClientState : std::uint8_t { kSynSent, kEstablished, kDone };
enum class ServerState : std::uint8_t {
  kNone,     // the server keeps nothing for it (not yet reached, dropped, or a cookie)
  kRequest,  // half-open: in the SYN queue, SYN-ACK timer running
  kQueued,   // complete: in the accept queue
};

// A connection whose SYN has not reached a listener yet, or reached a closed port.
constexpr std::uint32_t kNoListener = UINT32_MAX;

// One connect() call and what the listener keeps for it. Pooled: slots are reused, and
// `generation` tells a timer set for an earlier occupant of the slot to do nothing.
struct Connection {
  sim::Time started;
  sim::Time queued;                              // entered the SYN queue, then the accept queue
  sim::Time syn_timer_due = sim::Time::never();  // the live SYN retransmission timer
  std::uint32_t client = 0;
  std::uint32_t listener = kNoListener;
  std::uint32_t generation = 0;
  std::uint32_t attempt = 0;  // the client group's attempt number (for narration)
  std::uint32_t chain = 0;    // the client group's chain of attempts this one belongs to
  std::uint32_t host = 0;     // where its SYN goes: the group's target or its balancer's backend
  std::uint16_t port = 0;
  std::uint16_t retry_no = 0;
  std::uint16_t backend = 0;   // through a balancer: the backend it picked (else 0)
  std::uint16_t src_port = 0;  // the client's source port (model/addressing.h); 0: none
  std::uint8_t syn_transmissions = 0;
  std::uint8_t synack_timeouts = 0;  // Linux req->num_timeout
  std::uint8_t rst_resends = 0;      // Windows: SYNs re-sent after a RST
  std::uint8_t os = 0;               // its client's OS: an index into the group's mix (0 without one)
  ClientState client_state = ClientState::kDone;
  ServerState server_state = ServerState::kNone;
  std::uint8_t data_transmissions = 0;  // the client's first data segment, sent this many times
  // One byte of flags (bit-fields keep the struct within its cache line).
  bool cookie : 1 = false;  // the server answered with a SYN cookie and kept nothing
  bool live : 1 = false;
  bool spoofed : 1 = false;    // a forged SYN: nobody at the client's end
  bool flow_open : 1 = false;  // a balancer counts it among its backend's active connections
  bool measured : 1 = true;    // started inside the measurement window: its outcome and counters count
  // Linux inet_rsk(req)->acked: the request saw a final ACK that did not complete it (TCP_DEFER_ACCEPT, or a full
  // accept queue).
  bool acked : 1 = false;
  bool data_acked : 1 = false;  // the server acknowledged the client's first data: no more retransmissions
  bool upstream : 1 = false;    // a proxy's upstream connect() (model/proxy.h); its `chain` is the proxy's request
};
static_assert(sizeof(Connection) <= 64, "a connection stays within one cache line");

// Segments of the handshake. Each crosses the network as an event, even at zero delay:
// segments sent at one instant are then received in the order they were sent, after
// everything already due at that instant, as a kernel's receive backlog would take them.
enum class Segment : std::uint8_t {
  kSyn,        // client -> server
  kSynAck,     // server -> client
  kAck,        // client -> server (the final ACK, or the ACK of a retransmitted SYN-ACK)
  kRst,        // server -> client
  kClientRst,  // client -> server: a SYN-ACK reached a client that gave up
  kData,       // client -> server: the first request bytes (with ACK), `first_data` after connect() succeeded
  kDataAck,    // server -> client: the server's ACK of that data
};

// kFirstData: the client sends its first data (the first time, then retransmissions).
enum class TimerKind : std::uint8_t { kSynRetransmit, kConnectTimeout, kSynAckRetransmit, kRstRetry, kFirstData };

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

}  // namespace model

// model/trace.h — what happened, step by step, for whoever wants to watch a run.
//
// World reports every step of every handshake to an optional TraceObserver: connect()
// calls, segments sent, each decision a kernel made with the queue lengths it saw and the
// rule that decided, and each attempt's outcome. `synstorm explain` narrates these; the
// viewer can draw them. With no observer the cost is one branch per step.
#pragma once

#include <cstdint>

#include "model/personality.h"
#include "model/results.h"
#include "model/spec.h"
#include "sim/time.h"

namespace model {

enum class TraceKind : std::uint8_t {
  kConnect,         // a client called connect() (retry_no > 0: an application retry)
  kSend,            // a segment left its sender
  kSynDecision,     // a listener decided what to do with a SYN
  kAckDecision,     // a listener decided what to do with a final ACK
  kEstablished,     // the client saw connect() succeed
  kRequestExpired,  // a half-open request had its last SYN-ACK retransmission
  kSynAckWithheld,  // a request's SYN-ACK timer fired and sent nothing (TCP_DEFER_ACCEPT: it waits for data)
  kOutcome,         // the attempt's fate is decided
  kScriptCall,      // a script step returned (`script` points to its result)
  kFault,           // a fault began or ended (`fault`, `fault_begins`; `listener` for a listener's)
  kLost,            // the segment just sent (`segment`) will not arrive (`loss` says why)
  kLoopWake,        // a connection became ready on an event-loop listener: `wake` says who woke
  kLoopAccept,      // event loop `loop` took `taken` connections (`open` now open on it)
  kLoopFull,        // event loop `loop` reached max_connections (`open`): it stops accepting
  // The proxy tier (ProxySpec). Each carries `proxy` (its host), the client's `client` and
  // `attempt`, and `backend` (an index into its ProxySpec::backends) where one was chosen.
  kProxyRequest,   // the proxy has the request and chose `backend` (`proxy_step` says how)
  kProxyQueued,    // every eligible backend is at max_connections: the request waits (`queued` now)
  kUpstreamFail,   // the upstream try failed (`proxy_step`: refused, reset, timed out)
  kBackendDown,    // passive health marked `backend` down (`fails` within fail_timeout)
  kRequestResult,  // the request's result is decided (`request`, `proxy_step` says why)
};

// Why a proxy did what it did (TraceEvent::proxy_step).
enum class ProxyStep : std::uint8_t {
  kPooled,          // kProxyRequest: an idle keep-alive connection of the backend's pool
  kConnect,         // kProxyRequest: a new upstream connect()
  kRefused,         // kUpstreamFail, kRequestResult: the upstream answered the SYN with RST
  kReset,           // kUpstreamFail, kRequestResult: the upstream reset the connection
  kConnectTimeout,  // kUpstreamFail, kRequestResult: connect_timeout passed
  kQueueFull,       // kRequestResult: the queue held queue.limit requests
  kQueueTimeout,    // kRequestResult: it waited queue.timeout
  kNoBackend,       // kRequestResult: every backend was down
  kTriesExhausted,  // kRequestResult: next_upstream tries (or its timeout) used up
  kAnswered,        // kRequestResult: the backend answered
};

enum class LossCause : std::uint8_t {
  kLinkLoss,  // a link of its path lost it (the link's `loss`)
  kHostDown,  // its server host is cut off (a host_down fault)
  kLinkDown,  // a link of its path is down (a link_down fault)
};

enum class SegmentKind : std::uint8_t { kSyn, kSynAck, kAck, kRst, kClientRst, kData, kDataAck };

struct TraceEvent {
  sim::Time at;
  TraceKind kind = TraceKind::kConnect;
  std::uint32_t client = 0;    // index into ScenarioSpec::clients
  std::uint64_t attempt = 0;   // the client group's attempt number, from 1
  std::uint32_t listener = 0;  // World's listener index (hosts' listeners in file order)
  std::uint32_t host = 0;      // the host the connection is for (through a balancer: its backend's)
  int port = 0;                // ... and the port
  // The client's source port (model/addressing.h; 0: none). The addresses follow from the
  // indices: client_address(client), host_address(host).
  std::uint16_t src_port = 0;
  // The listener is socket `reuseport_socket` (from 1) of an SO_REUSEPORT group of
  // `reuseport_sockets`; 0 of 0 for a plain socket.
  std::uint16_t reuseport_socket = 0;
  std::uint16_t reuseport_sockets = 0;
  SegmentKind segment = SegmentKind::kSyn;
  int transmission = 0;       // kSend of a SYN: 1 for the first, 2 for the first retransmission...
  int retry_no = 0;           // kConnect: application retry number
  SynDecision syn;            // kSynDecision: the verdict and the rule that made it
  AckDecision ack;            // kAckDecision: likewise
  bool carries_data = false;  // kAckDecision: the segment was the client's first data (else a bare ACK)
  SynAckTimerDecision timer;  // kRequestExpired, kSynAckWithheld: what the SYN-ACK timer decided
  Outcome outcome = Outcome::kPending;
  std::int64_t accept_len = 0;  // queue lengths the decision saw
  std::int64_t syn_len = 0;
  std::int64_t backlog = 0;
  sim::Time next_retransmit = sim::Time::never();  // the client's next SYN, if one is due
  const ScriptResult* script = nullptr;            // kScriptCall: valid during on_event only
  const FaultSpec* fault = nullptr;                // kFault
  bool fault_begins = false;                       // kFault: its start (else its end)
  LossCause loss = LossCause::kLinkLoss;           // kLost
  // The event-loop steps (kLoopWake, kLoopAccept, kLoopFull) carry `listener`, `host`,
  // `port`, the queue lengths and these:
  std::uint32_t loop = 0;      // the loop (kLoopWake: the first woken, if any)
  WakeDecision wake;           // kLoopWake: the rule, how many waited and were woken
  std::int64_t taken = 0;      // kLoopAccept: connections taken in this wake-up
  std::int64_t open = 0;       // kLoopAccept, kLoopFull: connections now open on the loop
  std::int64_t max_open = 0;   // ... and its max_connections
  bool woken_by_rule = false;  // kLoopAccept: woken by the wake-up (else it found one on returning to wait)
  // The proxy steps (kProxyRequest ... kRequestResult):
  std::uint32_t proxy = 0;    // the proxy's host (index into ScenarioSpec::hosts)
  std::uint32_t backend = 0;  // index into its ProxySpec::backends
  ProxyStep proxy_step = ProxyStep::kConnect;
  RequestResult request = RequestResult::kPending;  // kRequestResult
  int try_no = 0;           // kProxyRequest, kUpstreamFail: 1 for the first try, 2 for the first next-upstream retry...
  std::int64_t queued = 0;  // kProxyQueued: requests waiting now
  std::int64_t fails = 0;   // kBackendDown
};

class TraceObserver {
 public:
  virtual void on_event(const TraceEvent& e) = 0;

 protected:
  ~TraceObserver() = default;
};

}  // namespace model

// cli/pcap_capture.h — `synstorm run --pcap FILE`: every simulated segment, as a capture.
//
// A TraceObserver (model/trace.h) that turns each segment a run sends (TraceKind::kSend:
// SYN, SYN-ACK, ACK, RST, and each retransmission) into an IPv4 packet with real TCP
// headers (report/tcp_segment.h) and writes it through libpcap (pcap_open_dead,
// pcap_dump_fopen) into memory, timestamped with the simulated time to the nanosecond.
// A segment is captured where it is sent: one the network loses is in the file too, as
// a capture at its sender would hold it.
//
// Sequence numbers: each attempt's client ISN is a keyed hash of the scenario's seed, its
// group and attempt number; a listener's ISN likewise, or, when its kernel answered with
// a SYN cookie, the cookie as Linux makes it (report::linux_syn_cookie). A retransmission
// repeats its sequence number, which is how Wireshark tells "TCP Retransmission".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "model/addressing.h"
#include "model/spec.h"
#include "model/trace.h"
#include "report/tcp_segment.h"

namespace cli {

// Who talks to whom in a connection: the client's address and source port, the server's.
// The model assigns them (model/addressing.h): hosts 10.0.0.N, client groups 10.1.0.N, the
// source port from the client OS's ephemeral range in that kernel's order. Through a
// balancer the server is the backend's host, the one that answers.
struct Endpoints {
  model::Ipv4 client = 0, server = 0;
  std::uint16_t client_port = 0, server_port = 0;
};
Endpoints endpoints_of(const model::TraceEvent& e);

class PcapCapture final : public model::TraceObserver {
 public:
  // Only segments of this host's connections, or of this client group's (both: of both).
  struct Filter {
    std::optional<std::uint32_t> host;
    std::optional<std::uint32_t> client;
    std::uint64_t attempt = 0;  // with `client`: only this attempt (0: all of the group's)
  };
  PcapCapture(const model::ScenarioSpec& spec, Filter filter);
  ~PcapCapture();
  PcapCapture(const PcapCapture&) = delete;
  PcapCapture& operator=(const PcapCapture&) = delete;

  void on_event(const model::TraceEvent& e) override;

  std::uint64_t packets() const { return packets_; }
  // The capture file (pcap, nanosecond timestamps, link type raw IPv4). Ends the capture;
  // "" with `error` set if libpcap failed.
  std::string finish(std::string& error);

 private:
  struct Connection {
    std::uint32_t server_isn = 0;
    bool cookie_next = false;  // the listener answered the last SYN with a cookie
    std::uint32_t syn_ts = 0;  // the last SYN's timestamp value (echoed by the SYN-ACK)
    std::uint32_t synack_ts = 0;
  };
  using Key = std::pair<std::uint32_t, std::uint64_t>;  // client group, attempt
  void write(const model::TraceEvent& e, const report::TcpSegment& s);

  const model::ScenarioSpec& spec_;
  Filter filter_;
  std::map<Key, Connection> open_;
  std::uint64_t packets_ = 0;
  struct Libpcap;
  std::unique_ptr<Libpcap> pcap_;
};

// A keyed hash of the seed and an attempt: its ISN on one side ("client" or "server").
std::uint32_t initial_sequence(std::uint64_t seed, std::string_view side, std::uint32_t client, std::uint64_t attempt,
                               std::uint32_t host);

}  // namespace cli

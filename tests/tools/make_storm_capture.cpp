// make_storm_capture — writes scenarios/captures/storm.pcap, the capture that
// scenarios/replay.yaml replays. Deterministic: the same program writes the same bytes.
//
//   make_storm_capture OUT.pcap
//
// The storm: TCP SYNs to port 80 as a flash crowd (20/s, then from t = 8 s a climb to
// 1500/s over 0.5 s, decaying with time constant 1.5 s), drawn with synstorm's own
// flash_crowd process; a fifth of the clients over IPv6. Around it, traffic a replay must
// skip: the server's SYN-ACKs to the clients before the burst, HTTPS SYNs (port 443, 5/s)
// and DNS queries. Only first SYNs are in it (no retransmissions), as on a capture taken
// where the clients' connects start. Built with the tests, never run by them.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <vector>

#include "model/arrivals.h"
#include "sim/random.h"
#include "tests/tools/capture_writer.h"

namespace {

using capture_test::Segment;

constexpr std::int64_t kStart = 1'700'000'000'000'000'000;  // ns since 1970: the first packet
constexpr std::int64_t kLength = 20'000'000'000;            // 20 s

struct Packet {
  std::int64_t ns;  // since kStart
  std::vector<std::uint8_t> frame;
};

Segment client_segment(sim::RandomStream& rng, std::uint16_t port) {
  Segment s;
  s.ipv6 = rng.below(5) == 0;
  s.src = 0x0a000000u | static_cast<std::uint32_t>(rng.below(1u << 24));  // 10.0.0.0/8
  s.src_port = static_cast<std::uint16_t>(32768 + rng.below(28232));      // Linux's ephemeral range
  s.dst_port = port;
  s.seq = static_cast<std::uint32_t>(rng.next_u64());
  return s;
}

// Arrival instants (ns) of `spec` before kLength.
std::vector<std::int64_t> instants(const model::ArrivalSpec& spec, sim::RandomStream& rng) {
  model::ArrivalProcess process(spec);
  std::vector<std::int64_t> out;
  while (const auto t = process.next(rng)) {
    if (t->ns() >= kLength) break;
    out.push_back(t->ns());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.pcap\n", argv[0]);
    return 2;
  }
  sim::RandomStream rng(2024, "storm-capture");
  std::vector<Packet> packets;
  packets.push_back({0, capture_test::udp_frame(53)});  // a DNS query opens the capture: time zero

  const model::FlashCrowdArrivals storm{20, 1500, sim::Time::zero() + sim::seconds(8), sim::milliseconds(500),
                                        sim::milliseconds(1500)};
  for (const std::int64_t ns : instants(storm, rng)) {
    const Segment syn = client_segment(rng, 80);
    packets.push_back({ns, capture_test::tcp_frame(syn)});
    if (ns < 8'000'000'000) {  // before the burst the server answers within 150 us
      Segment synack = syn;
      std::swap(synack.src, synack.dst);
      std::swap(synack.src_port, synack.dst_port);
      synack.flags = capture_test::kSyn | capture_test::kAck;
      synack.ack = syn.seq + 1;
      packets.push_back({ns + 150'000, capture_test::tcp_frame(synack)});
    }
  }
  for (const std::int64_t ns : instants(model::PoissonArrivals{5}, rng)) {
    packets.push_back({ns, capture_test::tcp_frame(client_segment(rng, 443))});
  }
  for (const std::int64_t ns : instants(model::PoissonArrivals{2}, rng)) {
    packets.push_back({ns, capture_test::udp_frame(53, 0x0a000000u | static_cast<std::uint32_t>(rng.below(1u << 24)))});
  }
  std::stable_sort(packets.begin(), packets.end(), [](const Packet& a, const Packet& b) { return a.ns < b.ns; });
  try {
    capture_test::CaptureWriter writer(argv[1], false);  // microseconds, as most captures are
    for (const Packet& p : packets) writer.write(kStart + p.ns, p.frame);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_storm_capture: %s\n", e.what());
    return 1;
  }
  return 0;
}

#include "model/wire.h"

#include <cassert>

namespace model {

Wire::Wire(const ScenarioSpec& spec, sim::Engine& engine, sim::TimerLanes& lanes, ConnectionPool& pool,
           Balancers& balancers, const Tracer& tracer, sim::EventHandler& arrivals)
    : engine_(engine), lanes_(lanes), pool_(pool), balancers_(balancers), tracer_(tracer), arrivals_(arrivals) {
  if (spec.network) {
    // config/ has checked that every client group reaches its target host.
    net_ = Network::build(spec).network;
    assert(net_);
  }
  for (const ClientSpec& cs : spec.clients) {
    rng_.emplace_back(spec.seed, "client/" + cs.name + "/network");
    source_host_.push_back(cs.upstream_of ? static_cast<std::int32_t>(*cs.upstream_of) : -1);
  }
  lost_.assign(spec.clients.size(), 0);
  host_down_.assign(spec.hosts.size(), 0);
  link_down_.assign(spec.network ? spec.network->links.size() : 0, 0);
}

void Wire::send(std::uint32_t slot, Segment segment) {
  if (tracer_.on()) {
    TraceEvent e = tracer_.about(TraceKind::kSend, slot);
    e.segment = static_cast<SegmentKind>(segment);
    tracer_.emit(e);
  }
  Connection& c = pool_[slot];
  if (segment == Segment::kRst && c.flow_open) balancers_.mark_down(c);  // the balancer sees the RST go by
  // A forged source address never answers, and nothing reaches it.
  if (c.spoofed && (segment == Segment::kSynAck || segment == Segment::kRst)) return;
  sim::Duration delay = sim::Duration::zero();
  if (cuts_ > 0) {
    if (const auto cause = cut_off(c)) return lose(slot, segment, *cause);
  }
  bool jittered = false;
  if (net_) {
    const auto d = net_->cross(c.client, c.backend, rng_[c.client]);
    if (!d) return lose(slot, segment, LossCause::kLinkLoss);
    delay = *d;
    jittered = net_->path(c.client, c.backend).jittered;
  }
  const std::uint64_t arg = pack(slot, c.generation, static_cast<std::uint8_t>(segment));
  if (delay == sim::Duration::zero()) {
    engine_.schedule_in(delay, arrivals_, arg);  // the engine's FIFO of the current instant
  } else if (jittered) {
    // Nearly every crossing takes a delay of its own: a lane per delay would hold one
    // segment each (and grow without end), so the heap takes them.
    engine_.schedule_in(delay, arrivals_, arg);
  } else {
    lanes_.set(arrivals_, delay, engine_.now() + delay, arg);
  }
}

sim::Duration Wire::round_trip(const Connection& c) const {
  if (!net_) return sim::Duration::zero();
  return net_->path(c.client, c.backend).latency * 2;
}

void Wire::cut_host(std::size_t host, bool begins) {
  host_down_[host] = begins ? host_down_[host] + 1 : host_down_[host] - 1;
  cuts_ = begins ? cuts_ + 1 : cuts_ - 1;
}

void Wire::cut_link(std::size_t link, bool begins) {
  link_down_[link] = begins ? link_down_[link] + 1 : link_down_[link] - 1;
  cuts_ = begins ? cuts_ + 1 : cuts_ - 1;
}

// Whether a host_down or link_down fault cuts the connection's path now: its server host
// is down (or the proxy host it starts from), or a link of its path is. A segment is lost
// when it is sent across a cut; one already on its way arrives.
std::optional<LossCause> Wire::cut_off(const Connection& c) const {
  if (host_down_[c.host] > 0) return LossCause::kHostDown;
  // A proxy's upstream connection starts at a host, which may be down too.
  if (c.upstream && host_down_[static_cast<std::size_t>(source_host_[c.client])] > 0) {
    return LossCause::kHostDown;
  }
  if (!net_) return std::nullopt;
  for (const std::uint32_t link : net_->path(c.client, c.backend).links) {
    if (link_down_[link] > 0) return LossCause::kLinkDown;
  }
  return std::nullopt;
}

void Wire::lose(std::uint32_t slot, Segment segment, LossCause cause) {
  if (pool_[slot].measured) ++lost_[pool_[slot].client];
  if (tracer_.on()) {
    TraceEvent e = tracer_.about(TraceKind::kLost, slot);
    e.segment = static_cast<SegmentKind>(segment);
    e.loss = cause;
    tracer_.emit(e);
  }
}

}  // namespace model

#include "model/results.h"

namespace model {

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kAccepted: return "accepted";
    case Outcome::kRefused: return "refused";
    case Outcome::kTimedOut: return "timed_out";
    case Outcome::kReset: return "reset";
    case Outcome::kPending: return "pending";
  }
  return "?";
}

std::string_view request_result_name(RequestResult r) {
  switch (r) {
    case RequestResult::kOk: return "ok";
    case RequestResult::kBadGateway: return "bad_gateway";
    case RequestResult::kGatewayTimeout: return "gateway_timeout";
    case RequestResult::kUnavailable: return "unavailable";
    case RequestResult::kPending: return "pending";
  }
  return "?";
}

void RequestCounts::count(RequestResult r) {
  ++requests;
  switch (r) {
    case RequestResult::kOk: ++ok; break;
    case RequestResult::kBadGateway: ++bad_gateway; break;
    case RequestResult::kGatewayTimeout: ++gateway_timeout; break;
    case RequestResult::kUnavailable: ++unavailable; break;
    case RequestResult::kPending: ++pending; break;
  }
}

void RequestCounts::add(const RequestCounts& o) {
  requests += o.requests;
  ok += o.ok;
  bad_gateway += o.bad_gateway;
  gateway_timeout += o.gateway_timeout;
  unavailable += o.unavailable;
  pending += o.pending;
}

std::string_view cut_short_name(CutShort c) {
  switch (c) {
    case CutShort::kNo: return "no";
    case CutShort::kMaxEvents: return "max_events";
    case CutShort::kMaxInflight: return "max_inflight";
    case CutShort::kInterrupted: return "interrupted";
    case CutShort::kStalled: return "stalled";
  }
  return "?";
}

void OutcomeCounts::count(Outcome o) {
  switch (o) {
    case Outcome::kAccepted: ++accepted; break;
    case Outcome::kRefused: ++refused; break;
    case Outcome::kTimedOut: ++timed_out; break;
    case Outcome::kReset: ++reset; break;
    case Outcome::kPending: ++pending; break;
  }
}

void OutcomeCounts::add(const OutcomeCounts& o) {
  attempts += o.attempts;
  established += o.established;
  accepted += o.accepted;
  refused += o.refused;
  timed_out += o.timed_out;
  reset += o.reset;
  pending += o.pending;
}

sim::Histogram RunResults::pooled_connect_latency() const {
  sim::Histogram all(clients.empty() ? 7 : clients.front().connect_latency.sub_bits());
  for (const ClientResults& c : clients) all.merge(c.connect_latency);
  return all;
}

}  // namespace model

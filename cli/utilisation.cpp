#include "cli/utilisation.h"

#include <cmath>

#include "sim/queueing.h"

namespace cli {

Utilisation utilisation(const model::ListenerResults& l, model::ArrivalKind arrivals) {
  Utilisation u;
  const double nan = std::nan("");
  // Work arrives with a connection's SYN, or as a request over a proxy's pooled connection.
  const auto arrivals_seen = static_cast<double>(l.offered + l.pooled_requests);
  u.arrival_rate = l.span_seconds > 0 ? arrivals_seen / l.span_seconds : 0.0;
  u.offered = u.arrival_rate * l.service_mean_s;
  const auto servers = static_cast<double>(l.servers);
  u.rho = l.servers > 0 ? u.offered / servers : nan;
  u.busy =
      l.servers > 0 && l.span_seconds > 0 ? static_cast<double>(l.busy_ns) / 1e9 / (servers * l.span_seconds) : nan;
  if (l.servers <= 0) {
    u.assumptions = "no workers: no queueing reference";
    return u;
  }
  if (l.servers_are_loops) {
    // A loop holds a connection for its keep-alive after the CPU is spent: its ceiling is
    // max_connections (the loop table), which M/M/c/K on the CPU does not describe.
    u.assumptions = "event loops: the ceiling is max_connections, not the CPU: no queueing reference";
    return u;
  }
  if (l.pooled_requests > 0) {
    // A worker holds a pooled connection between its requests: c servers are not c free
    // servers, and M/M/c/K on the workers does not describe it.
    u.assumptions = "a proxy's pooled connections hold workers between requests: no queueing reference";
    return u;
  }
  if (arrivals == model::ArrivalKind::kOther) {
    u.assumptions = "arrivals not Poisson (or retried): no queueing reference";
    return u;
  }
  if (u.arrival_rate <= 0 || !(l.service_mean_s > 0) || !std::isfinite(l.service_mean_s)) {
    u.assumptions = "no arrivals or no finite mean service time: no queueing reference";
    return u;
  }
  const sim::MMcK q = sim::mmck(u.arrival_rate, 1.0 / l.service_mean_s, l.servers, l.queue_places);
  if (std::isnan(q.blocking)) {
    u.assumptions = "accept queue too long to compute M/M/c/K";
  } else {
    u.mmck_blocking = q.blocking;
    u.mmck_waiting = q.waiting;
  }
  u.erlang_c = sim::erlang_c(u.offered, l.servers);
  const bool varying = arrivals == model::ArrivalKind::kPoissonVarying;
  if (l.service_exponential) {
    u.assumptions = varying ? "reference: M/M/c/K at the mean rate, but the rate varies over the span"
                            : "reference: M/M/c/K, Poisson arrivals at the measured rate";
  } else {
    u.assumptions = varying ? "reference: M/M/c/K at the mean rate (the rate varies); service taken as exponential"
                            : "reference: M/M/c/K, Poisson arrivals; service taken as exponential with its mean";
  }
  return u;
}

}  // namespace cli

// cli/utilisation.h — a listener's utilisation and its queueing references, as `run`
// reports them (the table and the JSON's listeners.*.utilisation).
//
// offered = λ·E[S] in erlangs, with λ the connections whose first SYN reached the listener
// per second of the measured span; ρ = offered / servers; busy = the time its servers
// spent serving over servers × span. Where the arrivals are Poisson, the M/M/c/K blocking
// probability and the Erlang C waiting probability (sim/queueing.h) for c = servers,
// K = its accept queue's places and its E[S], labelled as references under the
// assumptions of those models: exponential service, a blocked arrival lost.
#pragma once

#include <optional>
#include <string_view>

#include "model/results.h"

namespace cli {

struct Utilisation {
  double arrival_rate = 0;  // λ, connections per second
  double offered = 0;       // erlangs
  double rho = 0;           // offered / servers (NaN without servers)
  double busy = 0;          // measured busy fraction (NaN without servers or span)
  // The references, when the arrivals are Poisson and the listener has servers.
  std::optional<double> mmck_blocking;
  std::optional<double> mmck_waiting;  // P(an admitted arrival waits) in M/M/c/K
  std::optional<double> erlang_c;      // P(an arrival waits) in M/M/c (K unbounded)
  std::string_view assumptions;        // what the references assume, or why there are none
};

Utilisation utilisation(const model::ListenerResults& l, model::ArrivalKind arrivals);

}  // namespace cli

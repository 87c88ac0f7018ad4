// model/first_data.h — the client's first request bytes, after connect() succeeds.
//
// A client group with `first_data` (or any group of a scenario where a listener defers
// accept, ScenarioSpec::simulates_first_data) sends one data segment a draw of its delay
// after its connect() succeeded, and retransmits it on the kernel's post-handshake
// timeout until the server acknowledges it or the attempt is decided. The segment
// crosses the network like the handshake's (it can be lost); the listener part decides
// what it does to a held request (Listeners::receive_ack). Other groups send nothing, so
// a scenario without the feature runs exactly as before.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/connection_pool.h"
#include "model/personality.h"
#include "model/results.h"
#include "model/spec.h"
#include "model/wire.h"
#include "sim/distribution.h"
#include "sim/engine.h"
#include "sim/random.h"

namespace model {

class FirstData {
 public:
  // `timers` is the handler every connection timer is set on (it calls on_timer()).
  FirstData(const ScenarioSpec& spec, sim::Engine& engine, sim::EventHandler& timers, ConnectionPool& pool, Wire& wire);
  FirstData(const FirstData&) = delete;
  FirstData& operator=(const FirstData&) = delete;

  // Whether any client group sends its first data.
  bool any() const;
  // Connection `slot`'s connect() has just succeeded: schedule its first data.
  void connected(std::uint32_t slot);
  // The first-data timer of a live connection came up: send (or resend) the data.
  void on_timer(std::uint32_t slot);
  // The server acknowledged the data: nothing more to send.
  void receive_data_ack(std::uint32_t slot);

  // Group `i`'s counts, into its results (ClientResults::sends_data, data_sent, data_retransmits).
  void report(std::size_t i, ClientResults& out) const;

 private:
  struct Group {
    std::optional<sim::DurationDist> delay;  // nullopt: the group sends no data segment
    Personality personality{Os::kLinux, KernelKnobs{}};
    sim::RandomStream rng{0};
    std::uint64_t sent = 0;
    std::uint64_t retransmits = 0;
  };
  void arm(std::uint32_t slot, sim::Duration timeout);

  sim::Engine& engine_;
  sim::EventHandler& timers_;
  ConnectionPool& pool_;
  Wire& wire_;
  std::vector<Group> groups_;
};

}  // namespace model

// model/arrivals.h — when a client group calls connect(): the arrival processes.
//
// An ArrivalProcess yields the instants of successive first attempts (retries are the
// client's business, not the process's). It draws only from the stream it is given, so a
// group's arrivals do not depend on anything else in the scenario.
#pragma once

#include <cstdint>
#include <optional>

#include "model/spec.h"
#include "sim/random.h"
#include "sim/time.h"

namespace model {

class ArrivalProcess {
 public:
  explicit ArrivalProcess(const ArrivalSpec& spec) : spec_(spec) {}

  // The next arrival after the previous one (the first: after time zero), or nullopt when
  // the process has no more.
  std::optional<sim::Time> next(sim::RandomStream& rng);

 private:
  ArrivalSpec spec_;
  std::int64_t index_ = 0;  // arrivals produced so far
  sim::Time last_ = sim::Time::zero();
};

}  // namespace model

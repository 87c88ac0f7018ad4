// model/digest.h — a stable, specified digest of a run's outcome stream.
//
// FNV-1a over 64-bit words. Every outcome with its time, every script step's result and
// the final counts are mixed in, in the order they happen: equal digests, equal runs, on
// every build and machine.
#pragma once

#include <cstdint>

namespace model {

class RunDigest {
 public:
  void mix(std::uint64_t v) {
    value_ ^= v;
    value_ *= kFnvPrime;
  }
  std::uint64_t value() const { return value_; }

 private:
  static constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
  static constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;
  std::uint64_t value_ = kFnvOffset;
};

}  // namespace model

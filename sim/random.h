// sim/random.h — seeded, specified pseudo-random streams.
//
// The generator is xoshiro256** 1.0 (Blackman & Vigna) with its state filled by
// SplitMix64. Both algorithms are fully specified integer arithmetic, so a given seed
// yields the same sequence forever, on every platform, compiler and build type; the
// known-answer tests in tests/sim/random_test.cpp pin it. Nothing in synstorm uses
// std::*_distribution or std::random_device (their output is implementation-defined or
// nondeterministic); the samplers in sim/distribution.h are our own code.
//
// Every entity (host, client group, link) draws from its own stream, keyed by the
// scenario seed and the entity's stable name: RandomStream(seed, "web") depends on
// nothing else, so adding or removing an entity never changes another entity's draws.
// A stream is a plain value: copyable, no global state, not shared between threads.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>

namespace sim {

// One step of SplitMix64 (Steele, Lea & Flood; Vigna's splitmix64.c): advances `state`
// by the golden-ratio increment and returns the mixed value.
std::uint64_t splitmix64_next(std::uint64_t& state);

// FNV-1a, 64-bit, over the bytes of `name`. Stable forever: stream keys and therefore
// every scenario's output depend on it, so it must never change.
std::uint64_t hash_name(std::string_view name);

// A seed for a sub-computation (a replication of a sweep, an entity's stream) derived
// from `seed` and a label. Distinct labels give unrelated seeds; the same inputs always
// give the same seed.
std::uint64_t derive_seed(std::uint64_t seed, std::string_view label);

class RandomStream {
 public:
  using State = std::array<std::uint64_t, 4>;

  // State filled by four SplitMix64 steps from `seed`, as the xoshiro authors advise.
  explicit RandomStream(std::uint64_t seed);
  // The stream of one entity: exactly RandomStream(derive_seed(seed, entity_name)).
  RandomStream(std::uint64_t seed, std::string_view entity_name);

  // A stream with the given raw xoshiro256** state (known-answer tests, checkpoints).
  // Requires: not all four words zero (the one state xoshiro cannot leave).
  static RandomStream from_state(const State& state);
  const State& state() const { return s_; }

  // The next raw 64-bit output of xoshiro256**.
  std::uint64_t next_u64() {
    const std::uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) on the grid k·2^-53: the top 53 bits of one output.
  double uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform in (0, 1] on the grid k·2^-53: never 0, so log() of it is finite.
  double uniform_open01() { return static_cast<double>((next_u64() >> 11) + 1) * 0x1.0p-53; }

  // Uniform integer in [0, n), exactly unbiased (Lemire, "Fast random integer generation
  // in an interval", 2019: multiply-shift with rejection). Consumes one output, or more
  // on the rare rejection (probability < n / 2^64).
  // Requires: n > 0.
  std::uint64_t below(std::uint64_t n);

  // lo + (hi - lo)·uniform01(), in [lo, hi); exactly lo when lo == hi.
  // Requires: lo <= hi, both finite, hi - lo finite.
  double uniform(double lo, double hi);

 private:
  RandomStream() = default;

  State s_{};
};

}  // namespace sim

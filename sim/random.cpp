#include "sim/random.h"

#include <cassert>
#include <cmath>

namespace sim {

std::uint64_t splitmix64_next(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t hash_name(std::string_view name) {
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a 64-bit offset basis
  for (const char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;  // FNV 64-bit prime
  }
  return h;
}

std::uint64_t derive_seed(std::uint64_t seed, std::string_view label) {
  // The seed is scrambled before the XOR so that a seed and a label hash differing in
  // the same few bits cannot cancel out; the combination is mixed once more so that
  // nearby results do not feed nearby SplitMix64 states to the stream constructor.
  std::uint64_t s = seed;
  std::uint64_t combined = splitmix64_next(s) ^ hash_name(label);
  return splitmix64_next(combined);
}

RandomStream::RandomStream(std::uint64_t seed) {
  // Four consecutive SplitMix64 outputs are distinct (it is a bijection of a counter),
  // so the state is never all zero.
  std::uint64_t sm = seed;
  for (auto& word : s_) word = splitmix64_next(sm);
}

RandomStream::RandomStream(std::uint64_t seed, std::string_view entity_name)
    : RandomStream(derive_seed(seed, entity_name)) {}

RandomStream RandomStream::from_state(const State& state) {
  assert((state[0] | state[1] | state[2] | state[3]) != 0);
  RandomStream r;
  r.s_ = state;
  return r;
}

std::uint64_t RandomStream::below(std::uint64_t n) {
  assert(n > 0);
  __extension__ typedef unsigned __int128 u128;
  u128 m = static_cast<u128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    // 2^64 mod n: the number of low products that would make some results more likely.
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double RandomStream::uniform(double lo, double hi) {
  assert(lo <= hi);
  const double r = lo + (hi - lo) * uniform01();
  // Rounding can land exactly on hi when u is close to 1; keep the interval half-open.
  if (r >= hi) return lo == hi ? lo : std::nextafter(hi, lo);
  return r;
}

}  // namespace sim

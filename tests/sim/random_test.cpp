#include "sim/random.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "theory.h"

using sim::RandomStream;

// Known answers. The expected numbers were produced by a separate C program written
// from the published reference sources — xoshiro256starstar.c and splitmix64.c by
// Blackman & Vigna (https://prng.di.unimi.it/) and the FNV-1a 64-bit definition
// (offset basis 14695981039346656037, prime 1099511628211) — compiled with gcc and
// printed with printf("%llu"). The first ten xoshiro256** outputs from state {1,2,3,4}
// also agree with the reference test vector of the rand_xoshiro crate, and the FNV-1a
// values for "", "a" and "foobar" with the FNV authors' published test vectors.

TEST_CASE("SplitMix64 known answers", "[random]") {
  std::uint64_t state = 1234567;
  const std::vector<std::uint64_t> expected = {6457827717110365317u, 3203168211198807973u, 9817491932198370423u,
                                               4593380528125082431u, 16408922859458223821u};
  for (const auto e : expected) CHECK(sim::splitmix64_next(state) == e);
  CHECK(state == 1234567u + 5u * 0x9e3779b97f4a7c15u);
}

TEST_CASE("FNV-1a 64 known answers", "[random]") {
  CHECK(sim::hash_name("") == 0xcbf29ce484222325u);
  CHECK(sim::hash_name("a") == 0xaf63dc4c8601ec8cu);
  CHECK(sim::hash_name("foobar") == 0x85944171f73967e8u);
  CHECK(sim::hash_name("web:80") == 0xd80662399381cec1u);
}

TEST_CASE("xoshiro256** known answers", "[random]") {
  SECTION("from the raw state {1, 2, 3, 4}") {
    RandomStream rng = RandomStream::from_state({1, 2, 3, 4});
    const std::vector<std::uint64_t> expected = {
        11520u,
        0u,
        1509978240u,
        1215971899390074240u,
        1216172134540287360u,
        607988272756665600u,
        16172922978634559625u,
        8476171486693032832u,
        10595114339597558777u,
        2904607092377533576u,
    };
    for (const auto e : expected) CHECK(rng.next_u64() == e);
  }
  SECTION("seeded by SplitMix64 from 42") {
    RandomStream rng(42);
    const std::vector<std::uint64_t> expected = {1546998764402558742u,  6990951692964543102u,  12544586762248559009u,
                                                 17057574109182124193u, 18295552978065317476u, 14199186830065750584u};
    for (const auto e : expected) CHECK(rng.next_u64() == e);
  }
  SECTION("an entity's stream: seed 42, name \"web:80\"") {
    // derive_seed(s, l) = splitmix64(splitmix64(s) ^ fnv1a(l)); same C program.
    CHECK(sim::derive_seed(42, "web:80") == 2611282419368997151u);
    RandomStream rng(42, "web:80");
    CHECK(rng.next_u64() == 875894347325951738u);
    CHECK(rng.next_u64() == 10381589201396605683u);
    CHECK(rng.next_u64() == 13522180391898612807u);
  }
  SECTION("uniform01 takes the top 53 bits") {
    RandomStream rng = RandomStream::from_state({1, 2, 3, 4});
    CHECK(rng.uniform01() == std::ldexp(static_cast<double>(11520u >> 11), -53));
    CHECK(rng.uniform01() == 0.0);  // the second raw output is 0
    RandomStream open = RandomStream::from_state({1, 2, 3, 4});
    CHECK(open.uniform_open01() == std::ldexp(static_cast<double>((11520u >> 11) + 1), -53));
    CHECK(open.uniform_open01() == std::ldexp(1.0, -53));
  }
}

TEST_CASE("the same seed and name give the same sequence", "[random]") {
  const std::uint64_t seed = GENERATE(as<std::uint64_t>{}, 0, 1, 42, 0xffffffffffffffff);
  RandomStream a(seed, "client/browsers");
  RandomStream b(seed, "client/browsers");
  RandomStream unrelated(seed, "host/web");
  for (int i = 0; i < 1000; ++i) {
    unrelated.next_u64();  // another entity drawing in between changes nothing
    REQUIRE(a.next_u64() == b.next_u64());
  }
  CHECK(RandomStream(seed, "x").state() == RandomStream(sim::derive_seed(seed, "x")).state());
}

TEST_CASE("different names and seeds give different streams", "[random]") {
  const std::vector<std::string> names = {"", "a", "b", "web", "web:80", "web:81", "client/0", "client/1"};
  std::vector<std::uint64_t> firsts;
  for (const auto& n : names) {
    for (const std::uint64_t seed : {1u, 2u}) firsts.push_back(RandomStream(seed, n).next_u64());
  }
  for (std::size_t i = 0; i < firsts.size(); ++i) {
    for (std::size_t j = i + 1; j < firsts.size(); ++j) CHECK(firsts[i] != firsts[j]);
  }
  CHECK(sim::derive_seed(7, "rep/0") != sim::derive_seed(7, "rep/1"));
  CHECK(sim::derive_seed(7, "rep/0") != sim::derive_seed(8, "rep/0"));
}

TEST_CASE("streams of different names are uncorrelated", "[random]") {
  // Under independence the sample correlation r of n pairs has r·√n → N(0, 1), so
  // |r| <= z/√n at the stated confidence. Neighbouring names are the risky case.
  const auto [name_a, name_b] =
      GENERATE(table<const char*, const char*>({{"client/0", "client/1"}, {"web:80", "web:81"}, {"a", "b"}}));
  const std::uint64_t seed = GENERATE(as<std::uint64_t>{}, 1, 99);
  RandomStream a(seed, name_a);
  RandomStream b(seed, name_b);
  constexpr int kN = 100'000;
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (int i = 0; i < kN; ++i) {
    const double x = a.uniform01();
    const double y = b.uniform01();
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  const double n = kN;
  const double cov = sab / n - (sa / n) * (sb / n);
  const double r = cov / std::sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
  INFO("r = " << r);
  CHECK(std::abs(r) <= sim_test::z_two_sided() / std::sqrt(n));
}

TEST_CASE("uniform01, uniform_open01 and uniform stay in range", "[random]") {
  RandomStream rng(GENERATE(as<std::uint64_t>{}, 3, 4));
  constexpr int kN = 200'000;
  double sum = 0;
  for (int i = 0; i < kN; ++i) {
    const double u = rng.uniform01();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
    const double o = rng.uniform_open01();
    REQUIRE(o > 0.0);
    REQUIRE(o <= 1.0);
    const double w = rng.uniform(-2.5, 7.0);
    REQUIRE(w >= -2.5);
    REQUIRE(w < 7.0);
  }
  // Mean of U(0,1): 1/2 with variance 1/12 per draw.
  CHECK(std::abs(sum / kN - 0.5) <= sim_test::z_two_sided() * std::sqrt(1.0 / 12.0 / kN));
  CHECK(rng.uniform(3.0, 3.0) == 3.0);
}

TEST_CASE("below(n) is uniform over 0..n-1", "[random]") {
  // Pearson's chi-square over equal-width bins of [0, n) against its critical value.
  // n = 3·2^62 is the case where a plain modulo would be badly biased (the lowest
  // quarter of the range twice as likely) and where Lemire's rejection step matters.
  const auto [n, bins] =
      GENERATE(table<std::uint64_t, std::uint64_t>({{1, 1}, {2, 2}, {6, 6}, {7, 7}, {1000, 10}, {3ull << 62, 12}}));
  RandomStream rng(GENERATE(as<std::uint64_t>{}, 5, 6), "below");
  constexpr std::uint64_t kN = 120'000;
  std::vector<std::uint64_t> counts(bins, 0);
  const std::uint64_t bin_width = n / bins;  // n is a multiple of bins in every case
  for (std::uint64_t i = 0; i < kN; ++i) {
    const std::uint64_t v = rng.below(n);
    REQUIRE(v < n);
    ++counts[v / bin_width];
  }
  if (bins == 1) return;  // below(1) is always 0: nothing to test beyond the range
  const double expected = static_cast<double>(kN) / static_cast<double>(bins);
  double chi2 = 0;
  for (const auto c : counts) {
    const double d = static_cast<double>(c) - expected;
    chi2 += d * d / expected;
  }
  INFO("n = " << n << ", chi2 = " << chi2);
  CHECK(chi2 <= sim_test::chi_square_critical(static_cast<double>(bins - 1)));
}

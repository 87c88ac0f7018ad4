// Tests of sim/queueing.h: M/M/c/K and Erlang B/C. The expected values do not come from
// the formulas under test: small cases are worked by hand from the textbook closed forms
// (shown in the comments), and larger ones come from solving the birth-death chain's
// balance equations numerically (Gaussian elimination on its generator matrix).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <vector>

#include "sim/queueing.h"

namespace {

// The stationary distribution of the M/M/c/(c+k) chain, from πQ = 0 and Σπ = 1 solved
// by Gaussian elimination with partial pivoting: no product form, no recursion.
std::vector<double> solve_chain(double lambda, double mu, int c, int k) {
  const int n = c + k + 1;
  // A = Qᵀ with its last row replaced by ones (the normalisation); A·π = e_last.
  std::vector<std::vector<double>> a(static_cast<std::size_t>(n), std::vector<double>(static_cast<std::size_t>(n) + 1));
  auto q = [&](int i, int j) -> double {  // the generator's rate from state i to state j
    if (j == i + 1 && i + 1 < n) return lambda;
    if (j == i - 1) return mu * std::min(i, c);
    if (i == j) return -((i + 1 < n ? lambda : 0.0) + mu * std::min(i, c));
    return 0.0;
  };
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) a[i][j] = i == n - 1 ? 1.0 : q(j, i);
    a[i][n] = i == n - 1 ? 1.0 : 0.0;
  }
  for (int col = 0; col < n; ++col) {
    int pivot = col;
    for (int r = col + 1; r < n; ++r)
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    std::swap(a[col], a[pivot]);
    for (int r = 0; r < n; ++r) {
      if (r == col || a[r][col] == 0) continue;
      const double f = a[r][col] / a[col][col];
      for (int j = col; j <= n; ++j) a[r][j] -= f * a[col][j];
    }
  }
  std::vector<double> pi(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) pi[i] = a[i][n] / a[i][i];
  return pi;
}

}  // namespace

TEST_CASE("Erlang B and C match values worked by hand from the closed forms", "[queueing]") {
  // B(c, a) = (a^c/c!) / Σ_{k<=c} a^k/k!.  c = 1: a/(1+a); c = 2, a = 1: (1/2)/(1+1+1/2) = 0.2.
  CHECK(sim::erlang_b(3.0, 1) == Approx(0.75).epsilon(1e-15));
  CHECK(sim::erlang_b(1.0, 2) == Approx(0.2).epsilon(1e-15));
  // c = 3, a = 2: (8/6) / (1 + 2 + 2 + 8/6) = 4/19.
  CHECK(sim::erlang_b(2.0, 3) == Approx(4.0 / 19.0).epsilon(1e-15));
  // C(c, a) = (a^c/c!·c/(c-a)) / (Σ_{k<c} a^k/k! + a^c/c!·c/(c-a)).
  // M/M/1: C = ρ. c = 2, a = 1: (1/2·2)/(1 + 1 + 1) = 1/3. c = 3, a = 2: 4/(5 + 4) = 4/9.
  CHECK(sim::erlang_c(0.7, 1) == Approx(0.7).epsilon(1e-15));
  CHECK(sim::erlang_c(1.0, 2) == Approx(1.0 / 3.0).epsilon(1e-15));
  CHECK(sim::erlang_c(2.0, 3) == Approx(4.0 / 9.0).epsilon(1e-15));
  // No steady state at or above saturation: every arrival waits.
  CHECK(sim::erlang_c(16.0, 16) == 1.0);
  CHECK(sim::erlang_c(48.0, 16) == 1.0);
}

TEST_CASE("M/M/1/K matches its closed form", "[queueing]") {
  // M/M/1 with N = 1 + k places: P(N) = (1-ρ)ρ^N / (1-ρ^(N+1)).
  const double rho = 0.9;
  const int k = 4;
  const double expected = (1 - rho) * std::pow(rho, 5) / (1 - std::pow(rho, 6));
  CHECK(sim::mmck(0.9, 1.0, 1, k).blocking == Approx(expected).epsilon(1e-13));
  // k = 0 is Erlang B.
  CHECK(sim::mmck(2.0, 1.0, 3, 0).blocking == Approx(4.0 / 19.0).epsilon(1e-13));
}

TEST_CASE("M/M/c/K matches the numerical solution of its birth-death chain", "[queueing]") {
  struct Case {
    double lambda, mu;
    int c, k;
  };
  for (const Case& t :
       {Case{8, 1, 10, 20}, Case{30, 1, 10, 5}, Case{3, 2, 4, 0}, Case{250, 250, 1, 30}, Case{48, 1, 16, 40}}) {
    const std::vector<double> pi = solve_chain(t.lambda, t.mu, t.c, t.k);
    const auto n_max = static_cast<std::size_t>(t.c + t.k);
    double waiting = 0, lq = 0;
    for (std::size_t n = static_cast<std::size_t>(t.c); n < n_max; ++n) waiting += pi[n];
    for (std::size_t n = static_cast<std::size_t>(t.c) + 1; n <= n_max; ++n) lq += static_cast<double>(n - t.c) * pi[n];
    const sim::MMcK r = sim::mmck(t.lambda, t.mu, t.c, t.k);
    INFO("lambda " << t.lambda << " mu " << t.mu << " c " << t.c << " k " << t.k);
    CHECK(r.blocking == Approx(pi[n_max]).epsilon(1e-9).margin(1e-14));
    CHECK(r.waiting == Approx(waiting / (1 - pi[n_max])).epsilon(1e-9).margin(1e-14));
    CHECK(r.lq == Approx(lq).epsilon(1e-9).margin(1e-14));
    CHECK(r.wq == Approx(lq / (t.lambda * (1 - pi[n_max]))).epsilon(1e-9).margin(1e-14));
  }
}

TEST_CASE("Erlang C is the limit of M/M/c/K's waiting probability as K grows", "[queueing]") {
  // ρ = 0.8: with K = 150 the truncated tail is below 0.8^150 ≈ 3e-15.
  const std::vector<double> pi = solve_chain(8.0, 1.0, 10, 150);
  double waiting = 0;
  for (std::size_t n = 10; n < pi.size(); ++n) waiting += pi[n];
  CHECK(sim::erlang_c(8.0, 10) == Approx(waiting).epsilon(1e-9));
}

TEST_CASE("M/M/c/K stays finite where the product terms would overflow a double", "[queueing]") {
  // 16 workers, 3 times overloaded, 511 places: the unnormalised terms reach 3^511.
  const sim::MMcK r = sim::mmck(12000.0, 250.0, 16, 512);
  REQUIRE(std::isfinite(r.blocking));
  // Far above saturation the blocking tends to 1 - c/a = 1 - 16/48.
  CHECK(r.blocking == Approx(2.0 / 3.0).epsilon(1e-9));
  CHECK(r.waiting == Approx(1.0).epsilon(1e-9));
  CHECK(std::isnan(sim::mmck(1.0, 1.0, 1, sim::kMaxQueueingStates).blocking));
}

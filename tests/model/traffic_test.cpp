// Traffic as World plays it: closed populations, retry policies in a storm, SYN floods
// from forged addresses, balancers and server faults. Every check compares with a value
// derived from the mechanism's definition (model/spec.h) or from queueing theory.
#include <algorithm>
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "../sim/theory.h"
#include "model/world.h"
#include "scenario_builder.h"
#include "sim/random.h"
#include "sim/stats.h"

using namespace model;
using namespace model::test;

namespace {

sim::Time at(double seconds) { return sim::Time::zero() + *sim::duration_from_seconds(seconds); }

FaultSpec fault(FaultKind kind, double from_s, double length_s, double factor = 1.0) {
  FaultSpec f;
  f.kind = kind;
  f.at = at(from_s);
  f.length = *sim::duration_from_seconds(length_s);
  f.host = 0;
  f.port = 80;
  f.factor = factor;
  return f;
}

// ---- closed populations ---------------------------------------------------------------

// A finite population of N users, each thinking Exp(1/lambda) between connects, against
// c workers serving Exp(mu) and a Windows accept queue of K (refusal when full, no retries,
// no latency): the birth-death chain on n = connections queued or served, with births
// (N - n) lambda for n < c + K and deaths min(n, c) mu (Gross & Harris, "finite source"
// M/M/c/K/N). An attempt is refused when it finds n = c + K.
struct FiniteSource {
  double refusal = 0;     // refused attempts / attempts
  double throughput = 0;  // accepted per second
};
FiniteSource finite_source(int users, double lambda, double mu, int c, int k) {
  const int n_max = c + k;
  std::vector<double> p(static_cast<std::size_t>(n_max) + 1, 0.0);
  p[0] = 1.0;
  for (int n = 1; n <= n_max; ++n) p[n] = p[n - 1] * (users - n + 1) * lambda / (std::min(n, c) * mu);
  double sum = 0;
  for (double v : p) sum += v;
  double arrivals = 0, blocked = 0, served = 0;
  for (int n = 0; n <= n_max; ++n) {
    const double pn = p[n] / sum;
    arrivals += pn * (users - n) * lambda;
    if (n == n_max) blocked = pn * (users - n) * lambda;
    served += pn * std::min(n, c) * mu;
  }
  return {blocked / arrivals, served};
}

}  // namespace

TEST_CASE("finite_source reproduces the machine-repairman textbook value", "[traffic]") {
  // One server, two users, lambda = mu = 1, no limit: p0 : p1 : p2 = 1 : 2 : 2, so the
  // server is busy 4/5 of the time (Kleinrock, Queueing Systems I, M/M/1//M).
  CHECK(finite_source(2, 1, 1, 1, 10).throughput == Approx(0.8));
  CHECK(finite_source(2, 1, 1, 1, 10).refusal == Approx(0.0));
}

TEST_CASE("a closed population is the finite-source queue: refusals and throughput match theory",
          "[traffic][statistical]") {
  struct Case {
    int users;
    double think_s;
    double service_ms;
    int workers;
    int backlog;
  };
  const Case cs = GENERATE(Case{40, 1.0, 100, 4, 4}, Case{12, 0.5, 200, 2, 3});
  const FiniteSource theory = finite_source(cs.users, 1.0 / cs.think_s, 1000.0 / cs.service_ms, cs.workers, cs.backlog);
  INFO("N " << cs.users << ", think " << cs.think_s << " s, service " << cs.service_ms << " ms, c " << cs.workers
            << ", K " << cs.backlog << "; theory: refusal " << theory.refusal << ", throughput " << theory.throughput);
  constexpr int kReplications = 20;
  constexpr double kSeconds = 400;
  std::vector<double> refusal, throughput;
  for (int rep = 0; rep < kReplications; ++rep) {
    const auto service = sim::ExponentialDist{sim::microseconds(static_cast<std::int64_t>(cs.service_ms * 1000))};
    ScenarioSpec spec = scenario(
        {host("server", Os::kWindows, backlog(cs.backlog), cs.workers, service)},
        {client("users", Os::kLinux, 0,
                ClosedLoopArrivals{cs.users, sim::ExponentialDist{*sim::duration_from_seconds(cs.think_s)}})},
        sim::seconds(static_cast<std::int64_t>(kSeconds)), sim::derive_seed(20261125, "closed/" + std::to_string(rep)));
    const RunResults r = run_scenario(spec);
    const OutcomeCounts& k = r.clients[0].counts;
    REQUIRE(k.balanced());
    // A user never has two attempts open: at most N are pending at the end.
    CHECK(k.pending <= static_cast<std::uint64_t>(cs.users));
    refusal.push_back(k.refusal_rate());
    throughput.push_back(static_cast<double>(k.accepted) / kSeconds);
  }
  const auto b = sim::mean_confidence_interval(refusal, sim_test::kConfidence);
  const auto x = sim::mean_confidence_interval(throughput, sim_test::kConfidence);
  INFO("simulated: refusal " << b.mean << " ± " << b.half_width << ", throughput " << x.mean << " ± " << x.half_width);
  CHECK(std::abs(b.mean - theory.refusal) <= b.half_width);
  CHECK(std::abs(x.mean - theory.throughput) <= x.half_width);
  CHECK(b.half_width <= 0.15 * theory.refusal);  // narrow enough to fail
  CHECK(x.half_width <= 0.02 * theory.throughput);
}

// ---- retries in a storm ---------------------------------------------------------------

namespace {

// 1000 clients connect at t = 1 s to a port closed by a restart fault; each retries once
// with `policy`. Returns the attempts per 100 ms bin after the burst's bin.
std::vector<double> retry_wave(RetryPolicy policy) {
  ScenarioSpec spec =
      scenario({host("web", Os::kLinux, backlog(128), 8)},
               {client("c", Os::kLinux, 0, BurstArrivals{1000, at(1.0), sim::Duration::zero()})}, sim::seconds(5), 7);
  spec.sample_interval = sim::milliseconds(100);
  spec.faults.push_back(fault(FaultKind::kRestart, 0.5, 4.0));
  spec.clients[0].retry.policy = policy;
  spec.clients[0].retry.max = 1;
  spec.clients[0].retry.backoff = sim::seconds(1);
  const RunResults r = run_scenario(spec);
  REQUIRE(r.clients[0].counts.refused == 2000);  // the port refuses both waves
  std::vector<double> bins;
  const auto& rows = r.timeseries.rows();
  for (const auto& row : rows) {
    if (row.at > at(1.0)) bins.push_back(row.values[0]);  // column 0: attempts
  }
  return bins;
}

}  // namespace

TEST_CASE("jitter flattens the retry peak: all at once without, uniform bins with", "[traffic][statistical]") {
  const std::vector<double> plain = retry_wave(RetryPolicy::kExponential);
  CHECK(*std::max_element(plain.begin(), plain.end()) == 1000);  // every retry in one bin, at 2 s

  // Full jitter: each retry uniform on [0, 1 s): 10 bins, each Binomial(1000, 0.1). Each bin
  // is checked at 99.9% jointly (Bonferroni over the bins).
  const std::vector<double> full = retry_wave(RetryPolicy::kFullJitter);
  const double z = sim_test::z_two_sided(1.0 - (1.0 - sim_test::kConfidence) / 10);
  const double sd = std::sqrt(1000 * 0.1 * 0.9);
  for (int i = 0; i < 10; ++i) {
    INFO("full jitter bin " << i << ": " << full[static_cast<std::size_t>(i)]);
    CHECK(std::abs(full[static_cast<std::size_t>(i)] - 100) <= z * sd);
  }
  CHECK(*std::max_element(full.begin(), full.end()) <= 0.2 * 1000);

  // Decorrelated jitter: the first retry uniform on [1 s, 3 s): nothing in the first
  // second, then 20 bins of Binomial(1000, 0.05).
  const std::vector<double> decorrelated = retry_wave(RetryPolicy::kDecorrelatedJitter);
  const double z20 = sim_test::z_two_sided(1.0 - (1.0 - sim_test::kConfidence) / 20);
  const double sd20 = std::sqrt(1000 * 0.05 * 0.95);
  for (int i = 0; i < 10; ++i) CHECK(decorrelated[static_cast<std::size_t>(i)] == 0);
  for (int i = 10; i < 30; ++i) {
    INFO("decorrelated bin " << i << ": " << decorrelated[static_cast<std::size_t>(i)]);
    CHECK(std::abs(decorrelated[static_cast<std::size_t>(i)] - 50) <= z20 * sd20);
  }
}

TEST_CASE("retry give_up: a chain stops retrying once give_up has passed since its first attempt", "[traffic]") {
  // A closed port refuses at once; fixed 1 s retries, give_up 3.5 s: retries at 1, 2, 3 s.
  ScenarioSpec spec =
      scenario({host("web", Os::kLinux, backlog(8), 1)},
               {client("c", Os::kLinux, 0, BurstArrivals{1, at(1.0), sim::Duration::zero()})}, sim::seconds(20));
  spec.faults.push_back(fault(FaultKind::kRestart, 0.5, 19.0));
  spec.clients[0].retry = RetrySpec{RetryPolicy::kFixed, 100, sim::seconds(1), 2.0, 0.0};
  spec.clients[0].retry.give_up = sim::milliseconds(3500);
  const RunResults r = run_scenario(spec);
  CHECK(r.clients[0].counts.attempts == 4);
  CHECK(r.clients[0].app_retries == 3);
}

// ---- SYN floods --------------------------------------------------------------------------

namespace {

RunResults flood(int syncookies) {
  HostSpec web = host("web", Os::kLinux, backlog(128), 8);
  web.kernel.tcp_syncookies = syncookies;
  ClientSpec attack = client("attack", Os::kLinux, 0, ConstantArrivals{2000});
  attack.spoofed = true;
  // Legitimate clients start once the flood has filled the SYN queue (129 SYNs: 65 ms).
  ClientSpec users = client("users", Os::kLinux, 0, BurstArrivals{200, at(1.0), sim::seconds(8)});
  return run_scenario(scenario({web}, {attack, users}, sim::seconds(30)));
}

}  // namespace

TEST_CASE("a spoofed SYN flood makes no attempts; cookies keep the legitimate clients served", "[traffic][linux]") {
  const RunResults on = flood(1);
  const ClientResults& attack = on.clients[0];
  CHECK(attack.spoofed);
  CHECK(attack.counts.attempts == 0);
  CHECK(attack.spoofed_syns == 59999);  // one every 0.5 ms, before 30 s
  CHECK(on.clients[1].counts.accepted == 200);
  const ListenerResults& l = on.listeners[0];
  // The forged requests fill the SYN queue: 129, as inet_csk_reqsk_queue_is_full is
  // qlen > backlog since 2025 (Personality::syn_queue_full) ...
  CHECK(l.syn_queue.max == 129);
  CHECK(l.syns_dropped == 0);  // ... and every SYN beyond it is answered with a cookie
  CHECK(l.accepted == 200);    // no forged connection ever completes
}

TEST_CASE("without cookies the forged requests hold the SYN queue and legitimate SYNs are dropped",
          "[traffic][linux]") {
  const RunResults off = flood(0);
  const ClientResults& users = off.clients[1];
  // Linux drops a SYN it cannot queue and never answers it with RST: an attempt either gets
  // a slot that a forged request freed (they expire after their SYN-ACK retries, pruned to
  // 2 on a full queue) before the next forged SYN takes it, or times out.
  CHECK(users.counts.refused == 0);
  CHECK(users.counts.reset == 0);
  CHECK(users.counts.accepted + users.counts.timed_out + users.counts.pending == 200);
  CHECK(off.listeners[0].syncookies_sent == 0);
  CHECK(off.listeners[0].syns_dropped > 0);
  // The flood denies the service: the design claim of scenarios/syn-flood.yaml is that
  // fewer than one legitimate client in five gets through, where cookies serve them all.
  CHECK(users.counts.accepted * 5 < flood(1).clients[1].counts.accepted);
}

// ---- balancers ------------------------------------------------------------------------

namespace {

// Three backends behind balancer "lb"; backend `stuck` (if >= 0) never accepts.
ScenarioSpec balanced(BalancePolicy policy, ArrivalSpec arrivals, int stuck = -1, std::uint64_t seed = 5) {
  std::vector<HostSpec> hosts;
  for (int i = 0; i < 3; ++i) {
    hosts.push_back(host("web" + std::to_string(i), Os::kLinux, backlog(4096), i == stuck ? 0 : 4));
  }
  ClientSpec c = client("c", Os::kLinux, 0, arrivals);
  c.balancer = 0;
  ScenarioSpec spec = scenario(hosts, {c}, sim::seconds(10), seed);
  BalancerSpec b;
  b.name = "lb";
  b.port = 80;
  b.policy = policy;
  for (std::size_t i = 0; i < 3; ++i) b.backends.push_back({i, 80});
  spec.balancers.push_back(b);
  return spec;
}

std::vector<std::uint64_t> assigned(const RunResults& r) {
  std::vector<std::uint64_t> out;
  for (const auto& b : r.balancers[0].backends) out.push_back(b.assigned);
  return out;
}

}  // namespace

TEST_CASE("round robin and least connections (all idle) spread exactly evenly", "[traffic][balancer]") {
  const BalancePolicy p = GENERATE(BalancePolicy::kRoundRobin, BalancePolicy::kLeastConnections);
  const RunResults r = run_scenario(balanced(p, ConstantArrivals{300}));
  CHECK(r.totals.attempts == 2999);
  CHECK(assigned(r) == std::vector<std::uint64_t>{1000, 1000, 999});
  CHECK(r.totals.accepted == 2999);
}

TEST_CASE("random balancing: counts pass a chi-square test of uniformity", "[traffic][balancer][statistical]") {
  const RunResults r = run_scenario(balanced(BalancePolicy::kRandom, ConstantArrivals{3000}));
  const std::vector<std::uint64_t> a = assigned(r);
  const double n = static_cast<double>(r.totals.attempts);
  double chi2 = 0;
  for (const std::uint64_t v : a) chi2 += std::pow(static_cast<double>(v) - n / 3, 2) / (n / 3);
  INFO("assigned " << a[0] << " " << a[1] << " " << a[2]);
  CHECK(chi2 <= sim_test::chi_square_critical(2));
}

TEST_CASE("least connections and two choices avoid a backend that holds its connections", "[traffic][balancer]") {
  // web1 never accepts: every connection sent there stays open, so the balancer counts it
  // active for good. Least connections sends it exactly one (while all were at zero);
  // two choices, at most one too (it loses every later pairing); random, a third.
  const RunResults lc = run_scenario(balanced(BalancePolicy::kLeastConnections, ConstantArrivals{300}, 1));
  CHECK(assigned(lc)[1] == 1);
  const RunResults two = run_scenario(balanced(BalancePolicy::kTwoChoices, ConstantArrivals{300}, 1));
  CHECK(assigned(two)[1] <= 1);
  CHECK(two.balancers[0].backends[1].max_active <= 1);
  const RunResults rnd = run_scenario(balanced(BalancePolicy::kRandom, ConstantArrivals{300}, 1));
  const double third = 2999.0 / 3;
  CHECK(std::abs(static_cast<double>(assigned(rnd)[1]) - third) <=
        sim_test::z_two_sided() * std::sqrt(2999 * (2.0 / 9)));
}

TEST_CASE("a backend that refuses is marked down for mark_down, then tried again", "[traffic][balancer]") {
  // Two backends, round robin, one connect every 10 ms; web1's port is closed all run, so
  // each connection sent there is refused and marks it down for 1 s: it is tried at 20 ms,
  // then at 1.02 s, 2.02 s, ... 9.02 s.
  ScenarioSpec spec = balanced(BalancePolicy::kRoundRobin, ConstantArrivals{100});
  spec.balancers[0].backends.pop_back();
  spec.balancers[0].mark_down = sim::seconds(1);
  FaultSpec closed = fault(FaultKind::kRestart, 0.0, 10.0);
  closed.host = 1;
  spec.faults.push_back(closed);
  const RunResults r = run_scenario(spec);
  const auto& web1 = r.balancers[0].backends[1];
  CHECK(web1.assigned == 10);
  CHECK(web1.marked_down == 10);
  CHECK(r.totals.refused == 10);
  CHECK(r.totals.accepted == r.totals.attempts - 10);
}

// ---- faults --------------------------------------------------------------------------

TEST_CASE("stall: the accept queue fills to the backlog and the rest are refused (Windows)", "[traffic][fault]") {
  // One connect every 10 ms; the workers stall on [1 s, 3 s): 200 arrivals meet a queue
  // that holds 10, so 190 are refused; the 10 are accepted when the stall ends.
  ScenarioSpec spec = scenario({host("web", Os::kWindows, backlog(10), 1)},
                               {client("c", Os::kLinux, 0, ConstantArrivals{100})}, sim::seconds(5));
  spec.faults.push_back(fault(FaultKind::kStall, 1.0, 2.0));
  const RunResults r = run_scenario(spec);
  CHECK(r.totals.refused == 190);
  CHECK(r.totals.accepted == r.totals.attempts - 190);
  CHECK(r.listeners[0].accept_queue.max == 10);
  CHECK(r.listeners[0].accept_wait.max() == 2'000'000'000);  // queued at 1 s, accepted at 3 s
}

TEST_CASE("restart: the closed port refuses; a Windows client's re-sent SYNs outlast a short restart",
          "[traffic][fault]") {
  // The socket is closed on [1 s, 3 s). A Linux client takes the RST as ECONNREFUSED at
  // once; a Windows client re-sends its SYN 4 times, 500 ms apart (KB175523), so an
  // attempt made at t >= 1 s still has a SYN in flight at 3 s and gets through.
  const Os client_os = GENERATE(Os::kLinux, Os::kWindows);
  ScenarioSpec spec = scenario({host("web", Os::kLinux, backlog(128), 4)},
                               {client("c", client_os, 0, ConstantArrivals{100})}, sim::seconds(5));
  spec.faults.push_back(fault(FaultKind::kRestart, 1.0, 2.0));
  const RunResults r = run_scenario(spec);
  CHECK(r.totals.refused == (client_os == Os::kLinux ? 200u : 0u));
  if (client_os == Os::kWindows) {
    // Every attempt gets in: one made at 1 s re-sends at 1.5, 2, 2.5 and 3 s, and the
    // last finds the socket open again, 2 s after its connect().
    CHECK(r.totals.accepted == r.totals.attempts);
    CHECK(r.totals.timed_out == 0);
    CHECK(r.totals.reset == 0);
    CHECK(r.clients[0].connect_latency.max() == 2'000'000'000);
  }
  CHECK(r.listeners[0].resets_sent == 0);  // the RSTs came from a port with no socket, not from the listener
  CHECK(r.totals.balanced());
}

TEST_CASE("slow_start multiplies service times by factor, falling linearly to 1", "[traffic][fault]") {
  // One user with no think time and one worker: each connection is accepted as the last
  // one's service ends, so the accept instants follow t' = t + s(t) with
  // s(t) = 10 ms * (5 - 4 (t - 1 s) / 4 s) on [1 s, 5 s), 10 ms elsewhere.
  ScenarioSpec spec = scenario(
      {host("web", Os::kLinux, backlog(8), 1, sim::ConstantDist{sim::milliseconds(10)})},
      {client("u", Os::kLinux, 0, ClosedLoopArrivals{1, sim::ConstantDist{sim::Duration::zero()}})}, sim::seconds(8));
  spec.faults.push_back(fault(FaultKind::kSlowStart, 1.0, 4.0, 5.0));
  std::int64_t t = 0;
  std::uint64_t expected = 0;
  while (t < 8'000'000'000) {
    ++expected;
    double factor = 1.0;
    if (t >= 1'000'000'000 && t < 5'000'000'000) {
      factor = 5.0 - 4.0 * std::min(1.0, (static_cast<double>(t - 1'000'000'000) / 1e9) / 4.0);
    }
    t += std::llround(0.010 * factor * 1e9);
  }
  // The recurrence agrees with its continuous form: 400 connections in the 4 s at full
  // speed, plus the integral of 1 / s(t) over the slow start, 100 ln 5 ~ 160.9.
  CHECK(std::abs(static_cast<double>(expected) - (400 + 100 * std::log(5.0))) <= 2);
  const RunResults r = run_scenario(spec);
  CHECK(r.totals.accepted == expected);
}

// ---- hosts and links that go down ----------------------------------------------------

// A client, a router and two hosts: c - r - web and r - other, zero latency, no loss.
NetworkSpec star() {
  NetworkSpec n;
  n.routers = {"r"};
  n.links = {LinkSpec{"c", "r", {}, {}, 0.0}, LinkSpec{"r", "web", {}, {}, 0.0}, LinkSpec{"r", "other", {}, {}, 0.0}};
  return n;
}

FaultSpec cut(FaultKind kind, double from_s, double length_s, std::size_t host, std::uint32_t link = 0) {
  FaultSpec f = fault(kind, from_s, length_s);
  f.host = host;
  f.port = 0;
  f.link = link;
  return f;
}

TEST_CASE("host_down and link_down lose exactly the segments sent across the cut", "[traffic][fault]") {
  // One connect every 10 ms, no SYN retransmission: the 200 attempts made on [1 s, 3 s)
  // send their one SYN into the cut and time out; every other attempt is accepted. A link
  // off the path (r - other) changes nothing at all.
  const auto run = [](std::optional<FaultSpec> f) {
    ScenarioSpec spec = scenario({host("web", Os::kLinux, backlog(128), 4), host("other", Os::kLinux, backlog(8), 1)},
                                 {client("c", Os::kLinux, 0, ConstantArrivals{100})}, sim::seconds(8));
    spec.clients[0].syn_retries = 0;
    spec.network = star();
    if (f) spec.faults.push_back(*f);
    return run_scenario(spec);
  };
  const RunResults clean = run(std::nullopt);
  REQUIRE(clean.totals.accepted == clean.totals.attempts);
  SECTION("the host") {
    const RunResults r = run(cut(FaultKind::kHostDown, 1.0, 2.0, 0));
    CHECK(r.totals.attempts == clean.totals.attempts);
    CHECK(r.totals.timed_out == 200);
    CHECK(r.totals.accepted == r.totals.attempts - 200);
    CHECK(r.clients[0].segments_lost == 200);
    CHECK(r.totals.balanced());
  }
  SECTION("a link of the path") {
    const RunResults r = run(cut(FaultKind::kLinkDown, 1.0, 2.0, 0, 1));
    CHECK(r.totals.timed_out == 200);
    CHECK(r.clients[0].segments_lost == 200);
    CHECK(r.totals.balanced());
  }
  SECTION("another host, and a link off the path") {
    CHECK(run(cut(FaultKind::kHostDown, 1.0, 2.0, 1)).digest == clean.digest);
    CHECK(run(cut(FaultKind::kLinkDown, 1.0, 2.0, 0, 2)).digest == clean.digest);
  }
}

TEST_CASE("host_down: retransmitted SYNs get through once the host is back, and nothing is lost from the accounts",
          "[traffic][fault]") {
  // Linux clients retransmit their SYN on the kernel's schedule (1 s apart at first,
  // tcp_syn_linear_timeouts), each timer rounded up to the timer wheel's slot. The host
  // is cut off on [1 s, 3 s): an attempt made at t sends its SYN at t, then at each
  // retransmission instant; those before 3 s are lost and the first at or after 3 s gets
  // through, so every attempt is accepted and its connect latency is that instant - t.
  ScenarioSpec spec = scenario({host("web", Os::kLinux, backlog(128), 4)},
                               {client("c", Os::kLinux, 0, ConstantArrivals{100})}, sim::seconds(10));
  spec.faults.push_back(cut(FaultKind::kHostDown, 1.0, 2.0, 0));
  const RunResults r = run_scenario(spec);

  // The expected values, from the kernel's rules written out rather than the model's
  // functions: Linux 6.5+ (tcp_syn_linear_timeouts=4) retransmits a SYN 1 s after the
  // previous one for the first 4 retransmissions (tcp_retransmit_timer does not back off
  // while icsk_retransmits <= tcp_syn_linear_timeouts), and at CONFIG_HZ=250 a 1 s timer
  // (250 jiffies) lands on level 1 of the timer wheel, whose slots are 8 jiffies (32 ms):
  // calc_index rounds its expiry up to the next slot boundary, jiffies counted from t = 0.
  REQUIRE(default_knobs(Os::kLinux).hz == 250);
  REQUIRE(default_knobs(Os::kLinux).tcp_syn_linear_timeouts == 4);
  constexpr std::int64_t kJiffy = 4'000'000, kSlot = 8;
  const auto retransmit_at = [](std::int64_t sent_ns) {
    const std::int64_t expires = sent_ns / kJiffy + 250;
    return (expires / kSlot + 1) * kSlot * kJiffy;
  };
  std::uint64_t lost = 0;
  std::int64_t max_latency = 0;
  for (std::int64_t k = 1; k * 10'000'000 < 10'000'000'000; ++k) {
    const std::int64_t t = k * 10'000'000;
    std::int64_t send = t;
    // At most 2 SYNs fall in the 2 s cut, so every retransmission here is a linear one.
    for (; send >= 1'000'000'000 && send < 3'000'000'000; send = retransmit_at(send)) ++lost;
    max_latency = std::max(max_latency, send - t);
  }
  CHECK(r.totals.accepted == r.totals.attempts);
  CHECK(r.clients[0].segments_lost == lost);
  CHECK(r.clients[0].connect_latency.max() == max_latency);
  // At least one and at most two SYNs each for the 200 attempts made during the cut.
  CHECK(lost >= 200);
  CHECK(lost <= 400);
  CHECK(r.totals.balanced());
}

TEST_CASE("faults in a storm lose no accounting: every attempt ends in exactly one outcome", "[traffic][fault]") {
  // A Linux server under a Poisson storm behind a 10 ms path, with every kind of fault
  // overlapping: its link and the host go down, the listener stalls, restarts and slow
  // starts. Attempts = accepted + refused + timed out + reset + pending, per client and in
  // total, and what the clients count as accepted is what the listener accepted.
  ScenarioSpec spec = scenario({host("web", Os::kLinux, backlog(32), 4, sim::ExponentialDist{sim::milliseconds(20)}),
                                host("other", Os::kLinux, backlog(8), 1)},
                               {client("c", Os::kLinux, 0, PoissonArrivals{300})}, sim::seconds(40));
  spec.network = star();
  spec.network->links[1].latency = sim::milliseconds(10);
  spec.clients[0].connect_timeout = sim::seconds(5);
  spec.faults.push_back(cut(FaultKind::kLinkDown, 2.0, 1.5, 0, 1));
  spec.faults.push_back(cut(FaultKind::kHostDown, 3.0, 2.0, 0));
  spec.faults.push_back(fault(FaultKind::kStall, 4.0, 2.0));
  spec.faults.push_back(fault(FaultKind::kRestart, 8.0, 1.0));
  spec.faults.push_back(fault(FaultKind::kSlowStart, 9.0, 3.0, 4.0));
  spec.faults.push_back(cut(FaultKind::kHostDown, 12.0, 0.5, 0));
  const RunResults r = run_scenario(spec);
  CHECK(r.totals.balanced());
  CHECK(r.clients[0].counts.balanced());
  CHECK(r.clients[0].segments_lost > 0);
  CHECK(r.totals.timed_out > 0);
  CHECK(r.totals.refused > 0);  // the restart's closed port
  CHECK(r.totals.accepted == r.listeners[0].accepted);
}

TEST_CASE("through a balancer, connect latency is the round trip to the backend the balancer picked",
          "[traffic][balancer][network]") {
  // c -- 10 ms -- r -- 5 ms -- lb, then lb -- 1 / 3 / 7 ms -- web0 / web1 / web2: the
  // round trips are 2 * 16, 2 * 18 and 2 * 22 ms, and round robin uses each a third of
  // the time (the queues stay empty, so nothing else adds to the latency).
  ScenarioSpec spec = balanced(BalancePolicy::kRoundRobin, ConstantArrivals{300});
  NetworkSpec net;
  net.routers = {"r"};
  net.links = {{"c", "r", sim::milliseconds(10), {}, 0.0},
               {"r", "lb", sim::milliseconds(5), {}, 0.0},
               {"lb", "web0", sim::milliseconds(1), {}, 0.0},
               {"lb", "web1", sim::milliseconds(3), {}, 0.0},
               {"lb", "web2", sim::milliseconds(7), {}, 0.0}};
  spec.network = net;
  const RunResults r = run_scenario(spec);
  const sim::Histogram& latency = r.clients[0].connect_latency;
  CHECK(latency.min() == sim::milliseconds(32).ns());
  CHECK(latency.max() == sim::milliseconds(44).ns());
  CHECK(latency.mean() == Approx((32.0 + 36.0 + 44.0) / 3 * 1e6).epsilon(1e-3));
  CHECK(assigned(r) == std::vector<std::uint64_t>{1000, 1000, 999});
}

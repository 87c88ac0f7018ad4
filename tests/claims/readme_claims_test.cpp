// The README's claims about the bundled scenarios, asserted as properties.
//
// tests/golden/ pins every scenario's whole output, but scripts/update-golden.sh
// regenerates it, and a regeneration would re-bless a run that no longer does what the
// README says. Each test here names the README statement it protects (the "Scenarios"
// table) and checks it on the bundled file, as shipped, with its own seed. When one
// fails, the model or the README is wrong: fix one of them, not the test.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "cli/utilisation.h"
#include "config/loader.h"
#include "model/world.h"

namespace {

model::RunResults run_bundled(const std::string& name) {
  const std::string path = std::string(SYNSTORM_SOURCE_DIR) + "/scenarios/" + name;
  const config::LoadResult loaded = config::load_scenario_file(path);
  INFO("loading " << path);
  REQUIRE(loaded.ok());
  return model::run_scenario(*loaded.spec);
}

const model::ClientResults& client(const model::RunResults& r, const std::string& name) {
  for (const auto& c : r.clients)
    if (c.name == name) return c;
  FAIL("no client group " << name);
  throw;  // unreachable: FAIL throws
}

const model::ListenerResults& listener(const model::RunResults& r, const std::string& host) {
  for (const auto& l : r.listeners)
    if (l.host == host) return l;
  FAIL("no listener on " << host);
  throw;
}

// A share as the README writes it: a whole percentage, rounded.
long percent(std::uint64_t part, std::uint64_t whole) {
  return std::lround(100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

}  // namespace

TEST_CASE("README, retry-storm: exponential backoff without jitter: 95% end reset; full jitter: all accepted",
          "[claims]") {
  const model::RunResults r = run_bundled("retry-storm.yaml");
  // 3000 clients per group (the burst at 10 s), each ending in exactly one outcome.
  const auto& plain = client(r, "plain-reconnect");
  CHECK(plain.counts.established == 3000);
  CHECK(percent(plain.counts.reset, 3000) == 95);
  const auto& jitter = client(r, "jitter-reconnect");
  CHECK(jitter.counts.accepted == 3000);
  CHECK(jitter.counts.reset == 0);
  CHECK(jitter.counts.timed_out == 0);
  CHECK(jitter.counts.pending == 0);
}

TEST_CASE("README, flash-crowd-balancer: round robin overflows the small backend, least connections does not",
          "[claims]") {
  const model::RunResults r = run_bundled("flash-crowd-balancer.yaml");
  CHECK(listener(r, "rr-small").listen_overflows > 0);
  CHECK(listener(r, "lc-small").listen_overflows == 0);
  // "nothing fails" behind least connections; round robin's overflow costs clients.
  const auto& lc = client(r, "crowd-lc").counts;
  CHECK(lc.accepted + lc.pending == lc.attempts);
  CHECK(client(r, "crowd-rr").counts.reset > 0);
}

TEST_CASE("README, replay: the crowd overflows the accept queue and 6% of the clients end reset", "[claims]") {
  const model::RunResults r = run_bundled("replay.yaml");
  const auto& c = client(r, "captured").counts;
  CHECK(listener(r, "web").listen_overflows > 0);
  CHECK(percent(c.reset, c.attempts) == 6);
}

TEST_CASE("README, outage: SYNs sent into the cut are lost, and retransmissions bring them in 1 to 3 s late",
          "[claims]") {
  const model::RunResults r = run_bundled("outage.yaml");
  // web-a's uplink is down on [10 s, 13 s). An attempt made in the cut is lost, and its
  // retransmissions (1 s apart, Linux's linear timeouts) get it in 1 to 3 s after its
  // connect(): at most the 3 s cut, plus the path's 21 ms round trip, plus the timer
  // wheel's rounding of its at most 3 retransmissions (32 ms each at HZ=250).
  const auto& a = client(r, "browsers-a");
  CHECK(a.segments_lost > 0);
  CHECK(a.counts.refused + a.counts.timed_out + a.counts.reset == 0);  // no attempt fails
  CHECK(a.connect_latency.max() >= 1'000'000'000);
  CHECK(a.connect_latency.max() <= 3'000'000'000 + 21'000'000 + 3 * 32'000'000);
  // The attempts made before the cut are not late: the median is the round trip.
  CHECK(a.connect_latency.percentile(0.5) < 1'000'000'000);
}

TEST_CASE("README, utilisation: on mmck-windows the measured loss sits next to M/M/c/K's, busy is rho(1 - B)",
          "[claims]") {
  const model::RunResults r = run_bundled("mmck-windows.yaml");
  const model::ListenerResults& l = listener(r, "server");
  const cli::Utilisation u = cli::utilisation(l, r.arrivals);
  // "The measured loss (12.19%) sits next to the model's 12.32%"
  CHECK(std::lround(1e4 * r.totals.loss_rate()) == 1219);
  REQUIRE(u.mmck_blocking);
  CHECK(std::lround(1e4 * *u.mmck_blocking) == 1232);
  // "the busy fraction is rho·(1 − B) = 1.004 × 0.877 = 88.0%"
  CHECK(std::lround(1e3 * u.rho) == 1004);
  CHECK(std::lround(1e3 * u.busy) == 881);
  CHECK(std::lround(1e3 * u.rho * (1 - *u.mmck_blocking)) == 880);
  // "At rho ≥ 1 Erlang C is 100%"
  REQUIRE(u.erlang_c);
  CHECK(*u.erlang_c == 1.0);
}

TEST_CASE(
    "README, defer-accept: deferred connections fill the SYN queue instead of the accept queue, and cookies "
    "start",
    "[claims]") {
  const model::RunResults r = run_bundled("defer-accept.yaml");
  const auto& plain = listener(r, "plain");
  const auto& deferred = listener(r, "deferred");
  // Without the option the SYN queue stays nearly empty and no cookie is sent.
  CHECK(plain.syn_queue.max <= 2);
  CHECK(plain.syncookies_sent == 0);
  // With it, the SYN queue reaches its limit (backlog + 1) and cookies are sent, while
  // the accept queue stays as short as the plain server's.
  CHECK(deferred.syn_queue.max == deferred.backlog + 1);
  CHECK(deferred.syncookies_sent > 0);
  CHECK(deferred.accept_queue.max <= 2);
  CHECK(deferred.defer_completed_by_data > 0);
  // The silent clients are accepted once the SYN-ACK sent at the defer limit is ACKed.
  CHECK(deferred.defer_completed_without_data > 0);
  CHECK(deferred.defer_expired_acked == 0);
}

// README "SO_REUSEPORT: one socket per worker": with one slow loop, the shared socket's fast
// loops take its share and nobody fails; the reuseport group's slow socket overflows alone
// while its siblings drop nothing, each with about a quarter of the clients.
TEST_CASE("reuseport.yaml: the slow loop's socket overflows alone; on the shared socket the others take its share",
          "[claims][reuseport]") {
  const model::RunResults r = run_bundled("reuseport.yaml");
  const model::ClientResults& shared = client(r, "to-shared");
  CHECK(shared.counts.attempts == 39963);
  CHECK(shared.counts.accepted == shared.counts.attempts);
  CHECK(listener(r, "shared-web").syns_dropped == 0);
  CHECK(listener(r, "shared-web").accept_queue.max == 16);
  const model::ClientResults& group = client(r, "to-reuseport");
  CHECK(group.counts.reset == 2446);
  CHECK(group.counts.pending == 1307);
  CHECK(std::lround(10000 * group.counts.failure_rate()) == 931);  // 9.31%
  std::uint64_t siblings = 0;
  for (const auto& l : r.listeners) {
    if (l.host != "reuseport-web") continue;
    CHECK(l.reuseport_sockets == 4);
    if (l.reuseport_socket == 3) {
      CHECK(l.syns_received == 14492);
      CHECK(l.syns_dropped == 6257);
      CHECK(l.syncookies_sent == 2132);
      CHECK(l.accepted == 4775);
      CHECK(std::lround(1000 * l.accept_queue.full_fraction) == 469);  // 46.9%
    } else {
      CHECK(l.syns_dropped == 0);
      CHECK(percent(l.accepted, group.counts.attempts) >= 25);  // "about a quarter" (26-27% each here)
      CHECK(percent(l.accepted, group.counts.attempts) <= 27);
      siblings += l.accepted;
    }
  }
  CHECK(siblings == 10754 + 10441 + 10577);
  CHECK(siblings + 4775 == group.counts.accepted);
  // The event-loop table: the shared socket's slow loop 2 took 3 698 (9%), the group's
  // slow loop (socket 3) was busy the whole run; its siblings about half.
  for (const auto& lp : r.loops) {
    if (lp.host == "shared-web" && lp.loop == 2) {
      CHECK(lp.accepted == 3698);
      CHECK(percent(lp.accepted, shared.counts.accepted) == 9);
    }
    if (lp.host == "reuseport-web") {
      if (lp.socket == 3) {
        CHECK(lp.busy_fraction > 0.9999);
      } else {
        CHECK(lp.busy_fraction >= 0.54);
        CHECK(lp.busy_fraction <= 0.57);
      }
    }
  }
}

TEST_CASE("README, event-loop: the connection ceiling overflows the backlog while the loops' CPU is idle", "[claims]") {
  const model::RunResults r = run_bundled("event-loop.yaml");
  const auto& capped = listener(r, "capped");
  CHECK(capped.syns_received == 14775);
  CHECK(capped.syns_dropped == 5994);
  CHECK(std::lround(1000 * capped.accept_queue.full_fraction) == 386);  // 38.6%
  const auto& c = client(r, "to-capped").counts;
  CHECK(std::lround(1000 * c.failure_rate()) == 259);  // 25.9%
  CHECK(c.reset == 1905);
  CHECK(c.timed_out == 23);
  std::uint64_t roomy_total = 0;
  for (const auto& lp : r.loops) {
    if (lp.host == "capped") {
      CHECK(lp.busy_fraction < 0.01);         // every loop under 1% busy ...
      CHECK(lp.open.full_fraction >= 0.795);  // ... and 80-93% of the run at its limit
      CHECK(lp.open.full_fraction <= 0.935);
    } else {
      roomy_total += lp.accepted;
    }
  }
  CHECK(listener(r, "roomy").syns_dropped == 0);
  CHECK(roomy_total == 9009);
  CHECK(r.loops[4].accepted == 8701);  // roomy's loop 0, woken first by EPOLLEXCLUSIVE
  CHECK(r.loops[7].accepted == 0);
}

TEST_CASE("README, proxy-tier: every handshake succeeds; the crowd's excess gets 503 from the proxy's full queue",
          "[claims][proxy]") {
  const model::RunResults r = run_bundled("proxy-tier.yaml");
  CHECK(r.totals.accepted == r.totals.attempts);
  const auto& crowd = client(r, "crowd");
  const auto& regulars = client(r, "regulars");
  CHECK(std::lround(1e4 * crowd.requests.status_5xx_rate()) == 6777);
  CHECK(crowd.requests.unavailable ==
        crowd.requests.bad_gateway + crowd.requests.gateway_timeout + crowd.requests.unavailable);  // 503 only
  CHECK(std::lround(1e4 * regulars.requests.status_5xx_rate()) == 385);
  REQUIRE(r.proxies.size() == 1);
  const model::ProxyResults& edge = r.proxies[0];
  CHECK(edge.queue_full == crowd.requests.unavailable + regulars.requests.unavailable);
  // The queue is the proxy's: the backends' accept queues hold at most 64 - 16 connections.
  for (const char* app : {"app1", "app2", "app3"}) {
    INFO(app);
    CHECK(listener(r, app).syns_dropped == 0);
    CHECK(listener(r, app).accept_queue.max <= 48);
  }
}

TEST_CASE("README, retry-amplification: 1.42 requests reach the apps per first attempt", "[claims][proxy]") {
  const model::RunResults r = run_bundled("retry-amplification.yaml");
  std::uint64_t to_apps = 0;
  for (const model::ProxyResults& p : r.proxies) {
    for (const model::UpstreamResults& u : p.backends) {
      if (u.host == "app1" || u.host == "app2") to_apps += u.tries;
    }
  }
  const auto& users = client(r, "users");
  const std::uint64_t first_attempts = users.counts.attempts - users.app_retries;
  CHECK(std::lround(100.0 * static_cast<double>(to_apps) / static_cast<double>(first_attempts)) == 142);
  CHECK(std::lround(1e4 * users.requests.status_5xx_rate()) == 911);
}

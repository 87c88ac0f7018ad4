// Client groups with an OS mix (`os: {linux: 70%, windows: 30%}`, model::ClientSpec::os_mix):
// how the mix is read, that each chain's OS is drawn with the asked probabilities, and
// that the results are reported per OS within the group and can be targeted per OS.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "../sim/theory.h"
#include "cli/metrics.h"
#include "config/diagnostic.h"
#include "config/overrides.h"
#include "model/world.h"

namespace {

std::string scenario(const std::string& os, const std::string& extra = "") {
  return "name: mix\nseed: 9\nduration: 10s\nsample_interval: 1s\n"
         "hosts:\n  gw:\n    os: linux\n    listeners:\n"
         "      - {port: 443, backlog: 64, workers: 8, service: {dist: exponential, mean: 2ms}}\n"
         "clients:\n  users:\n    os: " +
         os + "\n    target: gw:443\n    arrivals: {process: poisson, rate: 2000/s}\n" + extra;
}

config::LoadResult load(const std::string& text, std::span<const config::Override> overrides = {}) {
  return config::ScenarioSource::from_text(text, "mix.yaml").load(overrides);
}

std::string errors(const config::LoadResult& r) {
  std::string all;
  for (const auto& d : r.errors) all += config::format(d) + "\n";
  return all;
}

}  // namespace

TEST_CASE("an OS mix is a map of OS to percentage, summing to 100%", "[config][os-mix]") {
  const config::LoadResult ok = load(scenario("{linux: 70%, windows: 30%}"));
  REQUIRE(ok.ok());
  REQUIRE(ok.spec->clients[0].os_mix.size() == 2);
  CHECK(ok.spec->clients[0].os_mix[1].os == model::Os::kWindows);
  CHECK(ok.spec->clients[0].os_mix[1].share == 0.3);
  CHECK(errors(load(scenario("{linux: 70%, windows: 20%}"))).find("the shares add up to 90%, not 100%") !=
        std::string::npos);
  CHECK(errors(load(scenario("{linux: 70, windows: 30%}"))).find("expected a share in (0%, 100%], e.g. 70%") !=
        std::string::npos);
  CHECK(errors(load(scenario("{linux: 70%, windos: 30%}"))).find("did you mean \"windows\"?") != std::string::npos);
  CHECK(errors(load(scenario("{linux: 50%, windows: 50%}", "    kernel: {tcp_syn_retries: 2}\n")))
            .find("kernel knobs are per OS") != std::string::npos);
  // Without a mix, nothing changes: the group has no per-OS results.
  const model::RunResults plain = model::run_scenario(*load(scenario("linux")).spec);
  CHECK(plain.clients[0].os_mix.empty());
}

TEST_CASE("each chain's OS is drawn with the mix's probabilities, and each OS is reported",
          "[model][os-mix][statistical]") {
  const config::LoadResult loaded = load(scenario("{linux: 70%, windows: 30%}"));
  REQUIRE(loaded.ok());
  const model::RunResults r = model::run_scenario(*loaded.spec);
  const model::ClientResults& g = r.clients.at(0);
  REQUIRE(g.os_mix.size() == 2);
  // Every attempt here is its chain's first (no retries): the Windows count is
  // Binomial(n, 0.3), and its share lies within the 99.9% normal interval.
  const double n = static_cast<double>(g.counts.attempts);
  REQUIRE(n > 10000);
  const double windows = static_cast<double>(g.os_mix[1].counts.attempts) / n;
  CHECK(std::abs(windows - 0.3) <= sim_test::z_two_sided() * std::sqrt(0.3 * 0.7 / n));
  CHECK(g.os_mix[0].os == "linux");
  CHECK(g.os_mix[0].counts.attempts + g.os_mix[1].counts.attempts == g.counts.attempts);
  CHECK(g.os_mix[0].counts.accepted + g.os_mix[1].counts.accepted == g.counts.accepted);
  CHECK(g.os_mix[0].counts.pending + g.os_mix[1].counts.pending == g.counts.pending);
  CHECK(g.os_mix[0].counts.balanced());
  CHECK(g.os_mix[1].counts.balanced());
  CHECK(g.os_mix[0].connect_latency.count() + g.os_mix[1].connect_latency.count() == g.connect_latency.count());
  // Per-OS metrics: attempts[users/windows] reads the Windows share.
  const auto selected = cli::parse_metric_list("attempts[users/windows]", *loaded.spec);
  REQUIRE(std::holds_alternative<std::vector<cli::SelectedMetric>>(selected));
  const cli::MetricValues v = cli::measure(r, std::get<std::vector<cli::SelectedMetric>>(selected));
  CHECK(v.back() == static_cast<double>(g.os_mix[1].counts.attempts));
}

TEST_CASE("a mixed group's OS draws do not move its arrivals", "[model][os-mix]") {
  // The OS comes from its own stream: the arrival times are those of the same group
  // without a mix, so a mix changes only what the clients' kernels do.
  const model::RunResults mixed = model::run_scenario(*load(scenario("{linux: 50%, freebsd: 50%}")).spec);
  const model::RunResults plain = model::run_scenario(*load(scenario("linux")).spec);
  CHECK(mixed.clients[0].counts.attempts == plain.clients[0].counts.attempts);
}

TEST_CASE("one --vary on a mixed group changes the whole group", "[config][os-mix]") {
  const std::vector<config::Override> rate{{"clients.users.arrivals.rate", "500/s", "--vary"}};
  const config::LoadResult r = load(scenario("{linux: 70%, windows: 30%}"), rate);
  REQUIRE(r.ok());
  REQUIRE(r.spec->clients.size() == 1);
  CHECK(std::get<model::PoissonArrivals>(r.spec->clients[0].arrivals).rate_per_s == 500);
}

// The proxy tier's sweep and plan metrics (cli/metrics.h): their values from hand-built
// RunResults whose every count is chosen here, their selectors (a group, a proxy's
// HOST:PORT), and their absence of value without proxies.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <variant>

#include "cli/metrics.h"
#include "config/loader.h"

namespace {

double metric(const cli::MetricValues& v, const char* name) { return v[*cli::find_metric(name)]; }

model::RequestCounts counts(std::uint64_t ok, std::uint64_t bad_gateway, std::uint64_t gateway_timeout,
                            std::uint64_t unavailable, std::uint64_t pending) {
  model::RequestCounts c;
  c.requests = ok + bad_gateway + gateway_timeout + unavailable + pending;
  c.ok = ok;
  c.bad_gateway = bad_gateway;
  c.gateway_timeout = gateway_timeout;
  c.unavailable = unavailable;
  c.pending = pending;
  return c;
}

// Two groups through one proxy: a (40 ok, 10 x 503) and b (45 ok, 3 x 502, 2 x 504, 5
// pending); the proxy's queued requests waited 10 ms and 30 ms.
model::RunResults run() {
  model::RunResults r;
  model::ClientResults a;
  a.name = "a";
  a.through_proxy = true;
  a.requests = counts(40, 0, 0, 10, 0);
  a.first_byte.record(2'000'000);
  model::ClientResults b = a;
  b.name = "b";
  b.requests = counts(45, 3, 2, 0, 5);
  b.first_byte = sim::Histogram();
  b.first_byte.record(8'000'000);
  r.clients = {a, b};
  r.requests = a.requests;
  r.requests.add(b.requests);
  model::ProxyResults p;
  p.host = "edge";
  p.port = 80;
  p.requests = r.requests;
  p.queue_wait.record(10'000'000);
  p.queue_wait.record(30'000'000);
  r.proxies.push_back(p);
  return r;
}

}  // namespace

TEST_CASE("the proxy metrics of a run: 5xx over decided requests, first byte, queue wait", "[metrics][proxy]") {
  const cli::MetricValues v = cli::measure(run());
  // 105 requests, 5 pending: 100 decided, of which 10 x 503, 3 x 502, 2 x 504.
  CHECK(metric(v, "status_5xx_rate") == Approx(15.0 / 100.0));
  CHECK(metric(v, "unavailable_rate") == Approx(10.0 / 100.0));
  CHECK(metric(v, "bad_gateway_rate") == Approx(3.0 / 100.0));
  CHECK(metric(v, "gateway_timeout_rate") == Approx(2.0 / 100.0));
  // The histogram's relative error at 7 sub-bits is below 1%.
  CHECK(metric(v, "first_byte_p50_ms") == Approx(2.0).epsilon(0.01));
  CHECK(metric(v, "first_byte_p99_ms") == Approx(8.0).epsilon(0.01));
  CHECK(metric(v, "proxy_queue_wait_p99_ms") == Approx(30.0).epsilon(0.01));
}

TEST_CASE("without proxies the rates are 0 and the percentiles have no value", "[metrics][proxy]") {
  const cli::MetricValues v = cli::measure(model::RunResults{});
  CHECK(metric(v, "status_5xx_rate") == 0.0);
  CHECK(std::isnan(metric(v, "first_byte_p99_ms")));
  CHECK(std::isnan(metric(v, "proxy_queue_wait_p99_ms")));
}

TEST_CASE("proxy metrics select a group or a proxy's HOST:PORT", "[metrics][proxy]") {
  const config::LoadResult loaded = config::load_scenario_text(R"(duration: 10s
hosts:
  edge:
    listeners: [{port: 80, backlog: 511, loops: 1}, {port: 81, backlog: 5, loops: 1}]
    proxy: {port: 80, backends: [app:8080]}
  app:
    listeners: [{port: 8080, backlog: 5, workers: 1, service: {dist: constant, value: 1ms}}]
clients:
  a: {target: edge:80, arrivals: {process: poisson, rate: 1/s}}
  b: {target: edge:80, arrivals: {process: poisson, rate: 1/s}}
  c: {target: edge:80, os: {linux: 50%, windows: 50%}, arrivals: {process: poisson, rate: 1/s}}
)",
                                                               "s.yaml");
  REQUIRE(loaded.ok());
  const auto parse = [&](const char* text) { return cli::parse_selected_metric(text, *loaded.spec); };
  // Requests are not split by OS: a request metric refuses GROUP/OS instead of reading 0,
  // while a connect metric takes it.
  const auto by_os = parse("status_5xx_rate[c/linux]");
  REQUIRE(by_os);
  const std::string* os_error = std::get_if<std::string>(&*by_os);
  REQUIRE(os_error);
  CHECK(os_error->find("no client group \"c/linux\"") != std::string::npos);
  const auto connect_by_os = parse("connect_p99_ms[c/linux]");
  REQUIRE(connect_by_os);
  CHECK(std::holds_alternative<cli::SelectedMetric>(*connect_by_os));
  const auto group = parse("status_5xx_rate[a]");
  const auto proxy = parse("proxy_queue_wait_p99_ms[edge:80]");
  REQUIRE(group);
  REQUIRE(proxy);
  const cli::SelectedMetric sg = std::get<cli::SelectedMetric>(*group);
  const cli::SelectedMetric sp = std::get<cli::SelectedMetric>(*proxy);
  const cli::SelectedMetric selected[] = {sg, sp};
  const cli::MetricValues v = cli::measure(run(), selected);
  CHECK(v[cli::kMetricCount] == Approx(10.0 / 50.0));  // group a: 10 x 503 of 50
  CHECK(v[cli::kMetricCount + 1] == Approx(30.0).epsilon(0.01));
  // A listener that is not a proxy's is not a proxy.
  const auto not_proxy = parse("proxy_queue_wait_p99_ms[edge:81]");
  REQUIRE(not_proxy);
  const std::string* e = std::get_if<std::string>(&*not_proxy);
  REQUIRE(e);
  CHECK(e->find("is measured per proxy (HOST:PORT), and the scenario has no proxy (HOST:PORT) \"edge:81\"") !=
        std::string::npos);
}

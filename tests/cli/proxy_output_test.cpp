// The proxy tier in `synstorm run`'s outputs (cli/output.h): request results per client
// group and in the totals, the `proxies` array, and the text tables, from hand-built
// RunResults whose every figure is chosen here; and nothing of it without proxies.
#include "cli/output.h"

#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace {

model::RequestCounts counts(std::uint64_t ok, std::uint64_t bad_gateway, std::uint64_t gateway_timeout,
                            std::uint64_t unavailable, std::uint64_t pending) {
  model::RequestCounts c;
  for (std::uint64_t i = 0; i < ok; ++i) c.count(model::RequestResult::kOk);
  for (std::uint64_t i = 0; i < bad_gateway; ++i) c.count(model::RequestResult::kBadGateway);
  for (std::uint64_t i = 0; i < gateway_timeout; ++i) c.count(model::RequestResult::kGatewayTimeout);
  for (std::uint64_t i = 0; i < unavailable; ++i) c.count(model::RequestResult::kUnavailable);
  for (std::uint64_t i = 0; i < pending; ++i) c.count(model::RequestResult::kPending);
  return c;
}

// One client group through one proxy (edge:80) with two backends: 100 requests, 80 ok,
// 4 x 502, 2 x 504, 10 x 503, 4 pending (96 decided: 16 5xx).
model::RunResults proxied_run() {
  model::RunResults r;
  r.scenario = "proxied";
  model::ClientResults c;
  c.name = "users";
  c.counts.attempts = 100;
  c.counts.accepted = 100;
  c.through_proxy = true;
  c.requests = counts(80, 4, 2, 10, 4);
  c.first_byte.record(3'000'000);  // 3 ms
  c.retries_on_5xx = 7;
  r.clients.push_back(c);
  r.totals = c.counts;
  r.requests = c.requests;
  model::ProxyResults p;
  p.host = "edge";
  p.port = 80;
  p.requests = c.requests;
  p.next_upstream = 5;
  p.queued = 12;
  p.queue_full = 6;
  p.queue_timeouts = 3;
  p.no_backend = 1;
  p.queue_wait.record(20'000'000);  // 20 ms
  for (const char* host : {"app1", "app2"}) {
    model::UpstreamResults u;
    u.host = host;
    u.port = 8080;
    u.tries = 45;
    u.reused = 30;
    u.connects = 15;
    u.refused = 2;
    u.timed_out = 1;
    u.ok = 40;
    u.marked_down = 1;
    u.max_open = 9;
    p.backends.push_back(u);
  }
  r.proxies.push_back(p);
  return r;
}

}  // namespace

TEST_CASE("request results per client group, in the totals and per proxy", "[output][proxy]") {
  const nlohmann::json j = cli::results_json(proxied_run());
  const nlohmann::json& req = j["clients"]["users"]["requests"];
  CHECK(req["requests"] == 100);
  CHECK(req["ok"] == 80);
  CHECK(req["bad_gateway"] == 4);
  CHECK(req["gateway_timeout"] == 2);
  CHECK(req["unavailable"] == 10);
  CHECK(req["pending"] == 4);
  // Over the 96 decided requests.
  CHECK(req["status_5xx_rate"].get<double>() == Approx(16.0 / 96.0));
  CHECK(req["bad_gateway_rate"].get<double>() == Approx(4.0 / 96.0));
  CHECK(req["gateway_timeout_rate"].get<double>() == Approx(2.0 / 96.0));
  CHECK(req["unavailable_rate"].get<double>() == Approx(10.0 / 96.0));
  CHECK(req["first_byte_ms"]["p50"].get<double>() == Approx(3.0).epsilon(0.01));
  CHECK(req["retries_on_5xx"] == 7);
  CHECK(j["totals"]["requests"]["requests"] == 100);
  REQUIRE(j["proxies"].size() == 1);
  const nlohmann::json& p = j["proxies"][0];
  CHECK(p["proxy"] == "edge:80");
  CHECK(p["requests"]["unavailable"] == 10);
  CHECK(p["next_upstream"] == 5);
  CHECK(p["queued"] == 12);
  CHECK(p["queue_full"] == 6);
  CHECK(p["queue_timeouts"] == 3);
  CHECK(p["no_backend"] == 1);
  CHECK(p["queue_wait_ms"]["p99"].get<double>() == Approx(20.0).epsilon(0.01));
  REQUIRE(p["backends"].size() == 2);
  const nlohmann::json& b = p["backends"][1];
  CHECK(b["backend"] == "app2:8080");
  for (const auto& [key, value] : std::initializer_list<std::pair<const char*, int>>{{"tries", 45},
                                                                                     {"reused", 30},
                                                                                     {"connects", 15},
                                                                                     {"refused", 2},
                                                                                     {"timed_out", 1},
                                                                                     {"ok", 40},
                                                                                     {"marked_down", 1},
                                                                                     {"max_open", 9}}) {
    INFO(key);
    CHECK(b[key] == value);
  }
}

TEST_CASE("a run without proxies has no request keys", "[output][proxy]") {
  model::RunResults r = proxied_run();
  r.proxies.clear();
  r.clients[0].through_proxy = false;
  const nlohmann::json j = cli::results_json(r);
  CHECK_FALSE(j.contains("proxies"));
  CHECK_FALSE(j["totals"].contains("requests"));
  CHECK_FALSE(j["clients"]["users"].contains("requests"));
  std::ostringstream text;
  cli::print_summary(text, r);
  CHECK(text.str().find("proxy") == std::string::npos);
  CHECK(text.str().find("client requests") == std::string::npos);
}

TEST_CASE("the run summary shows the request tables", "[output][proxy]") {
  std::ostringstream text;
  cli::print_summary(text, proxied_run());
  const std::string s = text.str();
  INFO(s);
  // The client's row: requests, ok, 502, 503, 504, pending, 5xx rate (16/96), first byte, 5xx retries.
  REQUIRE(s.find("client requests") != std::string::npos);
  CHECK(s.find("users                        100        80       4      10       2        4   16.67%") !=
        std::string::npos);
  // The proxy's row ends with its next-upstream, queue and no-backend counts and its queue wait.
  CHECK(s.find("edge:80                      100        80       4      10       2        4   16.67%         5       "
               "12       6       3           1   ") != std::string::npos);
  // One row per backend.
  CHECK(s.find("edge:80               app1:8080                    45       30        15        2          1       "
               "40            1         9") != std::string::npos);
  CHECK(s.find("app2:8080") != std::string::npos);
}

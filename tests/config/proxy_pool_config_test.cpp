// Tests of a proxy's `keepalive_timeout` (config/detail/proxy_reader.cpp): nginx's default
// (upstream `keepalive_timeout 60s`, ngx_http_upstream_keepalive_init; docs/scenario-format.md,
// "Proxies"), a value read, and a value out of range with its position.
#include <catch2/catch.hpp>

#include <string>

#include "config/loader.h"
#include "model/spec.h"

namespace {

// An edge proxy in front of app with the given extra `proxy:` keys (YAML flow text).
std::string scenario(const std::string& proxy_keys) {
  return "duration: 10s\n"
         "hosts:\n"
         "  edge:\n"
         "    listeners: [{port: 80, backlog: 511, loops: 1}]\n"
         "    proxy: {backends: [app:8080], keepalive: 8" +
         (proxy_keys.empty() ? "" : ", " + proxy_keys) +
         "}\n"
         "  app:\n"
         "    listeners: [{port: 8080, backlog: 128, workers: 4, service: {dist: constant, value: 1ms}}]\n";
}

std::string all_messages(const config::LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) out += config::format(d) + "\n";
  return out;
}

}  // namespace

TEST_CASE("keepalive_timeout: nginx's 60s by default, a duration > 0 when written", "[loader][proxy]") {
  SECTION("default") {
    const config::LoadResult r = config::load_scenario_text(scenario(""), "test.yaml");
    INFO(all_messages(r));
    REQUIRE(r.ok());
    CHECK(r.spec->hosts[0].proxy->keepalive_timeout == sim::seconds(60));
  }
  SECTION("written") {
    const config::LoadResult r = config::load_scenario_text(scenario("keepalive_timeout: 5s"), "test.yaml");
    INFO(all_messages(r));
    REQUIRE(r.ok());
    CHECK(r.spec->hosts[0].proxy->keepalive_timeout == sim::seconds(5));
  }
  SECTION("negative") {
    const config::LoadResult r = config::load_scenario_text(scenario("keepalive_timeout: -1s"), "test.yaml");
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.errors.size() == 1);
    const std::string e = config::format(r.errors.front());
    CHECK(e.find("test.yaml:5:") == 0);
    CHECK(e.find("hosts.edge.proxy.keepalive_timeout") != std::string::npos);
  }
}

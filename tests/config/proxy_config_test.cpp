// Tests of a host's `proxy:` and of `retry: {on: [...]}` (config/detail/proxy_reader.cpp,
// config/detail/client_reader.cpp): defaults, every key, chains, and each bad value's
// diagnostic with its position. The defaults are nginx's documented ones
// (docs/scenario-format.md, "Proxies").
#include <catch2/catch.hpp>

#include <string>

#include "config/loader.h"
#include "model/spec.h"

namespace {

config::LoadResult load(const std::string& yaml) { return config::load_scenario_text(yaml, "test.yaml"); }

std::string all_messages(const config::LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) out += config::format(d) + "\n";
  return out;
}

// An edge proxy (its listener on port 80 with loops) in front of app1 and app2, with the
// given `proxy:` keys (YAML flow text, after backends), and a client group of `client`.
std::string scenario(const std::string& proxy_keys, const std::string& client = "retry: {max: 1, backoff: 1s}",
                     const std::string& edge_listeners = "[{port: 80, backlog: 511, loops: 2}]") {
  return "duration: 10s\n"
         "hosts:\n"
         "  edge:\n"
         "    listeners: " +
         edge_listeners +
         "\n"
         "    proxy: {backends: [app1:8080, app2:8080]" +
         (proxy_keys.empty() ? "" : ", " + proxy_keys) +
         "}\n"
         "  app1:\n"
         "    listeners: [{port: 8080, backlog: 128, workers: 4, service: {dist: constant, value: 1ms}}]\n"
         "  app2:\n"
         "    listeners: [{port: 8080, backlog: 128, workers: 4, service: {dist: constant, value: 1ms}}]\n"
         "clients:\n"
         "  users: {target: edge:80, arrivals: {process: poisson, rate: 10/s}, " +
         client + "}\n";
}

// The single error of `yaml`, formatted (file:line:column: path: message).
std::string only_error(const std::string& yaml) {
  const config::LoadResult r = load(yaml);
  INFO(all_messages(r));
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  return config::format(r.errors.front());
}

}  // namespace

TEST_CASE("a proxy without keys takes nginx's defaults", "[loader][proxy]") {
  const config::LoadResult r = load(scenario(""));
  INFO(all_messages(r));
  REQUIRE(r.ok());
  const model::HostSpec& edge = r.spec->hosts[0];
  REQUIRE(edge.proxy);
  const model::ProxySpec& p = *edge.proxy;
  CHECK(p.port == 80);  // the host's only listener
  REQUIRE(p.backends.size() == 2);
  CHECK(p.backends[0].host == 1);
  CHECK(p.backends[0].port == 8080);
  CHECK(p.backends[1].host == 2);
  CHECK(p.policy == model::BalancePolicy::kRoundRobin);
  CHECK(p.keepalive == 0);                       // nginx: no upstream keepalive cache unless set
  CHECK(p.connect_timeout == sim::seconds(60));  // proxy_connect_timeout 60s
  CHECK(p.max_connections == 0);                 // server max_conns=0: no limit
  CHECK(p.queue.limit == 0);                     // no queue
  CHECK(p.queue.timeout == sim::seconds(60));    // nginx `queue ... timeout=60s`
  CHECK(p.next_upstream.on_error);               // proxy_next_upstream error timeout
  CHECK(p.next_upstream.on_timeout);
  CHECK(p.next_upstream.tries == 0);                            // proxy_next_upstream_tries 0: no limit
  CHECK(p.next_upstream.timeout == sim::Duration::infinite());  // proxy_next_upstream_timeout 0
  CHECK(p.health.max_fails == 1);                               // server max_fails=1
  CHECK(p.health.fail_timeout == sim::seconds(10));             // fail_timeout=10s
  // The client's retry conditions default to what earlier releases retried on.
  CHECK(r.spec->clients[0].retry.on == (model::kRetryOnRefused | model::kRetryOnTimedOut));
  // Hosts without proxy: stay without one.
  CHECK_FALSE(r.spec->hosts[1].proxy);
}

TEST_CASE("every proxy key is read", "[loader][proxy]") {
  const config::LoadResult r =
      load(scenario("port: 80, policy: least_connections, keepalive: 32, connect_timeout: 2s, max_connections: 100, "
                    "queue: {limit: 50, timeout: 3s}, next_upstream: {on: [error], tries: 2, timeout: 5s}, "
                    "health: {max_fails: 3, fail_timeout: 30s}",
                    "retry: {max: 3, backoff: 100ms, on: [refused, reset, 5xx]}"));
  INFO(all_messages(r));
  REQUIRE(r.ok());
  const model::ProxySpec& p = *r.spec->hosts[0].proxy;
  CHECK(p.policy == model::BalancePolicy::kLeastConnections);
  CHECK(p.keepalive == 32);
  CHECK(p.connect_timeout == sim::seconds(2));
  CHECK(p.max_connections == 100);
  CHECK(p.queue.limit == 50);
  CHECK(p.queue.timeout == sim::seconds(3));
  CHECK(p.next_upstream.on_error);
  CHECK_FALSE(p.next_upstream.on_timeout);
  CHECK(p.next_upstream.tries == 2);
  CHECK(p.next_upstream.timeout == sim::seconds(5));
  CHECK(p.health.max_fails == 3);
  CHECK(p.health.fail_timeout == sim::seconds(30));
  CHECK(r.spec->clients[0].retry.on == (model::kRetryOnRefused | model::kRetryOnReset | model::kRetryOn5xx));
}

TEST_CASE("next_upstream: an empty on turns retries off, a zero timeout means no limit", "[loader][proxy]") {
  const config::LoadResult r = load(scenario("next_upstream: {on: [], timeout: 0s}"));
  INFO(all_messages(r));
  REQUIRE(r.ok());
  const model::NextUpstreamSpec& n = r.spec->hosts[0].proxy->next_upstream;
  CHECK_FALSE(n.on_error);
  CHECK_FALSE(n.on_timeout);
  CHECK(n.timeout == sim::Duration::infinite());
}

TEST_CASE("a chain of proxies loads; a cycle is an error at the entry that closes it", "[loader][proxy]") {
  const std::string chain =
      "duration: 10s\n"
      "hosts:\n"
      "  edge:\n"
      "    listeners: [{port: 80, backlog: 511, loops: 1}]\n"
      "    proxy: {backends: [mesh:80]}\n"
      "  mesh:\n"
      "    listeners: [{port: 80, backlog: 511, loops: 1}, {port: 9000, backlog: 16, workers: 1, service: {dist: "
      "constant, value: 1ms}}]\n"
      "    proxy: {port: 80, backends: [BACK]}\n"
      "  app:\n"
      "    listeners: [{port: 8080, backlog: 128, workers: 4, service: {dist: constant, value: 1ms}}]\n";
  SECTION("edge -> mesh -> app") {
    std::string yaml = chain;
    yaml.replace(yaml.find("BACK"), 4, "app:8080");
    const config::LoadResult r = load(yaml);
    INFO(all_messages(r));
    REQUIRE(r.ok());
    CHECK(r.spec->hosts[0].proxy->backends[0].host == 1);
    CHECK(r.spec->hosts[1].proxy->backends[0].host == 2);
  }
  SECTION("a backend on the proxy host's other listener is an application, not a cycle") {
    std::string yaml = chain;
    yaml.replace(yaml.find("BACK"), 4, "mesh:9000");
    const config::LoadResult r = load(yaml);
    INFO(all_messages(r));
    CHECK(r.ok());
  }
  SECTION("edge -> mesh -> edge") {
    std::string yaml = chain;
    yaml.replace(yaml.find("BACK"), 4, "edge:80");
    CHECK(
        only_error(yaml) ==
        "test.yaml:8:34: error: hosts.mesh.proxy.backends[0]: backend \"edge:80\" makes a cycle of proxies (edge:80 -> "
        "mesh:80 -> edge:80): a request would be forwarded forever and never reach an application");
  }
}

TEST_CASE("bad proxy values are errors with their position and what was expected", "[loader][proxy]") {
  SECTION("the listener must be an event loop") {
    const std::string e =
        only_error(scenario("", "retry: {max: 1, backoff: 1s}",
                            "[{port: 80, backlog: 511, workers: 4, service: {dist: constant, value: 1ms}}]"));
    CHECK(e.find(
              "test.yaml:5:12: error: hosts.edge.proxy: the proxy's listener (port 80) serves with workers: a proxy is "
              "an event-loop server, give that listener loops:") == 0);
  }
  SECTION("several listeners need port") {
    const std::string e = only_error(scenario(
        "", "retry: {max: 1, backoff: 1s}", "[{port: 80, backlog: 511, loops: 2}, {port: 81, backlog: 5, loops: 1}]"));
    CHECK(e ==
          "test.yaml:5:12: error: hosts.edge.proxy: host \"edge\" listens on 80, 81: say which listener the proxy "
          "serves with port:");
  }
  SECTION("port must be one of the host's listeners") {
    CHECK(only_error(scenario("port: 81")) ==
          "test.yaml:5:53: error: hosts.edge.proxy.port: host \"edge\" has no listener on port 81 for its proxy (its "
          "listeners: 80)");
  }
  SECTION("unknown key") {
    CHECK(only_error(scenario("keepalives: 3")).find("unknown key \"keepalives\"") != std::string::npos);
  }
  SECTION("negative keepalive") {
    CHECK(only_error(scenario("keepalive: -1")).find("hosts.edge.proxy.keepalive: expected an integer in [0, ") !=
          std::string::npos);
  }
  SECTION("zero connect_timeout") {
    CHECK(only_error(scenario("connect_timeout: 0s")).find("hosts.edge.proxy.connect_timeout") != std::string::npos);
  }
  SECTION("next_upstream condition") {
    CHECK(only_error(scenario("next_upstream: {on: [error, http_503]}"))
              .find("hosts.edge.proxy.next_upstream.on[1]: unknown next_upstream condition \"http_503\"") !=
          std::string::npos);
  }
  SECTION("a condition twice") {
    CHECK(only_error(scenario("next_upstream: {on: [timeout, timeout]}")) ==
          "test.yaml:5:77: error: hosts.edge.proxy.next_upstream.on[1]: \"timeout\" is listed twice");
  }
  SECTION("a backend twice") {
    const std::string yaml =
        "duration: 10s\nhosts:\n  edge:\n    listeners: [{port: 80, backlog: 5, loops: 1}]\n"
        "    proxy: {backends: [app:8080, app:8080]}\n"
        "  app:\n    listeners: [{port: 8080, backlog: 5, workers: 1, service: {dist: constant, "
        "value: 1ms}}]\n";
    CHECK(only_error(yaml) ==
          "test.yaml:5:34: error: hosts.edge.proxy.backends[1]: backend \"app:8080\" is listed twice "
          "(first at hosts.edge.proxy.backends[0]): a proxy lists each backend once");
  }
  SECTION("an unknown backend host") {
    CHECK(only_error(scenario("").replace(scenario("").find("app2:8080"), 9, "app3:8080"))
              .find("unknown host \"app3\" in backend \"app3:8080\"") != std::string::npos);
  }
  SECTION("a backend port the host does not listen on") {
    CHECK(only_error(scenario("").replace(scenario("").find("app2:8080"), 9, "app2:9090"))
              .find("host \"app2\" has no listener on port 9090") != std::string::npos);
  }
  SECTION("two_choices with one backend") {
    std::string yaml = scenario("policy: two_choices");
    yaml.replace(yaml.find("app1:8080, app2:8080"), 20, "app1:8080");
    CHECK(only_error(yaml).find("two_choices compares two distinct backends: it needs at least 2, this proxy has 1") !=
          std::string::npos);
  }
  SECTION("a queue without max_connections warns: nothing ever waits in it") {
    const config::LoadResult r = load(scenario("queue: {limit: 10}"));
    REQUIRE(r.ok());
    REQUIRE(r.warnings.size() == 1);
    CHECK(config::format(r.warnings[0]).find("no request ever waits in it") != std::string::npos);
  }
}

TEST_CASE("retry on: its conditions, and 5xx only through a proxy", "[loader][proxy][retry]") {
  SECTION("an unknown condition") {
    CHECK(only_error(scenario("", "retry: {max: 1, backoff: 1s, on: [refused, 503]}"))
              .find("clients.users.retry.on[1]: unknown retry condition \"503\"") != std::string::npos);
  }
  SECTION("an empty list") {
    CHECK(only_error(scenario("", "retry: {max: 1, backoff: 1s, on: []}"))
              .find("clients.users.retry.on: retry on nothing never retries") != std::string::npos);
  }
  SECTION("listed twice") {
    CHECK(only_error(scenario("", "retry: {max: 1, backoff: 1s, on: [5xx, 5xx]}"))
              .find("clients.users.retry.on[1]: \"5xx\" is listed twice") != std::string::npos);
  }
  SECTION("5xx on a target that is not a proxy") {
    std::string yaml = scenario("", "retry: {max: 1, backoff: 1s, on: [refused, 5xx]}");
    yaml.replace(yaml.find("target: edge:80"), 15, "target: app1:8080");
    CHECK(only_error(yaml).find("clients.users.retry.on[1]: 5xx: only a proxy answers a request with 502, 503 or 504, "
                                "and this client's target is not a proxy's listener") != std::string::npos);
  }
  SECTION("5xx through a balancer in front of the proxy: the group gets no request results") {
    std::string yaml = scenario("", "retry: {max: 1, backoff: 1s, on: [5xx]}");
    yaml.replace(yaml.find("clients:"), 8, "balancers:\n  lb: {port: 80, backends: [edge:80]}\nclients:");
    yaml.replace(yaml.find("target: edge:80"), 15, "target: lb:80");
    CHECK(only_error(yaml).find("a balancer in front of a proxy does not pass its status codes back") !=
          std::string::npos);
  }
  SECTION("with policy none it is an error at the key") {
    CHECK(only_error(scenario("", "retry: {policy: none, on: [refused]}"))
              .find("on does not apply to retry policy none: it never retries") != std::string::npos);
  }
}

// The proxy's steps in the narration (report/narration.cpp, narrate_proxy): a real run of a
// small scenario read from YAML, told hop by hop for one client attempt: the proxy's
// choice of backend and its rule, the upstream connect() from the proxy host's kernel, a
// refusal, the next_upstream try, passive health marking the backend down, and the
// request's result with its status code.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "config/loader.h"
#include "report/narration.h"

namespace {

// app1 is restarted for the whole run (its port answers RST), app2 serves. Two requests
// arrive 1 s apart; round_robin sends the first to app1 first.
constexpr const char* kScenario = R"(duration: 3s
hosts:
  edge:
    listeners: [{port: 80, backlog: 64, loops: 1}]
    proxy: {backends: [app1:8080, app2:8080], connect_timeout: 1s, health: {max_fails: 1, fail_timeout: 10s}}
  app1:
    listeners: [{port: 8080, backlog: 16, workers: 2, service: {dist: constant, value: 5ms}}]
  app2:
    listeners: [{port: 8080, backlog: 16, workers: 2, service: {dist: constant, value: 5ms}}]
clients:
  users: {target: edge:80, arrivals: {process: constant, rate: 1/s}}
faults:
  - {fault: restart, listener: app1:8080, at: 0s, for: 3s}
)";

std::string narrate(const std::string& yaml, report::NarrationOptions options) {
  const config::LoadResult loaded = config::load_scenario_text(yaml, "proxy.yaml");
  REQUIRE(loaded.ok());
  std::ostringstream out;
  const report::NarrationReport r = report::narrate_run(*loaded.spec, options, out);
  REQUIRE(r.error.empty());
  return out.str();
}

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// Whether a line of `text` is `actor`'s and says `needle`.
bool said_by(const std::string& text, const std::string& actor, const std::string& needle) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find("  " + actor + " ") != std::string::npos && has(line, needle)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("explain follows a request through the proxy, hop by hop", "[narration][proxy]") {
  report::NarrationOptions o;
  o.limit = 0;
  o.filter.client = 0;
  o.filter.attempt = 1;
  const std::string text = narrate(kScenario, o);
  INFO(text);
  // The proxy's first choice and its rule, then its own connect() to app1, refused.
  CHECK(said_by(text, "edge:80",
                "request of users#1, try 1 of 2 (every backend once): backend app1:8080 (policy "
                "round_robin, among the backends up); no pool (keepalive 0): connect() from edge's own kernel "
                "(connect_timeout 1s)"));
  CHECK(said_by(text, "edge/upstream#1", "upstream connect() to app1:8080 from edge's own kernel"));
  CHECK(said_by(text, "app1:8080", "RST -> edge/upstream#1 (nothing listens on app1:8080 now)"));
  CHECK(has(text,
            "upstream app1:8080 refused the connection (RST to the SYN) (request of users#1, try 1 of 2); "
            "next_upstream on error: another backend if tries and next_upstream.timeout allow"));
  CHECK(has(text, "marks backend app1:8080 down for 10s: 1 failed try within fail_timeout 10s (max_fails 1)"));
  CHECK(has(text, "request of users#1, try 2 of 2 (every backend once): backend app2:8080"));
  CHECK(has(text, "request of users#1: ok: app2:8080 answered, on try 2"));
  // Only this attempt's story: the second request is not in it.
  CHECK_FALSE(has(text, "users#2"));
}

TEST_CASE("explain says why a request got 502 and which limit gave 503", "[narration][proxy]") {
  report::NarrationOptions o;
  o.limit = 0;
  SECTION("no next_upstream on error: the refusal is the request's 502") {
    std::string yaml = kScenario;
    yaml.replace(yaml.find("connect_timeout: 1s"), 19, "connect_timeout: 1s, next_upstream: {on: []}");
    const std::string text = narrate(yaml, o);
    INFO(text);
    CHECK(has(text, "request of users#1: 502 bad_gateway: app1:8080 refused and next_upstream has no error"));
  }
  SECTION("both backends down: 503, no backend") {
    std::string yaml = kScenario;
    yaml += "  - {fault: restart, listener: app2:8080, at: 0s, for: 3s}\n";
    const std::string text = narrate(yaml, o);
    INFO(text);
    // users#1 tries both, each refuses: 502 once no backend is left; users#2 finds both down.
    CHECK(has(text, "request of users#1: 502 bad_gateway: the last try (app2:8080) failed and no retry is left"));
    CHECK(has(text, "request of users#2: 503 unavailable: every backend is marked down"));
  }
}

TEST_CASE("explain: a 504 from a proxy behind reaches the client through the proxy in front", "[narration][proxy]") {
  // users#9000 of retry-amplification.yaml: edge -> mesh2, whose try on app2 is refused
  // (app2 restarts) and whose try on app1 times out (app1's queue is full): 504, passed on.
  report::NarrationOptions o;
  o.limit = 0;
  o.filter.client = 0;
  o.filter.attempt = 9000;
  const config::LoadResult loaded =
      config::load_scenario_file(std::string(SYNSTORM_SOURCE_DIR) + "/scenarios/retry-amplification.yaml");
  REQUIRE(loaded.ok());
  std::ostringstream out;
  REQUIRE(report::narrate_run(*loaded.spec, o, out).error.empty());
  const std::string text = out.str();
  INFO(text);
  CHECK(said_by(text, "mesh2:80", "upstream app2:8080 refused the connection (RST to the SYN)"));
  CHECK(said_by(text, "mesh2:80", "upstream app1:8080 did not answer within connect_timeout 1s"));
  CHECK(said_by(text, "mesh2:80", "request of users#9000: 504 gateway_timeout: the last try (app1:8080) failed"));
  CHECK(said_by(text, "edge:443",
                "request of users#9000: 504 gateway_timeout: mesh2:80 answered with it (the proxy behind passes its "
                "result on), on try 1"));
}

// Tests of config/overrides.h: values replaced by key path before the scenario is read, with
// every check of a direct load and every message located in the scenario file.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "config/overrides.h"
#include "model/spec.h"
#include "sim/distribution.h"

namespace {

// Line numbers matter: the messages below point into this text.
constexpr const char* kScenario = R"(name: sizing
seed: 9
duration: 10s
hosts:
  web:
    os: linux
    kernel: {somaxconn: 4096}
    listeners:
      - port: 80
        backlog: 128
        workers: 8
        service: {dist: exponential, mean: 5ms}
      - {port: 443, backlog: 64, workers: 2, service: {dist: constant, value: 1ms}}
clients:
  users:
    target: web:80
    arrivals: {process: poisson, rate: 1500/s}
    connect_timeout:
)";

const config::ScenarioSource& source() {
  static const config::ScenarioSource s = config::ScenarioSource::from_text(kScenario, "sizing.yaml");
  return s;
}

config::LoadResult load(std::vector<config::Override> overrides) { return source().load(overrides); }

config::Override set(std::string path, std::string value) {
  std::string origin = "--vary " + path + "=" + value;
  return config::Override{std::move(path), std::move(value), std::move(origin)};
}

std::string messages(const config::LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) out += config::format(d) + "\n";
  return out;
}

model::ScenarioSpec load_ok(std::vector<config::Override> overrides) {
  const config::LoadResult r = load(std::move(overrides));
  INFO(messages(r));
  REQUIRE(r.ok());
  return *r.spec;
}

// The single diagnostic of a failed load.
config::Diagnostic load_error(std::vector<config::Override> overrides) {
  const config::LoadResult r = load(std::move(overrides));
  INFO(messages(r));
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  return r.errors.front();
}

}  // namespace

TEST_CASE("the source loads as written without overrides", "[overrides]") {
  // connect_timeout has no value in kScenario: the base scenario must be fixed by an override.
  const config::LoadResult r = load({});
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors.front().line == 18);
  const model::ScenarioSpec spec = load_ok({set("clients.users.connect_timeout", "3s")});
  CHECK(spec.name == "sizing");
  CHECK(spec.seed == 9);
  CHECK(spec.hosts.at(0).listeners.at(0).backlog.value == 128);
  CHECK(spec.clients.at(0).connect_timeout == sim::seconds(3));
}

TEST_CASE("overrides reach every kind of value", "[overrides]") {
  const config::Override timeout = set("clients.users.connect_timeout", "3s");

  SECTION("a top-level key") {
    CHECK(load_ok({timeout, set("seed", "1234")}).seed == 1234);
    CHECK(load_ok({timeout, set("duration", "2m")}).duration == sim::seconds(120));
  }
  SECTION("a key of a block map inside a sequence element") {
    const auto spec = load_ok({timeout, set("hosts.web.listeners[0].backlog", "64")});
    CHECK(spec.hosts[0].listeners[0].backlog.value == 64);
    CHECK(spec.hosts[0].listeners[1].backlog.value == 64);  // the file's own 64
    CHECK(load_ok({timeout, set("hosts.web.listeners[0].workers", "32")}).hosts[0].listeners[0].workers == 32);
  }
  SECTION("a key of a flow map in the second element") {
    const auto spec = load_ok({timeout, set("hosts.web.listeners[1].backlog", "7")});
    CHECK(spec.hosts[0].listeners[1].backlog.value == 7);
    CHECK(spec.hosts[0].listeners[0].backlog.value == 128);
  }
  SECTION("the backlog's other forms") {
    CHECK(load_ok({timeout, set("hosts.web.listeners[0].backlog", "SOMAXCONN")}).hosts[0].listeners[0].backlog.kind ==
          model::BacklogRequest::Kind::kSomaxconn);
    CHECK(load_ok({timeout, set("hosts.web.listeners[0].backlog", "{somaxconn_hint: 500}")})
              .hosts[0]
              .listeners[0]
              .backlog.kind == model::BacklogRequest::Kind::kHint);
  }
  SECTION("a client's arrival rate, with its period") {
    const auto spec = load_ok({timeout, set("clients.users.arrivals.rate", "2000/s")});
    CHECK(std::get<model::PoissonArrivals>(spec.clients[0].arrivals).rate_per_s == 2000);
    const auto per_ms = load_ok({timeout, set("clients.users.arrivals.rate", "5/ms")});
    CHECK(std::get<model::PoissonArrivals>(per_ms.clients[0].arrivals).rate_per_s == 5000);
  }
  SECTION("a whole arrival process, as a flow map") {
    const auto spec = load_ok({timeout, set("clients.users.arrivals", "{process: constant, rate: 100/s}")});
    CHECK(std::get<model::ConstantArrivals>(spec.clients[0].arrivals).rate_per_s == 100);
  }
  SECTION("the os, and the knobs that go with it") {
    CHECK(load_ok({timeout, set("hosts.web.os", "windows"), set("hosts.web.kernel", "{}")}).hosts[0].os ==
          model::Os::kWindows);
    CHECK(load_ok({timeout, set("hosts.web.os", "freebsd"), set("hosts.web.kernel.somaxconn", "256")})
              .hosts[0]
              .kernel.somaxconn == 256);
  }
  SECTION("a later override reaches into a value an earlier one set") {
    const auto spec = load_ok({timeout, set("hosts.web.listeners[0].service", "{dist: constant, value: 2ms}"),
                               set("hosts.web.listeners[0].service.value", "4ms")});
    CHECK(std::get<sim::ConstantDist>(spec.hosts[0].listeners[0].service).value == sim::milliseconds(4));
  }
  SECTION("overrides do not leak into the next load") {
    load_ok({timeout, set("hosts.web.listeners[0].backlog", "1")});
    CHECK(load_ok({timeout}).hosts[0].listeners[0].backlog.value == 128);
  }
}

TEST_CASE("a bad value is reported at the value it replaced, naming the override", "[overrides]") {
  const config::Override timeout = set("clients.users.connect_timeout", "3s");

  SECTION("not an integer") {
    const auto d = load_error({timeout, set("hosts.web.listeners[0].backlog", "lots")});
    CHECK(d.file == "sizing.yaml");
    CHECK(d.line == 10);
    CHECK(d.column == 18);
    CHECK(d.path == "hosts.web.listeners[0].backlog");
    CHECK_THAT(d.message, Catch::Contains("got \"lots\"") &&
                              Catch::Contains("(set by --vary hosts.web.listeners[0].backlog=lots)"));
  }
  SECTION("inside a flow map: the column of the value") {
    const auto d = load_error({timeout, set("hosts.web.listeners[1].workers", "-1")});
    CHECK(d.line == 13);
    CHECK(d.column == 43);
    CHECK_THAT(d.message, Catch::Contains("(set by --vary hosts.web.listeners[1].workers=-1)"));
  }
  SECTION("a rate without its period") {
    const auto d = load_error({timeout, set("clients.users.arrivals.rate", "2000")});
    CHECK(d.line == 17);
    CHECK(d.path == "clients.users.arrivals.rate");
    CHECK_THAT(d.message, Catch::Contains("2000/s") && Catch::Contains("set by --vary"));
  }
  SECTION("an unknown os, with the choices") {
    const auto d = load_error({timeout, set("hosts.web.os", "beos")});
    CHECK(d.line == 6);
    CHECK(d.column == 9);
    CHECK_THAT(d.message, Catch::Contains("beos") && Catch::Contains("windows"));
  }
  SECTION("a problem inside a map the override set") {
    const auto d = load_error({timeout, set("hosts.web.listeners[0].service", "{dist: exponential}")});
    CHECK(d.line == 12);
    CHECK_THAT(d.message, Catch::Contains("mean") && Catch::Contains("set by --vary"));
  }
  SECTION("text that is not YAML") {
    const auto d = load_error({timeout, set("hosts.web.listeners[0].backlog", "[1, 2")});
    CHECK(d.line == 10);
    CHECK_THAT(d.message, Catch::Contains("is not valid YAML") && Catch::Contains("set by --vary"));
  }
  SECTION("an empty value in the file is replaced at its key") {
    const auto d = load_error({set("clients.users.connect_timeout", "0s")});
    CHECK(d.line == 18);
    CHECK(d.path == "clients.users.connect_timeout");
    CHECK_THAT(d.message, Catch::Contains("set by --vary clients.users.connect_timeout=0s"));
  }
}

TEST_CASE("a path the file does not have is reported where it leaves the file", "[overrides]") {
  SECTION("a misspelt key, with a suggestion") {
    const auto d = load_error({set("hosts.web.listenrs[0].backlog", "64")});
    CHECK(d.line == 6);  // the map hosts.web starts at its first key
    CHECK(d.path == "hosts.web");
    CHECK_THAT(d.message, Catch::Contains("no key \"listenrs\"") && Catch::Contains("did you mean \"listeners\"") &&
                              Catch::Contains("(in --vary hosts.web.listenrs[0].backlog=64)"));
  }
  SECTION("a key left to its default") {
    const auto d = load_error({set("clients.users.syn_retries", "0")});
    CHECK(d.path == "clients.users");
    CHECK_THAT(d.message, Catch::Contains("write the key in the file"));
  }
  SECTION("an unknown host lists the hosts") {
    const auto d = load_error({set("hosts.db.os", "linux")});
    CHECK(d.path == "hosts");
    CHECK_THAT(d.message, Catch::Contains("(it has: web)"));
  }
  SECTION("an index out of range") {
    const auto d = load_error({set("hosts.web.listeners[2].backlog", "64")});
    CHECK(d.line == 9);
    CHECK(d.path == "hosts.web.listeners");
    CHECK_THAT(d.message, Catch::Contains("index [2] is out of range: it has 2 elements ([0] to [1])"));
  }
  SECTION("an index into a map, a key under a scalar") {
    CHECK_THAT(load_error({set("hosts[0].os", "linux")}).message, Catch::Contains("not a sequence"));
    const auto d = load_error({set("hosts.web.os.version", "6")});
    CHECK(d.path == "hosts.web.os");
    CHECK_THAT(d.message, Catch::Contains("is \"linux\", not a map"));
  }
  SECTION("a malformed path") {
    const auto d = load_error({set("hosts..web", "1")});
    CHECK(d.line == 0);
    CHECK_THAT(d.message, Catch::Contains("bad path") && Catch::Contains("(in --vary hosts..web=1)"));
  }
}

TEST_CASE("override paths have one canonical spelling", "[overrides]") {
  std::string error;
  CHECK(config::canonical_override_path("hosts.web.listeners[0].backlog", error) == "hosts.web.listeners[0].backlog");
  CHECK(config::canonical_override_path("a[1][2].b", error) == "a[1][2].b");
  for (const char* bad : {"", ".a", "a.", "a..b", "a[", "a[x]", "a[-1]", "a[1]b", "a b", "[0]"}) {
    INFO(bad);
    CHECK_FALSE(config::canonical_override_path(bad, error).has_value());
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("an unreadable file is reported by every load", "[overrides]") {
  const auto s = config::ScenarioSource::from_file("/nonexistent/scenario.yaml");
  const config::LoadResult r = s.load({});
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0].message, Catch::Contains("cannot read the scenario file"));
}

TEST_CASE("the fingerprint follows the text", "[overrides]") {
  const auto a = config::ScenarioSource::from_text("seed: 1\n", "a.yaml");
  const auto b = config::ScenarioSource::from_text("seed: 2\n", "a.yaml");
  CHECK(a.fingerprint() == config::ScenarioSource::from_text("seed: 1\n", "b.yaml").fingerprint());
  CHECK(a.fingerprint() != b.fingerprint());
}

TEST_CASE("overrides reach a proxy's keys, and its checks apply", "[overrides][proxy]") {
  const config::ScenarioSource proxied = config::ScenarioSource::from_text(R"(duration: 10s
hosts:
  edge:
    listeners: [{port: 80, backlog: 511, loops: 2}]
    proxy:
      backends: [app:8080]
      keepalive: 0
      queue: {limit: 10, timeout: 1s}
  app:
    listeners: [{port: 8080, backlog: 128, workers: 4, service: {dist: constant, value: 1ms}}]
)",
                                                                           "edge.yaml");
  const auto with = [&](std::string path, std::string value) {
    std::vector<config::Override> o{set(std::move(path), std::move(value))};
    return proxied.load(o);
  };
  const config::LoadResult r = with("hosts.edge.proxy.keepalive", "32");
  INFO(messages(r));
  REQUIRE(r.ok());
  CHECK(r.spec->hosts[0].proxy->keepalive == 32);
  const config::LoadResult q = with("hosts.edge.proxy.queue.limit", "0");
  REQUIRE(q.ok());
  CHECK(q.spec->hosts[0].proxy->queue.limit == 0);
  const config::LoadResult bad = with("hosts.edge.proxy.keepalive", "-1");
  REQUIRE_FALSE(bad.ok());
  CHECK(messages(bad).find("edge.yaml:7:18: error: hosts.edge.proxy.keepalive") != std::string::npos);
}

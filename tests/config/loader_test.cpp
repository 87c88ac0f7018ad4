// Tests of config/loader.h: scenario YAML to model::ScenarioSpec, and its diagnostics.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/loader.h"
#include "model/network.h"
#include "model/personality.h"
#include "model/socket_api.h"
#include "model/spec.h"
#include "sim/distribution.h"
#include "sim/format.h"
#include "tests/config/expectations.h"

namespace {

using model::BacklogRequest;

config::LoadResult load(const std::string& yaml) { return config::load_scenario_text(yaml, "test.yaml"); }

std::string all_messages(const config::LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) out += config::format(d) + "\n";
  return out;
}

model::ScenarioSpec load_ok(const std::string& yaml) {
  const config::LoadResult r = load(yaml);
  INFO(all_messages(r));
  REQUIRE(r.ok());
  REQUIRE(r.errors.empty());
  return *r.spec;
}

// A scenario with one host whose single listener has the given fields (YAML flow text).
std::string one_listener(const std::string& listener_fields, const std::string& host_fields = "") {
  return "duration: 10s\nhosts:\n  web:\n" + host_fields + "    listeners:\n      - {" + listener_fields + "}\n";
}

constexpr const char* kFullScenario = R"(
name: flash-crowd
seed: 18446744073709551615
duration: 1.5m
sample_interval: 250ms
hosts:
  web:
    os: linux
    kernel:
      somaxconn: 1024
      tcp_syncookies: 0
      tcp_abort_on_overflow: 1
      tcp_max_syn_backlog: 2048
      tcp_syn_retries: 4
      tcp_synack_retries: 3
      syn_rto_initial: 200ms
      rto_max: 60s
    max_sockets: 1000
    listeners:
      - port: 80
        backlog: 511
        workers: 8
        service: {dist: exponential, mean: 5ms}
      - port: 443
        backlog: -1
        workers: 0
      - port: 8080
        backlog: SOMAXCONN
        workers: 1
        service: {dist: constant, value: 0.1s}
      - port: 8081
        backlog: {somaxconn_hint: 500}
        workers: 2
        service: {dist: uniform, min: 1ms, max: 3ms}
      - port: 8082
        backlog: 0
        workers: 3
        service: {dist: lognormal, mean: 10ms, stddev: 4ms}
      - port: 8083
        backlog: 16
        workers: 4
        service: {dist: pareto, mean: 20ms, shape: 2.5}
      - port: 8084
        backlog: 16
        workers: 5
        service: {dist: empirical, values: [1ms, 2ms, 500us]}
  iis:
    os: windows
    kernel: {somaxconn: 300, tcp_syn_retries: 3, syn_rto_initial: 1s, rto_max: 10s}
    listeners:
      - {port: 80, backlog: 5, workers: 1, service: {dist: constant, value: 1ms}}
clients:
  browsers:
    os: windows
    target: web:8081
    arrivals: {process: poisson, rate: 1500/s}
    syn_retries: 2
    connect_timeout: 10s
    retry: {max: 2, backoff: 500ms, factor: 1.5, jitter: 0.2}
  bots:
    target: iis:80
    arrivals: {process: constant, rate: 10/100ms}
  crowd:
    target: web:80
    arrivals: {process: burst, count: 20000, at: 5s, over: 250ms}
)";

}  // namespace

TEST_CASE("a full scenario converts every key", "[loader]") {
  const model::ScenarioSpec s = load_ok(kFullScenario);
  CHECK(s.name == "flash-crowd");
  CHECK(s.seed == 18446744073709551615ull);
  CHECK(s.duration == sim::seconds(90));
  CHECK(s.sample_interval == sim::milliseconds(250));
  REQUIRE(s.hosts.size() == 2);

  const model::HostSpec& web = s.hosts[0];
  CHECK(web.name == "web");
  CHECK(web.os == model::Os::kLinux);
  CHECK(web.max_sockets == 1000);
  CHECK(web.kernel.somaxconn == 1024);
  CHECK(web.kernel.tcp_syncookies == 0);
  CHECK(web.kernel.tcp_abort_on_overflow == 1);
  CHECK(web.kernel.tcp_max_syn_backlog == 2048);
  CHECK(web.kernel.tcp_syn_retries == 4);
  CHECK(web.kernel.tcp_synack_retries == 3);
  CHECK(web.kernel.syn_rto_initial == sim::milliseconds(200));
  CHECK(web.kernel.rto_max == sim::seconds(60));
  REQUIRE(web.listeners.size() == 7);

  const auto& l = web.listeners;
  CHECK(l[0].port == 80);
  CHECK(l[0].backlog.kind == BacklogRequest::Kind::kValue);
  CHECK(l[0].backlog.value == 511);
  CHECK(l[0].workers == 8);
  CHECK(std::get<sim::ExponentialDist>(l[0].service).mean == sim::milliseconds(5));

  CHECK(l[1].port == 443);
  CHECK(l[1].backlog.kind == BacklogRequest::Kind::kValue);
  CHECK(l[1].backlog.value == -1);
  CHECK(l[1].workers == 0);

  CHECK(l[2].backlog.kind == BacklogRequest::Kind::kSomaxconn);
  CHECK(std::get<sim::ConstantDist>(l[2].service).value == sim::milliseconds(100));

  CHECK(l[3].backlog.kind == BacklogRequest::Kind::kHint);
  CHECK(l[3].backlog.value == 500);
  const auto& uniform = std::get<sim::UniformDist>(l[3].service);
  CHECK(uniform.min == sim::milliseconds(1));
  CHECK(uniform.max == sim::milliseconds(3));

  CHECK(l[4].backlog.value == 0);
  const auto& lognormal = std::get<sim::LognormalDist>(l[4].service);
  const auto expected_lognormal = sim::LognormalDist::from_mean_stddev(sim::milliseconds(10), sim::milliseconds(4));
  CHECK(lognormal.mu == expected_lognormal.mu);
  CHECK(lognormal.sigma == expected_lognormal.sigma);

  const auto& pareto = std::get<sim::ParetoDist>(l[5].service);
  const auto expected_pareto = sim::ParetoDist::from_mean_shape(sim::milliseconds(20), 2.5);
  CHECK(pareto.scale == expected_pareto.scale);
  CHECK(pareto.shape == 2.5);

  CHECK(std::get<sim::EmpiricalDist>(l[6].service).values ==
        std::vector<sim::Duration>{sim::milliseconds(1), sim::milliseconds(2), sim::microseconds(500)});

  const model::HostSpec& iis = s.hosts[1];
  CHECK(iis.name == "iis");
  CHECK(iis.os == model::Os::kWindows);
  CHECK(iis.kernel.somaxconn == 300);
  CHECK(iis.kernel.tcp_syn_retries == 3);
  CHECK(iis.kernel.syn_rto_initial == sim::seconds(1));
  CHECK(iis.kernel.rto_max == sim::seconds(10));
  CHECK(iis.max_sockets == 65536);

  REQUIRE(s.clients.size() == 3);
  const model::ClientSpec& browsers = s.clients[0];
  CHECK(browsers.name == "browsers");
  CHECK(browsers.os == model::Os::kWindows);
  CHECK(browsers.target_host == 0);
  CHECK(browsers.target_port == 8081);
  CHECK(std::get<model::PoissonArrivals>(browsers.arrivals).rate_per_s == 1500.0);
  CHECK(browsers.syn_retries == std::optional<int>(2));
  CHECK(browsers.connect_timeout == sim::seconds(10));
  CHECK(browsers.retry.max == 2);
  CHECK(browsers.retry.backoff == sim::milliseconds(500));
  CHECK(browsers.retry.factor == 1.5);
  CHECK(browsers.retry.jitter == 0.2);

  const model::ClientSpec& bots = s.clients[1];
  CHECK(bots.target_host == 1);
  CHECK(bots.target_port == 80);
  CHECK(std::get<model::ConstantArrivals>(bots.arrivals).rate_per_s == 100.0);

  const model::ClientSpec& crowd = s.clients[2];
  CHECK(crowd.target_host == 0);
  CHECK(crowd.target_port == 80);
  const auto& burst = std::get<model::BurstArrivals>(crowd.arrivals);
  CHECK(burst.count == 20000);
  CHECK(burst.at == sim::Time::zero() + sim::seconds(5));
  CHECK(burst.over == sim::milliseconds(250));
}

TEST_CASE("left-out keys take their documented defaults", "[loader]") {
  const model::ScenarioSpec s = load_ok(R"(
duration: 30s
hosts:
  web:
    listeners: [{port: 80, backlog: 128, workers: 0}]
  iis:
    os: windows
    listeners: [{port: 80, backlog: 128, workers: 0}]
clients:
  c:
    target: web:80
    arrivals: {process: burst, count: 1}
)");
  CHECK(s.name == "test");  // the stem of the display name
  CHECK(s.seed == 1);
  CHECK(s.sample_interval == sim::milliseconds(100));
  const model::HostSpec& web = s.hosts[0];
  CHECK(web.os == model::Os::kLinux);
  const model::KernelKnobs linux_defaults = model::default_knobs(model::Os::kLinux);
  CHECK(web.kernel.somaxconn == linux_defaults.somaxconn);
  CHECK(web.kernel.tcp_syncookies == linux_defaults.tcp_syncookies);
  CHECK(web.kernel.syn_rto_initial == linux_defaults.syn_rto_initial);
  CHECK(web.max_sockets == 65536);
  CHECK(s.hosts[1].kernel.somaxconn == model::default_knobs(model::Os::kWindows).somaxconn);
  CHECK(std::holds_alternative<sim::ConstantDist>(web.listeners[0].service));

  const model::ClientSpec& c = s.clients[0];
  CHECK(c.os == model::Os::kLinux);
  CHECK_FALSE(c.syn_retries.has_value());
  CHECK(c.connect_timeout.is_infinite());
  CHECK(c.retry.max == 0);
  CHECK(c.retry.backoff == sim::Duration::zero());
  CHECK(c.retry.factor == 2.0);
  CHECK(c.retry.jitter == 0.0);
  const auto& burst = std::get<model::BurstArrivals>(c.arrivals);
  CHECK(burst.at == sim::Time::zero());
  CHECK(burst.over == sim::Duration::zero());

  SECTION("clients are optional") {
    const model::ScenarioSpec no_clients = load_ok(one_listener("port: 80, backlog: 1, workers: 0"));
    CHECK(no_clients.clients.empty());
  }
  SECTION("the default sample interval shrinks to a shorter run") {
    const model::ScenarioSpec short_run =
        load_ok("duration: 40ms\nhosts: {web: {listeners: [{port: 80, backlog: 1, workers: 0}]}}");
    CHECK(short_run.sample_interval == sim::milliseconds(40));
  }
}

TEST_CASE("durations in the file take every unit and convert exactly", "[loader][units]") {
  const auto [text, ns] = GENERATE(table<const char*, std::int64_t>({
      {"7ns", 7},
      {"7us", 7'000},
      {"7ms", 7'000'000},
      {"7s", 7'000'000'000},
      {"7m", 420'000'000'000},
      {"7h", 25'200'000'000'000},
      {"0.1s", 100'000'000},
      {"\"2.5ms\"", 2'500'000},
  }));
  const model::ScenarioSpec s = load_ok(std::string("duration: ") + text + "\nsample_interval: " + text +
                                        "\nhosts: {w: {listeners: [{port: 1, backlog: 1, workers: 0}]}}");
  CHECK(s.duration.ns() == ns);
}

TEST_CASE("rates take a unit or a duration as period", "[loader][units]") {
  const auto [text, per_second] = GENERATE(table<const char*, double>({
      {"2000/s", 2000.0},
      {"5/ms", 5000.0},
      {"10/100ms", 100.0},
      {"60/m", 1.0},
      {"0.5/s", 0.5},
  }));
  const model::ScenarioSpec s =
      load_ok(one_listener("port: 80, backlog: 1, workers: 0") +
              "clients:\n  c:\n    target: web:80\n    arrivals: {process: poisson, rate: " + text + "}\n");
  CHECK(std::get<model::PoissonArrivals>(s.clients[0].arrivals).rate_per_s == per_second);
}

TEST_CASE("the backlog is an integer, SOMAXCONN or a hint", "[loader]") {
  const auto backlog_of = [](const std::string& yaml_value) {
    return load_ok(one_listener("port: 80, backlog: " + yaml_value + ", workers: 0")).hosts[0].listeners[0].backlog;
  };
  SECTION("any int32, negative included: the personality clamps it") {
    for (const std::int64_t v :
         {std::int64_t{0}, std::int64_t{-1}, std::int64_t{-2147483648}, std::int64_t{2147483647}}) {
      const BacklogRequest b = backlog_of(std::to_string(v));
      CHECK(b.kind == BacklogRequest::Kind::kValue);
      CHECK(b.value == v);
    }
  }
  SECTION("SOMAXCONN, plain or quoted") {
    CHECK(backlog_of("SOMAXCONN").kind == BacklogRequest::Kind::kSomaxconn);
    CHECK(backlog_of("\"SOMAXCONN\"").kind == BacklogRequest::Kind::kSomaxconn);
  }
  SECTION("SOMAXCONN_HINT(N)") {
    const BacklogRequest b = backlog_of("{somaxconn_hint: 0}");
    CHECK(b.kind == BacklogRequest::Kind::kHint);
    CHECK(b.value == 0);
  }
  SECTION("anything else is an error") {
    const auto error_of = [](const std::string& yaml_value) {
      const auto r = load(one_listener("port: 80, backlog: " + yaml_value + ", workers: 0"));
      REQUIRE(r.errors.size() == 1);
      return config::format(r.errors[0]);
    };
    CHECK_THAT(error_of("2147483648"), Catch::Contains("expected an integer in [-2147483648, 2147483647]"));
    CHECK_THAT(error_of("somaxconn"), Catch::Contains("did you mean \"SOMAXCONN\"?"));
    CHECK_THAT(error_of("[1]"), Catch::Contains("got a sequence"));
    CHECK_THAT(error_of("{somaxconn_hint: 1, extra: 2}"), Catch::Contains("unknown key \"extra\""));
    CHECK_THAT(error_of("{}"), Catch::Contains("missing required key \"somaxconn_hint\""));
  }
}

TEST_CASE("kernel knobs are checked against the knob table", "[loader]") {
  const auto load_kernel = [](const std::string& os, const std::string& kernel) {
    return load(one_listener("port: 80, backlog: 1, workers: 0", "    os: " + os + "\n    kernel: {" + kernel + "}\n"));
  };
  SECTION("each knob is applied on top of the OS defaults") {
    for (const model::KnobInfo& knob : model::knob_table()) {
      for (const model::Os os : model::all_oses()) {
        if (!knob.applies_to(os)) continue;
        const bool is_integer = knob.kind == model::KnobInfo::Kind::kInteger;
        const std::string value = is_integer ? std::to_string(knob.max) : std::to_string(knob.max) + "ns";
        const auto r = load_kernel(std::string(model::os_name(os)), std::string(knob.name) + ": " + value);
        INFO(knob.name << " on " << model::os_name(os) << "\n" << all_messages(r));
        REQUIRE(r.ok());
        const model::KernelKnobs& k = r.spec->hosts[0].kernel;
        if (is_integer) {
          CHECK(k.*(knob.integer) == knob.max);
        } else {
          CHECK((k.*(knob.duration)).ns() == knob.max);
        }
      }
    }
  }
  SECTION("values outside a knob's range are errors naming the range") {
    for (const model::KnobInfo& knob : model::knob_table()) {
      const bool is_integer = knob.kind == model::KnobInfo::Kind::kInteger;
      const std::string value = is_integer ? std::to_string(knob.max + 1) : std::to_string(knob.max + 1) + "ns";
      model::Os os = model::Os::kLinux;
      for (const model::Os o : model::all_oses()) {
        if (knob.applies_to(o)) {
          os = o;
          break;
        }
      }
      const auto r = load_kernel(std::string(model::os_name(os)), std::string(knob.name) + ": " + value);
      INFO(knob.name);
      REQUIRE(r.errors.size() == 1);
      CHECK(r.errors[0].path == "hosts.web.kernel." + std::string(knob.name));
      const std::string max_text =
          is_integer ? std::to_string(knob.max) : sim::format_duration(sim::Duration::from_ns(knob.max));
      CHECK_THAT(r.errors[0].message, Catch::Contains("expected") && Catch::Contains(max_text + "]"));
    }
  }
  SECTION("a knob for another OS names the OSes it applies to") {
    const auto r = load_kernel("windows", "tcp_abort_on_overflow: 1");
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0].message, Catch::Contains("does not apply to windows hosts (it applies to: linux)"));
  }
  SECTION("an unknown knob gets a suggestion") {
    const auto r = load_kernel("linux", "tcp_synack_retry: 2");
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0].message, Catch::Contains("did you mean \"tcp_synack_retries\"?"));
  }
}

TEST_CASE("a client group's kernel: map takes the knobs a client reads", "[loader]") {
  const auto with_client = [](const std::string& client_fields, const std::string& host_fields = "") {
    return load("duration: 10s\nhosts:\n  web:\n" + host_fields +
                "    listeners: [{port: 80, backlog: 1, workers: 0}]\nclients:\n  c:\n    target: web:80\n"
                "    arrivals: {process: burst, count: 1}\n" +
                client_fields);
  };
  SECTION("each client-side knob is applied on top of the group's OS defaults") {
    for (const model::KnobInfo& knob : model::knob_table()) {
      if (!knob.read_by_client()) continue;
      for (const model::Os os : model::all_oses()) {
        if (!knob.applies_to(os)) continue;
        const bool is_integer = knob.kind == model::KnobInfo::Kind::kInteger;
        const std::string value = is_integer ? std::to_string(knob.min) : std::to_string(knob.min) + "ns";
        const auto r = with_client("    os: " + std::string(model::os_name(os)) + "\n    kernel: {" +
                                   std::string(knob.name) + ": " + value + "}\n");
        INFO(knob.name << " on " << model::os_name(os) << "\n" << all_messages(r));
        REQUIRE(r.ok());
        REQUIRE(r.spec->clients[0].kernel);
        const model::KernelKnobs& k = *r.spec->clients[0].kernel;
        if (is_integer) {
          CHECK(k.*(knob.integer) == knob.min);
        } else {
          CHECK((k.*(knob.duration)).ns() == knob.min);
        }
        CHECK(r.warnings.empty());
      }
    }
  }
  SECTION("without a kernel: map the group has its OS's defaults") {
    const auto r = with_client("    os: windows\n");
    REQUIRE(r.ok());
    CHECK_FALSE(r.spec->clients[0].kernel);
    CHECK(model::client_personality(r.spec->clients[0]).knobs().tcp_syn_retries == 2);
  }
  SECTION("a listener-side knob on a client is an error naming it") {
    for (const model::KnobInfo& knob : model::knob_table()) {
      if (knob.read_by_client() || !knob.applies_to(model::Os::kLinux)) continue;
      const bool is_integer = knob.kind == model::KnobInfo::Kind::kInteger;
      const std::string value = is_integer ? std::to_string(knob.min) : std::to_string(knob.min) + "ns";
      const auto r = with_client("    kernel: {" + std::string(knob.name) + ": " + value + "}\n");
      INFO(knob.name);
      REQUIRE(r.errors.size() == 1);
      CHECK(r.errors[0].path == "clients.c.kernel." + std::string(knob.name));
      CHECK(r.errors[0].line == 9);
      CHECK_THAT(r.errors[0].message,
                 Catch::Contains("knob \"" + std::string(knob.name) + "\" is read by the listening side only"));
    }
  }
  SECTION("a knob for another OS names the OSes it applies to") {
    const auto r = with_client("    os: windows\n    kernel: {tcp_syn_linear_timeouts: 2}\n");
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0].message, Catch::Contains("does not apply to windows clients (it applies to: linux)"));
  }
  SECTION("a client-side knob on a host is a warning at its key; the file still loads") {
    const auto r = with_client("", "    kernel:\n      tcp_syn_retries: 2\n");
    INFO(all_messages(r));
    REQUIRE(r.ok());
    REQUIRE(r.warnings.size() == 1);
    const config::Diagnostic& w = r.warnings[0];
    CHECK(w.warning);
    CHECK(w.path == "hosts.web.kernel.tcp_syn_retries");
    CHECK(w.line == 5);
    CHECK(w.column == 7);
    CHECK_THAT(config::format(w),
               Catch::StartsWith("test.yaml:5:7: warning: hosts.web.kernel.tcp_syn_retries: knob \"tcp_syn_retries\" "
                                 "is read by connecting sockets only"));
    // The host's value reaches no client: the group keeps its own OS's defaults.
    CHECK(model::client_personality(r.spec->clients[0]).knobs().tcp_syn_retries == 6);
  }
  SECTION("knobs read by both sides are no warning on a host") {
    const auto r = with_client("", "    kernel: {syn_rto_initial: 2s, hz: 1000}\n");
    REQUIRE(r.ok());
    CHECK(r.warnings.empty());
  }
  SECTION("a spoofed group takes no kernel: map") {
    const auto r = with_client("    spoofed: true\n    kernel: {tcp_syn_retries: 2}\n");
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0].message, Catch::Contains("a spoofed client takes no kernel"));
  }
}

TEST_CASE("docs/scenario-format.md documents every kernel knob", "[loader][docs]") {
  std::ifstream in(std::filesystem::path(SYNSTORM_SOURCE_DIR) / "docs" / "scenario-format.md");
  REQUIRE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const model::KnobInfo& knob : model::knob_table()) {
    INFO(knob.name);
    const std::size_t row = doc.find("| `" + std::string(knob.name) + "` |");
    REQUIRE(row != std::string::npos);
    // Its row says which side reads it.
    const std::string line = doc.substr(row, doc.find('\n', row) - row);
    const char* side = knob.side == model::KnobInfo::Side::kListener ? "| listener |"
                       : knob.side == model::KnobInfo::Side::kClient ? "| client |"
                                                                     : "| both |";
    CHECK(line.find(side) != std::string::npos);
  }
}

namespace {

using model::ScriptCall;

constexpr const char* kScriptScenario = R"(
duration: 10s
hosts:
  iis:
    os: windows
  web:
    listeners: [{port: 80, backlog: 1, workers: 0}]
script:
  - {at: 0s, host: iis, do: wsastartup, expect: OK}
  - {at: 1ms, host: iis, do: socket, as: lsn}
  - {at: 1ms, host: iis, do: socket, type: dgram, as: udp, expect: OK}
  - {at: 2ms, host: iis, do: bind, socket: lsn, port: 8080, address: 10.1.2.3}
  - {at: 2ms, host: iis, do: bind, fd: 7, port: 9090}
  - at: 3ms
    host: iis
    do: listen
    socket: lsn
    backlog: SOMAXCONN
    workers: 4
    service: {dist: constant, value: 5ms}
  - {at: 3ms, host: iis, do: listen, fd: -1, backlog: {somaxconn_hint: 300}, expect: WSAENOTSOCK}
  - {at: 4ms, host: iis, do: accept, socket: lsn, as: conn, expect: WSAEWOULDBLOCK}
  - {at: 4ms, host: iis, do: accept, fd: 3}
  - {at: 5ms, host: iis, do: connect, socket: conn, expect: WSAEISCONN}
  - {at: 6ms, host: iis, do: close, socket: udp}
  - {at: 7s, host: iis, do: net_down}
  - {at: 8s, host: iis, do: listen, socket: lsn, backlog: 5, expect: WSAENETDOWN}
  - {at: 9s, host: iis, do: net_up}
  - {at: 9.5s, host: iis, do: wsacleanup}
  - {at: 1s, host: web, do: socket, as: s}
  - {at: 500ms, host: web, do: listen, socket: s, backlog: 0, expect: EINVAL}
clients:
  storm:
    target: iis:8080
    arrivals: {process: burst, count: 10, at: 1s}
)";

// A scenario with a linux host `web` and a windows host `iis`, each listening on port 80,
// and the given script steps from line 6 on, one per line (YAML flow maps).
std::string with_script(const std::vector<std::string>& steps) {
  std::string yaml =
      "duration: 10s\nhosts:\n  web: {listeners: [{port: 80, backlog: 1, workers: 0}]}\n"
      "  iis: {os: windows, listeners: [{port: 80, backlog: 1, workers: 0}]}\nscript:\n";
  for (const std::string& step : steps) yaml += "  - {" + step + "}\n";
  return yaml;
}

// The one error the steps give (fails the test when there is not exactly one).
config::Diagnostic only_error(const std::vector<std::string>& steps) {
  const config::LoadResult r = load(with_script(steps));
  INFO(all_messages(r));
  REQUIRE(r.errors.size() == 1);
  return r.errors[0];
}

}  // namespace

TEST_CASE("a script converts every step and field, in file order", "[loader][script]") {
  const model::ScenarioSpec s = load_ok(kScriptScenario);
  REQUIRE(s.hosts.size() == 2);
  CHECK(s.hosts[0].listeners.empty());  // a host only the script listens on
  REQUIRE(s.script.size() == 17);
  const auto& st = s.script;
  const auto ms = [](std::int64_t n) { return sim::Time::zero() + sim::milliseconds(n); };

  CHECK(st[0].call == ScriptCall::kWsaStartup);
  CHECK(st[0].at == sim::Time::zero());
  CHECK(st[0].host == 0);
  CHECK(st[0].expect == std::optional<std::string>("OK"));
  CHECK(st[0].line == 9);

  CHECK(st[1].call == ScriptCall::kSocket);
  CHECK(st[1].at == ms(1));
  CHECK(st[1].type == model::SocketType::kStream);  // the default
  CHECK(st[1].as == "lsn");
  CHECK_FALSE(st[1].expect.has_value());

  CHECK(st[2].type == model::SocketType::kDgram);
  CHECK(st[2].as == "udp");

  CHECK(st[3].call == ScriptCall::kBind);
  CHECK(st[3].socket == "lsn");
  CHECK_FALSE(st[3].fd.has_value());
  CHECK(st[3].port == 8080);
  CHECK(st[3].address == model::Address{0x0a010203});

  CHECK(st[4].call == ScriptCall::kBind);
  CHECK(st[4].socket.empty());
  CHECK(st[4].fd == std::optional<std::int64_t>(7));
  CHECK(st[4].port == 9090);
  CHECK(st[4].address == model::kAnyAddress);

  CHECK(st[5].call == ScriptCall::kListen);
  CHECK(st[5].line == 14);
  CHECK(st[5].socket == "lsn");
  CHECK(st[5].backlog.kind == BacklogRequest::Kind::kSomaxconn);
  CHECK(st[5].workers == 4);
  CHECK(std::get<sim::ConstantDist>(st[5].service).value == sim::milliseconds(5));

  CHECK(st[6].line == 21);
  CHECK(st[6].fd == std::optional<std::int64_t>(-1));
  CHECK(st[6].backlog.kind == BacklogRequest::Kind::kHint);
  CHECK(st[6].backlog.value == 300);
  CHECK(st[6].workers == 0);  // the default
  CHECK(st[6].expect == std::optional<std::string>("WSAENOTSOCK"));

  CHECK(st[7].call == ScriptCall::kAccept);
  CHECK(st[7].socket == "lsn");
  CHECK(st[7].as == "conn");
  CHECK(st[7].expect == std::optional<std::string>("WSAEWOULDBLOCK"));

  CHECK(st[8].call == ScriptCall::kAccept);
  CHECK(st[8].fd == std::optional<std::int64_t>(3));
  CHECK(st[8].as.empty());

  CHECK(st[9].call == ScriptCall::kConnect);
  CHECK(st[9].socket == "conn");
  CHECK(st[10].call == ScriptCall::kClose);
  CHECK(st[10].socket == "udp");
  CHECK(st[11].call == ScriptCall::kNetDown);
  CHECK(st[11].at == sim::Time::zero() + sim::seconds(7));
  CHECK(st[12].call == ScriptCall::kListen);
  CHECK(st[12].backlog.kind == BacklogRequest::Kind::kValue);
  CHECK(st[12].backlog.value == 5);
  CHECK(st[13].call == ScriptCall::kNetUp);
  CHECK(st[14].call == ScriptCall::kWsaCleanup);
  CHECK(st[14].at == ms(9500));

  // Kept in file order, not time order: World sorts stably.
  CHECK(st[15].host == 1);
  CHECK(st[15].at == ms(1000));
  CHECK(st[16].host == 1);
  CHECK(st[16].at == ms(500));
  CHECK(st[16].expect == std::optional<std::string>("EINVAL"));
  CHECK(st[16].line == 31);

  REQUIRE(s.clients.size() == 1);
  CHECK(s.clients[0].target_host == 0);
  CHECK(s.clients[0].target_port == 8080);
}

TEST_CASE("expect takes OK or an error name of the host's OS", "[loader][script]") {
  SECTION("every name error_name gives is accepted on its OS") {
    for (const model::Os os : model::all_oses()) {
      for (unsigned v = 0; v <= 255; ++v) {
        const std::string name(model::error_name(static_cast<model::SocketError>(v), os));
        if (name == "?") continue;
        // The two Winsock-only errors have no POSIX name.
        if (os != model::Os::kWindows && name.rfind("WSA", 0) == 0) continue;
        const std::string yaml = "duration: 1s\nhosts: {h: {os: " + std::string(model::os_name(os)) +
                                 "}}\nscript: [{at: 0s, host: h, do: net_up, expect: " + name + "}]\n";
        const auto r = load(yaml);
        INFO(name << " on " << model::os_name(os) << "\n" << all_messages(r));
        CHECK(r.ok());
      }
    }
  }
  SECTION("the two lists are the documented ones") {
    const auto names_of = [](model::Os os) {
      std::vector<std::string> ok;
      for (const char* name : {"OK",
                               "WSANOTINITIALISED",
                               "WSAENETDOWN",
                               "WSAEADDRINUSE",
                               "WSAEINPROGRESS",
                               "WSAEINVAL",
                               "WSAEISCONN",
                               "WSAEMFILE",
                               "WSAENOBUFS",
                               "WSAENOTSOCK",
                               "WSAEOPNOTSUPP",
                               "WSAEWOULDBLOCK",
                               "ENETDOWN",
                               "EADDRINUSE",
                               "EINVAL",
                               "EISCONN",
                               "EMFILE",
                               "ENOBUFS",
                               "ENOTSOCK",
                               "EBADF",
                               "EOPNOTSUPP",
                               "EAGAIN"}) {
        const std::string yaml = "duration: 1s\nhosts: {h: {os: " + std::string(model::os_name(os)) +
                                 "}}\nscript: [{at: 0s, host: h, do: net_up, expect: " + name + "}]\n";
        if (load(yaml).ok()) ok.emplace_back(name);
      }
      return ok;
    };
    CHECK(names_of(model::Os::kWindows) == std::vector<std::string>{"OK", "WSANOTINITIALISED", "WSAENETDOWN",
                                                                    "WSAEADDRINUSE", "WSAEINPROGRESS", "WSAEINVAL",
                                                                    "WSAEISCONN", "WSAEMFILE", "WSAENOBUFS",
                                                                    "WSAENOTSOCK", "WSAEOPNOTSUPP", "WSAEWOULDBLOCK"});
    const std::vector<std::string> posix{"OK",      "ENETDOWN", "EADDRINUSE", "EINVAL",     "EISCONN", "EMFILE",
                                         "ENOBUFS", "ENOTSOCK", "EBADF",      "EOPNOTSUPP", "EAGAIN"};
    CHECK(names_of(model::Os::kLinux) == posix);
    CHECK(names_of(model::Os::kFreeBSD) == posix);
    CHECK(names_of(model::Os::kMacOS) == posix);
  }
  SECTION("another OS's name suggests this OS's name for the same error") {
    const auto e = only_error({"at: 0s, host: iis, do: net_up, expect: EINVAL"});
    CHECK(e.path == "script[0].expect");
    CHECK(e.line == 6);
    CHECK_THAT(e.message, Catch::Contains("unknown result \"EINVAL\" for windows host \"iis\"") &&
                              Catch::Contains("did you mean \"WSAEINVAL\"?"));
    CHECK_THAT(only_error({"at: 0s, host: iis, do: net_up, expect: EAGAIN"}).message,
               Catch::Contains("did you mean \"WSAEWOULDBLOCK\"?"));
    CHECK_THAT(only_error({"at: 0s, host: web, do: net_up, expect: WSAEADDRINUSE"}).message,
               Catch::Contains("did you mean \"EADDRINUSE\"?"));
  }
  SECTION("a Windows-only error on a POSIX host, typos, and non-strings") {
    CHECK_THAT(only_error({"at: 0s, host: web, do: net_up, expect: WSANOTINITIALISED"}).message,
               Catch::Contains("a windows error that linux hosts never report") && Catch::Contains("EAGAIN"));
    CHECK_THAT(only_error({"at: 0s, host: web, do: net_up, expect: einval"}).message,
               Catch::Contains("did you mean \"EINVAL\"?"));
    CHECK_THAT(only_error({"at: 0s, host: web, do: net_up, expect: ok"}).message,
               Catch::Contains("did you mean \"OK\"?"));
    CHECK_THAT(only_error({"at: 0s, host: web, do: net_up, expect: [OK]"}).message,
               Catch::Contains("expected OK or an error name"));
  }
}

TEST_CASE("a script's socket names are defined by earlier steps on the same host", "[loader][script]") {
  SECTION("a name no step defines") {
    const auto e = only_error({"at: 0s, host: web, do: close, socket: lsn"});
    CHECK(e.path == "script[0].socket");
    CHECK(e.column == 44);
    CHECK_THAT(e.message, Catch::Contains("unknown socket \"lsn\" on host \"web\"") &&
                              Catch::Contains("no earlier step on this host"));
  }
  SECTION("a typo gets a suggestion") {
    CHECK_THAT(only_error({"at: 0s, host: web, do: socket, as: listener",
                           "at: 0s, host: web, do: listen, socket: listner, backlog: 1"})
                   .message,
               Catch::Contains("did you mean \"listener\"?"));
  }
  SECTION("defined later in the file, even at an earlier time, is too late") {
    const auto e = only_error({"at: 2s, host: web, do: close, socket: s", "at: 1s, host: web, do: socket, as: s"});
    CHECK(e.line == 6);
  }
  SECTION("a name belongs to its host") {
    const auto e = only_error({"at: 0s, host: iis, do: socket, as: s", "at: 0s, host: web, do: close, socket: s"});
    CHECK(e.line == 7);
    CHECK_THAT(e.message, Catch::Contains("on host \"web\""));
  }
  SECTION("defining a name again rebinds it, and accept defines one too") {
    const auto s = load_ok(
        with_script({"at: 0s, host: web, do: socket, as: s", "at: 1s, host: web, do: socket, as: s",
                     "at: 2s, host: web, do: accept, socket: s, as: c", "at: 3s, host: web, do: close, socket: c"}));
    CHECK(s.script.size() == 4);
    CHECK(s.script[3].socket == "c");
  }
  SECTION("a descriptor name uses letters, digits, _ and -") {
    CHECK_THAT(only_error({"at: 0s, host: web, do: socket, as: a.b"}).message,
               Catch::Contains("invalid descriptor name \"a.b\""));
  }
  SECTION("socket and fd: exactly one") {
    const auto both =
        only_error({"at: 0s, host: web, do: socket, as: s", "at: 0s, host: web, do: close, fd: 3, socket: s"});
    CHECK(both.path == "script[1].socket");  // the second of the two
    CHECK_THAT(both.message, Catch::Contains("not both"));
    // With the name undefined as well there would be two errors: define it first.
    const auto neither = only_error({"at: 0s, host: web, do: connect"});
    CHECK(neither.path == "script[0]");
    CHECK_THAT(neither.message, Catch::Contains("missing required key \"socket\" (required unless fd is given)"));
  }
  SECTION("fd takes any integer, without a name check") {
    const auto s =
        load_ok(with_script({"at: 0s, host: web, do: close, fd: 1", "at: 0s, host: web, do: close, fd: -5"}));
    CHECK(s.script[0].fd == std::optional<std::int64_t>(1));
    CHECK(s.script[1].fd == std::optional<std::int64_t>(-5));
    CHECK_THAT(only_error({"at: 0s, host: web, do: close, fd: three"}).message, Catch::Contains("expected an integer"));
  }
}

TEST_CASE("bind addresses are dotted IPv4, 0.0.0.0 by default", "[loader][script]") {
  const auto address_of = [](const std::string& text) {
    return load_ok(with_script({"at: 0s, host: web, do: bind, fd: 3, port: 80, address: " + text})).script[0].address;
  };
  CHECK(address_of("0.0.0.0") == model::kAnyAddress);
  CHECK(address_of("10.0.0.1") == model::Address{0x0a000001});
  CHECK(address_of("127.0.0.1") == model::Address{0x7f000001});
  CHECK(address_of("\"192.168.1.20\"") == model::Address{0xc0a80114});
  CHECK(address_of("255.255.255.255") == model::Address{0xffffffff});
  for (const char* bad : {"256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "a.b.c.d", "\"1.2.3.4 \"", "\"\"",
                          "-1.2.3.4", "1.2.3.1000", "localhost", "10"}) {
    const std::string yaml =
        with_script({std::string("at: 0s, host: web, do: bind, fd: 3, port: 80, address: ") + bad});
    const auto r = load(yaml);
    INFO(bad << "\n" << all_messages(r));
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "script[0].address");
    CHECK_THAT(r.errors[0].message, Catch::Contains("expected an IPv4 address such as 10.0.0.1"));
  }
}

TEST_CASE("clients may target a port that only the script binds", "[loader][script]") {
  const std::string hosts = "duration: 10s\nhosts:\n  web: {listeners: [{port: 80, backlog: 1, workers: 0}]}\n";
  const std::string client = "clients:\n  c: {target: web:8080, arrivals: {process: burst, count: 1}}\n";
  SECTION("a bound port is a target") {
    const auto s = load_ok(hosts + "script:\n  - {at: 0s, host: web, do: bind, fd: 3, port: 8080}\n" + client);
    CHECK(s.clients[0].target_host == 0);
    CHECK(s.clients[0].target_port == 8080);
  }
  SECTION("an unbound port lists listeners and bound ports") {
    const auto r = load(hosts + "script:\n  - {at: 0s, host: web, do: bind, fd: 3, port: 9090}\n" + client);
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0].message,
               Catch::Contains("host \"web\" has no listener on port 8080 (it listens on: 80, 9090)"));
  }
  SECTION("a bind on another host does not count") {
    const auto r = load(
        "duration: 10s\nhosts:\n  web: {listeners: [{port: 80, backlog: 1, workers: 0}]}\n  db: {}\n"
        "script:\n  - {at: 0s, host: db, do: bind, fd: 3, port: 8080}\n" +
        client);
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0].message, Catch::Contains("has no listener on port 8080"));
  }
  SECTION("a bind step that could not be read is not blamed on the client too") {
    const auto r = load(hosts + "script:\n  - {at: 0s, host: web, do: bind, fd: 3, port: 80800}\n" + client);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "script[0].port");
  }
  SECTION("the target is the port, also for a listener") {
    const auto s = load_ok(hosts + "clients:\n  c: {target: web:80, arrivals: {process: burst, count: 1}}\n");
    CHECK(s.clients[0].target_port == 80);
  }
}

TEST_CASE("a host needs listeners unless a script step acts on it", "[loader][script]") {
  SECTION("no listeners key, or an empty list, with a step on the host") {
    const auto s = load_ok(
        "duration: 1s\nhosts:\n  a: {}\n  b: {listeners: []}\n"
        "script:\n  - {at: 0s, host: a, do: net_down}\n  - {at: 0s, host: b, do: net_down}\n");
    CHECK(s.hosts[0].listeners.empty());
    CHECK(s.hosts[1].listeners.empty());
    CHECK(s.clients.empty());
  }
  SECTION("a host nothing acts on is still an error, script or not") {
    const auto r =
        load("duration: 1s\nhosts:\n  a: {}\n  b: {listeners: []}\nscript:\n  - {at: 0s, host: c, do: net_up}\n");
    INFO(all_messages(r));
    REQUIRE(r.errors.size() == 3);
    CHECK(r.errors[0].path == "hosts.a");
    CHECK_THAT(r.errors[0].message,
               Catch::Contains("missing required key \"listeners\" (required unless a script step acts on the host)"));
    CHECK(r.errors[1].path == "hosts.b.listeners");
    CHECK_THAT(r.errors[1].message, Catch::Contains("a host needs at least one listener"));
    CHECK(r.errors[2].path == "script[0].host");
    CHECK_THAT(r.errors[2].message, Catch::Contains("unknown host \"c\""));
  }
}

TEST_CASE("script steps are checked key by key", "[loader][script]") {
  SECTION("wsastartup and wsacleanup apply to windows hosts") {
    for (const char* call : {"wsastartup", "wsacleanup"}) {
      const auto e = only_error({std::string("at: 0s, host: web, do: ") + call});
      CHECK(e.path == "script[0].do");
      CHECK_THAT(e.message, Catch::Contains(std::string(call) + " applies to windows hosts; host \"web\" is linux"));
    }
  }
  SECTION("unknown calls, hosts and keys get suggestions") {
    CHECK_THAT(only_error({"at: 0s, host: web, do: lisen, socket: s, backlog: 1"}).message,
               Catch::Contains("did you mean \"listen\"?"));
    CHECK_THAT(only_error({"at: 0s, host: wbe, do: net_up"}).message,
               Catch::Contains("unknown host \"wbe\"; did you mean \"web\"?"));
    CHECK_THAT(only_error({"at: 0s, host: web, do: socket, as: s, tpye: dgram"}).message,
               Catch::Contains("unknown key \"tpye\"; did you mean \"type\"?"));
    CHECK_THAT(only_error({"at: 0s, host: web, do: net_up, backlog: 80"}).message,
               Catch::Contains("unknown key \"backlog\" (expected one of: at, host, do, expect)"));
    CHECK_THAT(only_error({"at: 0s, host: web, do: socket, as: s, type: raw"}).message,
               Catch::Contains("unknown socket type \"raw\""));
  }
  SECTION("a step naming a client says it is one") {
    const auto r = load(with_script({"at: 0s, host: c, do: net_up"}) +
                        "clients:\n  c: {target: web:80, arrivals: {process: burst, count: 1}}\n");
    CHECK_THAT(all_messages(r), Catch::Contains("script steps run on hosts; \"c\" is a client"));
  }
  SECTION("required keys") {
    CHECK_THAT(only_error({"host: web, do: net_up"}).message, Catch::Contains("missing required key \"at\""));
    CHECK_THAT(only_error({"at: 0s, do: net_up"}).message, Catch::Contains("missing required key \"host\""));
    CHECK_THAT(only_error({"at: 0s, host: web"}).message, Catch::Contains("missing required key \"do\""));
    CHECK_THAT(only_error({"at: 0s, host: web, do: socket"}).message, Catch::Contains("missing required key \"as\""));
    CHECK_THAT(only_error({"at: 0s, host: web, do: bind, fd: 3"}).message,
               Catch::Contains("missing required key \"port\""));
    CHECK_THAT(only_error({"at: 0s, host: web, do: listen, fd: 3"}).message,
               Catch::Contains("missing required key \"backlog\""));
    CHECK_THAT(only_error({"at: 0s, host: web, do: listen, fd: 3, backlog: 1, workers: 2"}).message,
               Catch::Contains("missing required key \"service\" (required when workers > 0)"));
  }
  SECTION("times and ranges") {
    const auto late = only_error({"at: 10s, host: web, do: net_up"});
    CHECK(late.path == "script[0].at");
    CHECK_THAT(late.message, Catch::Contains("would run after the run ends (duration 10s)"));
    CHECK_THAT(only_error({"at: 5, host: web, do: net_up"}).message, Catch::Contains("missing unit"));
    CHECK_THAT(only_error({"at: 0s, host: web, do: bind, fd: 3, port: 0"}).message,
               Catch::Contains("expected an integer in [1, 65535]"));
    CHECK_THAT(only_error({"at: 0s, host: web, do: listen, fd: 3, backlog: 1, workers: -1"}).message,
               Catch::Contains("expected an integer in [0, 1000000]"));
    CHECK_THAT(only_error({"at: 0s, host: web, do: listen, fd: 3, backlog: lots"}).message,
               Catch::Contains("expected an integer, SOMAXCONN or {somaxconn_hint: N}"));
  }
  SECTION("the script is a sequence of maps") {
    const auto r =
        load("duration: 1s\nhosts: {web: {listeners: [{port: 80, backlog: 1, workers: 0}]}}\nscript: {a: 1}\n");
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0].message, Catch::Contains("expected a sequence of script steps"));
  }
  SECTION("a bad host os does not make expect names wrong too") {
    const auto r = load(
        "duration: 1s\nhosts:\n  h: {os: windoze}\nscript:\n  - {at: 0s, host: h, do: wsastartup, expect: "
        "WSAEINVAL}\n");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "hosts.h.os");
  }
}

TEST_CASE("docs/scenario-format.md documents every script call and expect name", "[loader][docs][script]") {
  std::ifstream in(std::filesystem::path(SYNSTORM_SOURCE_DIR) / "docs" / "scenario-format.md");
  REQUIRE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* call :
       {"wsastartup", "wsacleanup", "socket", "bind", "listen", "accept", "connect", "close", "net_down", "net_up"}) {
    INFO(call);
    CHECK(doc.find("| `" + std::string(call) + "` |") != std::string::npos);
  }
  for (const model::Os os : model::all_oses()) {
    for (unsigned v = 0; v <= 255; ++v) {
      const std::string name(model::error_name(static_cast<model::SocketError>(v), os));
      if (name == "?") continue;
      INFO(name);
      CHECK(doc.find("`" + name + "`") != std::string::npos);
    }
  }
}

TEST_CASE("every problem of a file is reported in one go, in file order", "[loader]") {
  const auto r = load(R"(duration: 10
hosts:
  web:
    listeners:
      - {port: 80, backlog: 1, workers: 2, service: {dist: exponential, mean: 5ms}}
clients:
  c:
    target: web:81
    arrivals: {process: poisson, rate: 100/s}
    retry: {max: 1, backoff: 1s, jitter: 1.5}
)");
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.spec.has_value());
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].line == 1);
  CHECK(r.errors[0].path == "duration");
  CHECK(r.errors[1].line == 8);
  CHECK(r.errors[1].path == "clients.c.target");
  CHECK(r.errors[2].line == 10);
  CHECK(r.errors[2].path == "clients.c.retry.jitter");
}

TEST_CASE("format() writes compiler-style lines", "[loader]") {
  CHECK(config::format({"a.yaml", 3, 7, "hosts.web.listeners[0].backlog", "expected an integer"}) ==
        "a.yaml:3:7: error: hosts.web.listeners[0].backlog: expected an integer");
  CHECK(config::format({"a.yaml", 1, 1, "", "the file is empty"}) == "a.yaml:1:1: error: the file is empty");
  CHECK(config::format({"gone.yaml", 0, 0, "", "cannot read"}) == "gone.yaml: error: cannot read");

  const auto r = load("duration: 1s\nhosts: {web: {listeners: [{port: 80, backlog: 1, workers: 0, extra: 1}]}}\n");
  REQUIRE(r.errors.size() == 1);
  CHECK(
      config::format(r.errors[0]) ==
      "test.yaml:2:62: error: hosts.web.listeners[0].extra: unknown key \"extra\" (expected one of: port, "
      "backlog, workers, service, defer_accept, reuseport, loops, wakeup, multi_accept, max_connections, accept_cost, "
      "request_cost, keepalive)");
}

TEST_CASE("files: the name defaults to the stem, unreadable files are one diagnostic", "[loader]") {
  const std::filesystem::path dir = std::filesystem::path(SYNSTORM_BINARY_DIR) / "config_loader_test";
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / "night-run.scenario.yaml";
  std::ofstream(file) << "duration: 1s\nhosts: {web: {listeners: [{port: 80, backlog: 1, workers: 0}]}}\n";
  const auto r = config::load_scenario_file(file.string());
  REQUIRE(r.ok());
  CHECK(r.spec->name == "night-run.scenario");

  const auto missing = config::load_scenario_file((dir / "no-such-file.yaml").string());
  CHECK_FALSE(missing.ok());
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].line == 0);
  CHECK(missing.errors[0].file == (dir / "no-such-file.yaml").string());
  CHECK_THAT(missing.errors[0].message, Catch::Contains("No such file"));

  const auto directory = config::load_scenario_file(dir.string());
  CHECK_FALSE(directory.ok());
  CHECK(directory.errors.size() == 1);
}

TEST_CASE("no input makes the loader throw or crash", "[loader]") {
  const std::string junk =
      GENERATE(as<std::string>{}, "", "\n\n", "~", "null", "42", "[1, 2]", "\"text\"",
               std::string("\x00\x01\xff\xfe", 4), "\t\t:", "a: [", "{", "? ? ?", "&a [*a]",
               // yaml-cpp 0.7 alone would loop forever on a stray ',' at the top.
               ",", "---\n,\n", "duration: 1s\n---\n  ,", "duration: .inf\nhosts: .nan",
               "hosts: {web: {listeners: [~, 3, [], {}]}}", "clients: {c: {target: ':', arrivals: {process: ~}}}",
               "hosts: {web: {kernel: [1], listeners: {}}}", std::string(3000, '['),
               "duration: 1s\nhosts: {h: {}}\nscript: [~, 3, [], {}, {do: ~}, {do: [1]}, "
               "{do: bind, socket: [1], fd: {}, port: ~, address: [1], at: ~, host: [h]}]",
               "script: {host: 1}\nhosts: {h: {}}", "script: [{host: h, do: close, socket: ~}]",
               "duration: 1s\nhosts: {h: {listeners: [{port: 1, backlog: 1, workers: 1, "
               "service: {dist: empirical, values: [~, [], 1s]}}]}}");
  INFO(junk);
  config::LoadResult r;
  REQUIRE_NOTHROW(r = load(junk));
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.errors.empty());
  for (const auto& d : r.errors) {
    CHECK(d.file == "test.yaml");
    CHECK_FALSE(d.message.empty());
  }
}

namespace {

// Two hosts and two client groups; `network_text` is appended as is (from line 12 on).
std::string with_network(const std::string& network_text) {
  return "duration: 10s\nhosts:\n  web: {listeners: [{port: 80, backlog: 1, workers: 0}]}\n"
         "  db: {listeners: [{port: 5432, backlog: 1, workers: 0}]}\nclients:\n"
         "  browsers:\n    target: web:80\n    arrivals: {process: burst, count: 1}\n"
         "  jobs:\n    target: db:5432\n    arrivals: {process: burst, count: 1}\n" +
         network_text;
}

}  // namespace

TEST_CASE("a network converts to routers and links, in file order", "[loader][network]") {
  const model::ScenarioSpec s = load_ok(with_network(R"(network:
  routers: [edge, core]
  links:
    - {a: browsers, b: edge, latency: 15ms, jitter: 1ms, loss: 0.001}
    - {a: edge, b: core, latency: 250us}
    - {a: core, b: web, latency: 0.5ms}
    - {a: db, b: core, latency: 0s}
    - {a: jobs, b: core, latency: 2ms, loss: 0}
)"));
  REQUIRE(s.network.has_value());
  CHECK(s.network->routers == std::vector<std::string>{"edge", "core"});
  const std::vector<model::LinkSpec>& links = s.network->links;
  REQUIRE(links.size() == 5);
  CHECK(links[0].a == "browsers");
  CHECK(links[0].b == "edge");
  CHECK(links[0].latency == sim::milliseconds(15));
  CHECK(links[0].jitter == sim::milliseconds(1));
  CHECK(links[0].loss == 0.001);
  CHECK(links[1].latency == sim::microseconds(250));
  CHECK(links[2].latency == sim::microseconds(500));
  // Left out: no jitter, no loss.
  CHECK(links[2].jitter == sim::Duration::zero());
  CHECK(links[2].loss == 0.0);
  CHECK(links[3].a == "db");
  CHECK(links[3].latency == sim::Duration::zero());
  CHECK(links[4].loss == 0.0);

  SECTION("routers are optional: clients may be linked to hosts directly") {
    const model::ScenarioSpec direct = load_ok(with_network(
        "network:\n  links:\n    - {a: web, b: browsers, latency: 1ms}\n    - {a: jobs, b: db, latency: 1ms}\n"));
    CHECK(direct.network->routers.empty());
    CHECK(direct.network->links.size() == 2);
  }
  SECTION("without network: no NetworkSpec") { CHECK_FALSE(load_ok(with_network("")).network.has_value()); }
}

TEST_CASE("network errors point at the key that is wrong", "[loader][network]") {
  const auto only = [](const std::string& network_text) {
    const config::LoadResult r = load(with_network(network_text));
    INFO(all_messages(r));
    REQUIRE(r.errors.size() == 1);
    return r.errors[0];
  };
  SECTION("a router named like a client") {
    const config::Diagnostic d = only("network:\n  routers: [jobs]\n  links: []\n");
    CHECK(d.line == 13);
    CHECK(d.column == 13);
    CHECK(d.message.find("name \"jobs\" is already used by a client") != std::string::npos);
  }
  SECTION("an invalid router name") {
    const config::Diagnostic d = only("network:\n  routers: [\"a.b\"]\n  links: []\n");
    CHECK(d.path == "network.routers[0]");
    CHECK(d.message.find("invalid router name") != std::string::npos);
  }
  SECTION("an unknown node far from every name lists the nodes") {
    const config::Diagnostic d =
        only("network:\n  routers: [edge]\n  links:\n    - {a: browsers, b: zzzzzz, latency: 1ms}\n");
    CHECK(d.path == "network.links[0].b");
    CHECK(d.message.find("unknown node \"zzzzzz\"") != std::string::npos);
    CHECK(d.message.find("web, db, browsers, jobs, edge") != std::string::npos);
  }
  SECTION("links are required and a sequence") {
    CHECK(only("network:\n  routers: [edge]\n").message.find("missing required key \"links\"") != std::string::npos);
    CHECK(only("network:\n  links: {a: web}\n").path == "network.links");
  }
  SECTION("every unreachable client is reported at its target") {
    const config::LoadResult r = load(with_network("network:\n  links:\n    - {a: web, b: db, latency: 1ms}\n"));
    INFO(all_messages(r));
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].line == 7);
    CHECK(r.errors[0].path == "clients.browsers.target");
    CHECK(r.errors[0].message == "client \"browsers\" cannot reach host \"web\": no path of links joins them");
    CHECK(r.errors[1].line == 10);
    CHECK(r.errors[1].message.find("client \"jobs\" cannot reach host \"db\"") != std::string::npos);
  }
  SECTION("a bad link is not also blamed for the clients it would have joined") {
    const config::Diagnostic d =
        only("network:\n  links:\n    - {a: browsers, b: web, latency: -1ms}\n    - {a: jobs, b: db, latency: 1ms}\n");
    CHECK(d.path == "network.links[0].latency");
  }
}

TEST_CASE("malformed scenario files give the diagnostic their first line expects", "[loader][bad]") {
  // Each file's first line: "# expect: LINE:COL: SUBSTRING", and its second, if it says
  // "# errors: N", how many errors it gives in all. LINE:COL are in the file the diagnostic
  // names: the scenario's, or a trace's beside it (tests/config/bad/*.csv).
  const std::filesystem::path dir = std::filesystem::path(SYNSTORM_SOURCE_DIR) / "tests" / "config" / "bad";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 25);

  for (const std::filesystem::path& file : files) {
    DYNAMIC_SECTION(file.filename().string()) {
      const std::optional<synstorm_test::Expectation> expected = synstorm_test::first_line_expectation(file);
      REQUIRE(expected.has_value());
      const int line = expected->line;
      const int column = expected->column;
      const std::string& substring = expected->text;

      const config::LoadResult r = config::load_scenario_file(file.string());
      INFO(all_messages(r));
      CHECK_FALSE(r.ok());
      const bool found = std::any_of(r.errors.begin(), r.errors.end(), [&](const config::Diagnostic& d) {
        return d.line == line && d.column == column && config::format(d).find(substring) != std::string::npos;
      });
      CHECK(found);
      if (const std::optional<std::size_t> count = synstorm_test::expected_error_count(file)) {
        CHECK(r.errors.size() == *count);
      }
      // A problem inside a trace file (a CSV next to the scenario) names that file.
      for (const config::Diagnostic& d : r.errors) {
        CHECK((d.file == file.string() || std::filesystem::path(d.file).parent_path() == file.parent_path()));
      }
    }
  }
}

namespace {

// Three hosts for balancer, fault and spoofed-client tests: web listens on 80 and 443, api
// on 8080, and iis only through its script's bind of 8080. `rest` is appended (from line 9 on).
std::string with_backends(const std::string& rest) {
  return "duration: 60s\nhosts:\n"
         "  web: {listeners: [{port: 80, backlog: 1, workers: 1, service: {dist: constant, value: 1ms}}, "
         "{port: 443, backlog: 1, workers: 0}]}\n"
         "  api: {listeners: [{port: 8080, backlog: 1, workers: 0}]}\n"
         "  iis: {os: windows}\n"
         "script:\n  - {at: 0s, host: iis, do: socket, as: s}\n  - {at: 0s, host: iis, do: bind, socket: s, port: "
         "8080}\n" +
         rest;
}

// The only diagnostic of a load that must give exactly one.
config::Diagnostic only_error(const std::string& yaml) {
  const config::LoadResult r = load(yaml);
  INFO(all_messages(r));
  REQUIRE(r.errors.size() == 1);
  return r.errors[0];
}

constexpr const char* kBalancers = R"(balancers:
  lb:
    port: 80
    backends: [web:80, api:8080, iis:8080, web:443]
    policy: least_connections
    mark_down: 2.5s
  plain: {port: 8000, backends: [web:80]}
  rnd: {port: 1, backends: [api:8080], policy: random, mark_down: 0s}
  two: {port: 2, backends: [web:80, api:8080], policy: two_choices}
clients:
  via-lb: {target: lb:80, arrivals: {process: poisson, rate: 10/s}}
  direct: {target: web:443, arrivals: {process: poisson, rate: 10/s}}
  via-plain: {target: plain:8000, arrivals: {process: burst, count: 1}}
)";

}  // namespace

TEST_CASE("balancers convert, and a client aimed at one resolves to it", "[loader][balancer]") {
  const model::ScenarioSpec s = load_ok(with_backends(kBalancers));
  REQUIRE(s.balancers.size() == 4);
  const model::BalancerSpec& lb = s.balancers[0];
  CHECK(lb.name == "lb");
  CHECK(lb.port == 80);
  REQUIRE(lb.backends.size() == 4);
  const std::pair<std::size_t, int> expected[] = {{0, 80}, {1, 8080}, {2, 8080}, {0, 443}};
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("backend " << i);
    CHECK(lb.backends[i].host == expected[i].first);
    CHECK(lb.backends[i].port == expected[i].second);
  }
  CHECK(lb.policy == model::BalancePolicy::kLeastConnections);
  CHECK(lb.mark_down == sim::milliseconds(2500));
  SECTION("defaults: round_robin, marked down for 10s") {
    CHECK(s.balancers[1].policy == model::BalancePolicy::kRoundRobin);
    CHECK(s.balancers[1].mark_down == sim::seconds(10));
  }
  SECTION("every policy; mark_down 0 is allowed") {
    CHECK(s.balancers[2].policy == model::BalancePolicy::kRandom);
    CHECK(s.balancers[2].mark_down == sim::Duration::zero());
    CHECK(s.balancers[3].policy == model::BalancePolicy::kTwoChoices);
  }
  SECTION("targets: a balancer's name and port set ClientSpec::balancer, a host's do not") {
    REQUIRE(s.clients.size() == 3);
    CHECK(s.clients[0].balancer == std::optional<std::size_t>{0});
    CHECK_FALSE(s.clients[1].balancer.has_value());
    CHECK(s.clients[1].target_host == 0);
    CHECK(s.clients[1].target_port == 443);
    CHECK(s.clients[2].balancer == std::optional<std::size_t>{1});
  }
  SECTION("without balancers: none, and targets are hosts as before") {
    const model::ScenarioSpec plain = load_ok(with_backends(""));
    CHECK(plain.balancers.empty());
    CHECK(plain.faults.empty());
  }
}

TEST_CASE("links may name balancers, and each backend is reached through its balancer", "[loader][balancer][network]") {
  const model::ScenarioSpec s = load_ok(with_backends(std::string(kBalancers) + R"(network:
  routers: [edge]
  links:
    - {a: via-lb, b: edge, latency: 10ms}
    - {a: via-plain, b: edge, latency: 20ms}
    - {a: direct, b: edge, latency: 30ms}
    - {a: edge, b: lb, latency: 1ms}
    - {a: edge, b: plain, latency: 2ms}
    - {a: lb, b: web, latency: 3ms}
    - {a: lb, b: api, latency: 4ms}
    - {a: lb, b: iis, latency: 5ms}
    - {a: plain, b: web, latency: 6ms}
    - {a: rnd, b: api, latency: 0s}
    - {a: two, b: edge, latency: 0s}
)"));
  const model::NetworkBuild built = model::Network::build(s);
  INFO((built.unreachable.empty() ? "" : built.unreachable.front()));
  REQUIRE(built.network.has_value());
  const model::Network& net = *built.network;
  CHECK(net.path(0, 0).latency == sim::milliseconds(14));
  CHECK(net.path(0, 1).latency == sim::milliseconds(15));
  CHECK(net.path(0, 2).latency == sim::milliseconds(16));
  CHECK(net.path(0, 3).latency == sim::milliseconds(14));
  CHECK(net.path(1).latency == sim::milliseconds(30 + 1 + 3));  // direct: through lb, the shortest way
  CHECK(net.path(2, 0).latency == sim::milliseconds(28));
}

TEST_CASE("balancer errors point at the value that is wrong, and only once", "[loader][balancer]") {
  SECTION("a balancer whose port is missing: its clients are not blamed too") {
    const auto d =
        only_error(with_backends("balancers:\n  lb: {backends: [web:80]}\n"
                                 "clients:\n  c: {target: lb:80, arrivals: {process: burst, count: 1}}\n"));
    CHECK(d.path == "balancers.lb");
    CHECK(d.message == "missing required key \"port\"");
  }
  SECTION("an unknown target far from every name lists the hosts and the balancers") {
    const auto d =
        only_error(with_backends("balancers:\n  lb: {port: 80, backends: [web:80]}\n"
                                 "clients:\n  c: {target: zzzzzz:80, arrivals: {process: burst, count: 1}}\n"));
    CHECK(d.message ==
          "unknown host or balancer \"zzzzzz\" in target \"zzzzzz:80\" (hosts: web, api, iis; balancers: lb)");
  }
  SECTION("without balancers the message is the hosts' alone, as before") {
    const auto d =
        only_error(with_backends("clients:\n  c: {target: zzzzzz:80, arrivals: {process: burst, count: 1}}\n"));
    CHECK(d.message == "unknown host \"zzzzzz\" in target \"zzzzzz:80\" (hosts: web, api, iis)");
  }
  SECTION("a backend is checked like a target: HOST:PORT, a real port") {
    CHECK(only_error(with_backends("balancers:\n  lb: {port: 80, backends: [web]}\n")).message ==
          "expected a backend HOST:PORT such as web:80, got \"web\"");
    CHECK(only_error(with_backends("balancers:\n  lb: {port: 80, backends: [web:0]}\n")).message ==
          "the port in backend \"web:0\" must be an integer in [1, 65535]");
    CHECK(only_error(with_backends("balancers:\n  lb: {port: 80, backends: [iis:80]}\n")).message ==
          "host \"iis\" has no listener on port 80 (it listens on: 8080)");
  }
  SECTION("two_choices counts the backends written, even one that failed") {
    const config::LoadResult r =
        load(with_backends("balancers:\n  lb: {port: 80, backends: [wbe:80], policy: two_choices}\n"));
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].path == "balancers.lb.backends[0]");
    CHECK(r.errors[1].path == "balancers.lb.policy");
  }
  SECTION("an unknown key gets a suggestion") {
    CHECK(only_error(with_backends("balancers:\n  lb: {port: 80, backends: [web:80], mark_dwn: 1s}\n")).message ==
          "unknown key \"mark_dwn\"; did you mean \"mark_down\"?");
  }
}

TEST_CASE("retry policies convert; a retry without a policy reads as it always did", "[loader][retry]") {
  const auto retry_of = [](const std::string& retry) {
    const model::ScenarioSpec s =
        load_ok(with_backends("clients:\n  c:\n    target: web:80\n"
                              "    arrivals: {process: poisson, rate: 1/s}\n" +
                              (retry.empty() ? "" : "    retry: " + retry + "\n")));
    return s.clients.at(0).retry;
  };
  SECTION("no retry: exponential with no retries, no cap, no give_up") {
    const model::RetrySpec r = retry_of("");
    CHECK(r.policy == model::RetryPolicy::kExponential);
    CHECK(r.max == 0);
    CHECK(r.backoff == sim::Duration::zero());
    CHECK(r.factor == 2.0);
    CHECK(r.jitter == 0.0);
    CHECK(r.cap == sim::Duration::infinite());
    CHECK(r.give_up == sim::Duration::infinite());
  }
  SECTION("an existing file's retry: exponential, the keys as written") {
    const model::RetrySpec r = retry_of("{max: 2, backoff: 500ms, factor: 1.5, jitter: 0.2}");
    CHECK(r.policy == model::RetryPolicy::kExponential);
    CHECK(r.max == 2);
    CHECK(r.backoff == sim::milliseconds(500));
    CHECK(r.factor == 1.5);
    CHECK(r.jitter == 0.2);
    CHECK(r.cap == sim::Duration::infinite());
    CHECK(r.give_up == sim::Duration::infinite());
  }
  SECTION("every key of exponential") {
    const model::RetrySpec r =
        retry_of("{policy: exponential, max: 5, backoff: 100ms, factor: 3, jitter: 0.5, cap: 2s, give_up: 1m}");
    CHECK(r.max == 5);
    CHECK(r.factor == 3.0);
    CHECK(r.jitter == 0.5);
    CHECK(r.cap == sim::seconds(2));
    CHECK(r.give_up == sim::seconds(60));
  }
  SECTION("fixed") {
    const model::RetrySpec r = retry_of("{policy: fixed, max: 3, backoff: 1s, jitter: 0.1, give_up: 20s}");
    CHECK(r.policy == model::RetryPolicy::kFixed);
    CHECK(r.backoff == sim::seconds(1));
    CHECK(r.jitter == 0.1);
    CHECK(r.give_up == sim::seconds(20));
  }
  SECTION("full_jitter, cap equal to backoff") {
    const model::RetrySpec r = retry_of("{policy: full_jitter, max: 4, backoff: 50ms, factor: 2.5, cap: 50ms}");
    CHECK(r.policy == model::RetryPolicy::kFullJitter);
    CHECK(r.factor == 2.5);
    CHECK(r.cap == sim::milliseconds(50));
  }
  SECTION("decorrelated_jitter") {
    const model::RetrySpec r = retry_of("{policy: decorrelated_jitter, max: 6, backoff: 10ms, cap: 3s}");
    CHECK(r.policy == model::RetryPolicy::kDecorrelatedJitter);
    CHECK(r.max == 6);
    CHECK(r.backoff == sim::milliseconds(10));
    CHECK(r.cap == sim::seconds(3));
  }
  SECTION("none, with or without max: 0") {
    CHECK(retry_of("{policy: none}").policy == model::RetryPolicy::kNone);
    CHECK(retry_of("{policy: none, max: 0}").max == 0);
  }
}

TEST_CASE("retry keys a policy does not take are errors at the key", "[loader][retry]") {
  const auto errors_of = [](const std::string& retry) {
    const config::LoadResult r =
        load(with_backends("clients:\n  c:\n    target: web:80\n"
                           "    arrivals: {process: poisson, rate: 1/s}\n    retry: " +
                           retry + "\n"));
    std::vector<std::string> paths;
    for (const config::Diagnostic& d : r.errors) paths.push_back(d.path);
    return paths;
  };
  const auto at = [](std::string_view key) { return "clients.c.retry." + std::string(key); };
  CHECK(errors_of("{policy: none, backoff: 1s, factor: 2, jitter: 0.1, cap: 1s, give_up: 1s}") ==
        std::vector<std::string>{at("backoff"), at("factor"), at("jitter"), at("cap"), at("give_up")});
  CHECK(errors_of("{policy: fixed, max: 1, backoff: 1s, factor: 2, cap: 1s}") ==
        std::vector<std::string>{at("factor"), at("cap")});
  CHECK(errors_of("{policy: full_jitter, max: 1, backoff: 1s, jitter: 0.1}") == std::vector<std::string>{at("jitter")});
  CHECK(errors_of("{policy: decorrelated_jitter, max: 1, backoff: 1s, factor: 3, jitter: 0.1}") ==
        std::vector<std::string>{at("factor"), at("jitter")});
  SECTION("an unknown policy is one error: the other keys are judged as values only") {
    CHECK(errors_of("{policy: exponentail, max: 1, backoff: 1s, factor: 2, jitter: 0.1, cap: 5s}") ==
          std::vector<std::string>{at("policy")});
  }
  SECTION("backoff is required when a policy retries, not for none") {
    CHECK(errors_of("{policy: full_jitter, max: 2}") == std::vector<std::string>{"clients.c.retry"});
  }
}

TEST_CASE("faults convert in file order, with their lines", "[loader][fault]") {
  const model::ScenarioSpec s = load_ok(with_backends(R"(faults:
  - {fault: stall, listener: web:80, at: 20s, for: 5s}
  - {fault: restart, listener: web:80, at: 25s, for: 5s}
  - fault: slow_start
    listener: web:80
    at: 30s
    for: 10s
    factor: 5
  - {fault: stall, listener: api:8080, at: 21s, for: 1s}
  - {fault: restart, listener: web:443, at: 0s, for: 1h}
)"));
  REQUIRE(s.faults.size() == 5);
  const auto& f = s.faults;
  CHECK(f[0].kind == model::FaultKind::kStall);
  CHECK(f[0].at == sim::Time::zero() + sim::seconds(20));
  CHECK(f[0].length == sim::seconds(5));
  CHECK(f[0].host == 0);
  CHECK(f[0].port == 80);
  CHECK(f[0].factor == 1.0);
  CHECK(f[0].line == 10);
  // Starting the instant the stall ends is no overlap.
  CHECK(f[1].kind == model::FaultKind::kRestart);
  CHECK(f[1].at == sim::Time::zero() + sim::seconds(25));
  CHECK(f[1].line == 11);
  CHECK(f[2].kind == model::FaultKind::kSlowStart);
  CHECK(f[2].length == sim::seconds(10));
  CHECK(f[2].factor == 5.0);
  CHECK(f[2].line == 12);
  // Another listener's fault may overlap.
  CHECK(f[3].host == 1);
  CHECK(f[3].port == 8080);
  CHECK(f[3].line == 17);
  // `for` may run past the end of the run; only `at` must be inside it.
  CHECK(f[4].port == 443);
  CHECK(f[4].at == sim::Time::zero());
  CHECK(f[4].length == sim::seconds(3600));
}

TEST_CASE("a stall or slow fault may name one event loop, of every socket or of one", "[loader][fault]") {
  const model::ScenarioSpec s = load_ok(R"(duration: 60s
hosts:
  nginx: {listeners: [{port: 80, backlog: 511, loops: 4}]}
  group: {listeners: [{port: 80, backlog: 511, loops: 2, reuseport: 3}]}
faults:
  - {fault: slow, listener: nginx:80, loop: 3, at: 0s, for: 60s, factor: 4}
  - {fault: stall, listener: group:80, socket: 2, loop: 1, at: 1s, for: 2s}
  - {fault: slow_start, listener: group:80, at: 10s, for: 5s, factor: 2}
)");
  REQUIRE(s.faults.size() == 3);
  CHECK(s.faults[0].kind == model::FaultKind::kSlow);
  CHECK(s.faults[0].factor == 4.0);
  CHECK(s.faults[0].loop == 3);
  CHECK(s.faults[1].kind == model::FaultKind::kStall);
  CHECK(s.faults[1].socket == 2);
  CHECK(s.faults[1].loop == 1);
  CHECK(s.faults[2].loop == -1);  // absent: the whole application, every loop
}

TEST_CASE("host_down and link_down name a host and a link, and may overlap", "[loader][fault]") {
  const std::string net =
      "network:\n  routers: [r]\n  links:\n    - {a: r, b: web, latency: 1ms}\n    - {a: api, b: r, latency: 1ms}\n";
  const model::ScenarioSpec s =
      load_ok(with_backends("faults:\n"
                            "  - {fault: host_down, host: api, at: 2s, for: 5s}\n"
                            "  - {fault: host_down, host: api, at: 3s, for: 1s}\n"
                            "  - {fault: link_down, link: [r, api], at: 1s, for: 2s}\n"
                            "  - {fault: link_down, link: [web, r], at: 1s, for: 2s}\n" +
                            net));
  REQUIRE(s.faults.size() == 4);
  CHECK(s.faults[0].kind == model::FaultKind::kHostDown);
  CHECK(s.faults[0].host == 1);
  CHECK(s.faults[1].host == 1);  // overlapping host_down faults count, they do not clash
  CHECK(s.faults[2].kind == model::FaultKind::kLinkDown);
  CHECK(s.faults[2].link == 1);  // either order of the ends
  CHECK(s.faults[3].link == 0);
}

TEST_CASE("host_down and link_down errors", "[loader][fault]") {
  const std::string net =
      "network:\n  routers: [r]\n  links:\n    - {a: r, b: web, latency: 1ms}\n    - {a: r, b: web, latency: 2ms}\n"
      "    - {a: api, b: r, latency: 1ms}\n";
  const auto error_of = [&](const std::string& fault, const std::string& network) {
    return only_error(with_backends("faults:\n  - " + fault + "\n" + network));
  };
  SECTION("a host fault names a host, not a listener") {
    const auto d = error_of("{fault: host_down, listener: web:80, host: web, at: 1s, for: 1s}", "");
    CHECK(d.path == "faults[0].listener");
    CHECK(d.message == "a host_down fault names its host with `host:`, not `listener:`");
  }
  SECTION("a listener fault names a listener, not a host") {
    // Two problems: the stray host and the missing listener.
    const config::LoadResult r = load(with_backends("faults:\n  - {fault: stall, host: web, at: 1s, for: 1s}\n"));
    INFO(all_messages(r));
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].message == "missing required key \"listener\" (required for a stall fault)");
    CHECK(r.errors[1].path == "faults[0].host");
    CHECK(r.errors[1].message == "a stall fault names its listener with `listener:`, not `host:`");
  }
  SECTION("an unknown host") {
    const auto d = error_of("{fault: host_down, host: wbe, at: 1s, for: 1s}", "");
    CHECK(d.path == "faults[0].host");
    CHECK(d.message.find("wbe") != std::string::npos);
    CHECK(d.message.find("did you mean \"web\"") != std::string::npos);
  }
  SECTION("link_down needs a network") {
    const auto d = error_of("{fault: link_down, link: [r, web], at: 1s, for: 1s}", "");
    CHECK(d.path == "faults[0].link");
    CHECK(d.message == "a link_down fault needs a network: section (without one there are no links)");
  }
  SECTION("a link is two ends") {
    const auto d = error_of("{fault: link_down, link: r-web, at: 1s, for: 1s}", net);
    CHECK(d.path == "faults[0].link");
    CHECK(d.message.find("expected the link's two ends, [A, B]") == 0);
  }
  SECTION("no such link, with the links listed") {
    const auto d = error_of("{fault: link_down, link: [web, api], at: 1s, for: 1s}", net);
    CHECK(d.line == 10);
    CHECK(d.message == "no link of network.links joins \"web\" and \"api\" (links: [r, web], [r, web], [api, r])");
  }
  SECTION("two links join the ends") {
    const auto d = error_of("{fault: link_down, link: [web, r], at: 1s, for: 1s}", net);
    CHECK(d.message == "network.links has 2 links joining \"web\" and \"r\": a link_down names one link");
  }
}

TEST_CASE("fault errors", "[loader][fault]") {
  SECTION("an overlap is reported at the later fault, naming the earlier one's line") {
    const auto d =
        only_error(with_backends("faults:\n  - {fault: stall, listener: web:80, at: 20s, for: 5s}\n"
                                 "  - {fault: slow_start, listener: web:80, at: 10s, for: 11s, factor: 2}\n"));
    CHECK(d.line == 11);
    CHECK(d.path == "faults[1].at");
    CHECK(d.message.find("overlaps the stall of the same listener at line 10 (20s to 25s)") != std::string::npos);
  }
  SECTION("a listener naming a balancer") {
    const auto d =
        only_error(with_backends("balancers:\n  lb: {port: 80, backends: [web:80]}\n"
                                 "faults:\n  - {fault: stall, listener: lb:80, at: 1s, for: 1s}\n"));
    CHECK(d.message == "listener \"lb:80\" names balancer \"lb\": faults act on a host's listener");
  }
  SECTION("faults must be a sequence") {
    CHECK(only_error(with_backends("faults: {fault: stall}\n")).message.find("expected a sequence of faults") == 0);
  }
  SECTION("a fault with an unknown kind still has its other keys checked, factor excepted") {
    const config::LoadResult r =
        load(with_backends("faults:\n  - {fault: hang, listener: web:81, at: 1s, for: 1s, factor: 2}\n"));
    INFO(all_messages(r));
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].path == "faults[0].fault");
    CHECK(r.errors[1].path == "faults[0].listener");
  }
}

TEST_CASE("spoofed clients: a flag, and no keys that shape connect() calls", "[loader][spoofed]") {
  const model::ScenarioSpec s = load_ok(with_backends(R"(balancers:
  lb: {port: 80, backends: [web:80, api:8080]}
clients:
  flood: {target: web:80, spoofed: true, arrivals: {process: constant, rate: 5000/s}}
  lb-flood: {target: lb:80, spoofed: true, arrivals: {process: burst, count: 1000}}
  users:
    target: web:80
    spoofed: false
    arrivals: {process: poisson, rate: 10/s}
    syn_retries: 1
    connect_timeout: 2s
    retry: {max: 1, backoff: 1s}
  plain: {target: web:443, arrivals: {process: poisson, rate: 10/s}}
)"));
  REQUIRE(s.clients.size() == 4);
  CHECK(s.clients[0].spoofed);
  CHECK_FALSE(s.clients[0].syn_retries.has_value());
  CHECK(s.clients[0].connect_timeout == sim::Duration::infinite());
  CHECK(s.clients[0].retry.max == 0);
  CHECK(s.clients[1].spoofed);
  CHECK(s.clients[1].balancer == std::optional<std::size_t>{0});
  CHECK_FALSE(s.clients[2].spoofed);
  CHECK(s.clients[2].syn_retries == std::optional<int>{1});
  CHECK(s.clients[2].retry.max == 1);
  CHECK_FALSE(s.clients[3].spoofed);

  SECTION("each key a spoofed group cannot have is its own error, at the key") {
    const config::LoadResult r = load(with_backends(R"(clients:
  flood:
    retry: {max: 1, backoff: 1s}
    spoofed: true
    syn_retries: 1
    target: web:80
    connect_timeout: 1s
    arrivals: {process: poisson, rate: 10/s}
)"));
    INFO(all_messages(r));
    REQUIRE(r.errors.size() == 3);
    CHECK(r.errors[0].path == "clients.flood.retry");
    CHECK(r.errors[0].line == 11);
    CHECK(r.errors[0].column == 5);
    CHECK(r.errors[1].path == "clients.flood.syn_retries");
    CHECK(r.errors[2].path == "clients.flood.connect_timeout");
    CHECK(r.errors[2].message ==
          "a spoofed client takes no connect_timeout: it makes no connect() calls, so none can time out");
  }
}

TEST_CASE("odd input in the new sections never throws", "[loader][balancer][fault][retry]") {
  const std::string tail =
      GENERATE(as<std::string>{}, "balancers: [1]", "balancers: {lb: ~}",
               "balancers: {lb: {port: x, backends: [~, [], {}, ':', 'a:b'], policy: [1], mark_down: {}}}",
               "balancers: {lb: {port: 1, backends: web:80}}", "faults: {a: 1}",
               "faults: [~, 1, [], {fault: ~}, {fault: slow_start, factor: [1], listener: {}}]",
               "faults: [{fault: stall, listener: ':80', at: -1s, for: ~}]",
               "clients: {c: {target: lb:80, spoofed: [1], arrivals: {process: poisson, rate: 1/s}, "
               "retry: {policy: [1], cap: {}, give_up: []}}}",
               "clients: {c: {target: web:80, spoofed: true, arrivals: {process: closed}, retry: ~}}");
  INFO(tail);
  config::LoadResult r;
  REQUIRE_NOTHROW(r = load(with_backends(tail + "\n")));
  CHECK_FALSE(r.ok());
  CHECK_FALSE(r.errors.empty());
}

TEST_CASE("docs/scenario-format.md documents every balancer, fault and retry policy", "[loader][docs]") {
  std::ifstream in(std::filesystem::path(SYNSTORM_SOURCE_DIR) / "docs" / "scenario-format.md");
  REQUIRE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* name : {"round_robin", "random", "least_connections", "two_choices", "stall", "restart",
                           "slow_start", "slow", "none", "fixed", "exponential", "full_jitter", "decorrelated_jitter",
                           "mark_down", "backends", "spoofed", "give_up", "cap"}) {
    INFO(name);
    CHECK(doc.find("`" + std::string(name) + "`") != std::string::npos);
  }
}

TEST_CASE("defer_accept: whole seconds on a Linux listener; refused elsewhere, saying why", "[loader][defer]") {
  const model::ScenarioSpec s = load_ok(R"(name: t
duration: 1s
hosts:
  web:
    listeners: [{port: 80, backlog: 8, workers: 1, service: {dist: constant, value: 1ms}, defer_accept: 5s}]
clients:
  late: {target: web:80, arrivals: {process: poisson, rate: 1/s}, first_data: 2s}
  silent: {target: web:80, arrivals: {process: poisson, rate: 1/s}, first_data: never}
  spread: {target: web:80, arrivals: {process: poisson, rate: 1/s}, first_data: {dist: exponential, mean: 1s}}
  plain: {target: web:80, arrivals: {process: poisson, rate: 1/s}}
)");
  CHECK(s.hosts[0].listeners[0].defer_accept_seconds == 5);
  REQUIRE(s.clients.size() == 4);
  CHECK(std::get<sim::ConstantDist>(*s.clients[0].first_data).value == sim::seconds(2));
  CHECK(std::get<sim::ConstantDist>(*s.clients[1].first_data).value.is_infinite());
  CHECK(std::holds_alternative<sim::ExponentialDist>(*s.clients[2].first_data));
  CHECK_FALSE(s.clients[3].first_data.has_value());
  CHECK(s.simulates_first_data(3));  // a listener defers: every group sends its data

  const auto one_error = [](const std::string& yaml) {
    const config::LoadResult r = load(yaml);
    INFO(all_messages(r));
    REQUIRE(r.errors.size() == 1);
    return r.errors[0];
  };
  SECTION("a FreeBSD host: accept filters are not modelled") {
    const auto e = one_error(R"(duration: 1s
hosts:
  web:
    os: freebsd
    listeners: [{port: 80, backlog: 8, workers: 0, defer_accept: 5s}]
clients:
  c: {target: web:80, arrivals: {process: poisson, rate: 1/s}}
)");
    CHECK(e.path == "hosts.web.listeners[0].defer_accept");
    CHECK(e.message.find("defer_accept is not available on freebsd") == 0);
    CHECK(e.message.find("accf_data") != std::string::npos);
  }
  SECTION("Windows and macOS have no such option") {
    for (const std::string os : {"windows", "macos"}) {
      const auto e = one_error("duration: 1s\nhosts:\n  web:\n    os: " + os +
                               "\n    listeners: [{port: 80, backlog: 8, workers: 0, defer_accept: 5s}]\nclients:\n"
                               "  c: {target: web:80, arrivals: {process: poisson, rate: 1/s}}\n");
      CHECK(e.message.find("defer_accept is not available on " + os) == 0);
    }
  }
  SECTION("setsockopt takes whole seconds") {
    const auto e = one_error(R"(duration: 1s
hosts:
  web:
    listeners: [{port: 80, backlog: 8, workers: 0, defer_accept: 1500ms}]
clients:
  c: {target: web:80, arrivals: {process: poisson, rate: 1/s}}
)");
    CHECK(e.message.find("expected whole seconds") == 0);
  }
  SECTION("a spoofed group sends no data") {
    const auto e = one_error(R"(duration: 1s
hosts:
  web:
    listeners: [{port: 80, backlog: 8, workers: 0}]
clients:
  f: {target: web:80, spoofed: true, arrivals: {process: poisson, rate: 1/s}, first_data: 1s}
)");
    CHECK(e.path == "clients.f.first_data");
  }
}

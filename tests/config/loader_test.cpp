// Tests of config/loader.h: scenario YAML to model::ScenarioSpec, and its diagnostics.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <variant>
#include <vector>

#include "config/loader.h"
#include "model/personality.h"
#include "sim/distribution.h"
#include "sim/format.h"

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
  CHECK(browsers.target_listener == 3);
  CHECK(std::get<model::PoissonArrivals>(browsers.arrivals).rate_per_s == 1500.0);
  CHECK(browsers.syn_retries == std::optional<int>(2));
  CHECK(browsers.connect_timeout == sim::seconds(10));
  CHECK(browsers.retry.max == 2);
  CHECK(browsers.retry.backoff == sim::milliseconds(500));
  CHECK(browsers.retry.factor == 1.5);
  CHECK(browsers.retry.jitter == 0.2);

  const model::ClientSpec& bots = s.clients[1];
  CHECK(bots.target_host == 1);
  CHECK(bots.target_listener == 0);
  CHECK(std::get<model::ConstantArrivals>(bots.arrivals).rate_per_s == 100.0);

  const model::ClientSpec& crowd = s.clients[2];
  CHECK(crowd.target_host == 0);
  CHECK(crowd.target_listener == 0);
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
  const model::ScenarioSpec s = load_ok(std::string("duration: ") + text +
                                        "\nsample_interval: 1ns\nhosts: {w: {listeners: [{port: 1, backlog: 1, workers: 0}]}}");
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
  const model::ScenarioSpec s = load_ok(one_listener("port: 80, backlog: 1, workers: 0") +
                                        "clients:\n  c:\n    target: web:80\n    arrivals: {process: poisson, rate: " +
                                        text + "}\n");
  CHECK(std::get<model::PoissonArrivals>(s.clients[0].arrivals).rate_per_s == per_second);
}

TEST_CASE("the backlog is an integer, SOMAXCONN or a hint", "[loader]") {
  const auto backlog_of = [](const std::string& yaml_value) {
    return load_ok(one_listener("port: 80, backlog: " + yaml_value + ", workers: 0")).hosts[0].listeners[0].backlog;
  };
  SECTION("any int32, negative included: the personality clamps it") {
    for (const std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{-2147483648}, std::int64_t{2147483647}}) {
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

TEST_CASE("docs/scenario-format.md documents every kernel knob", "[loader][docs]") {
  std::ifstream in(std::filesystem::path(SYNSTORM_SOURCE_DIR) / "docs" / "scenario-format.md");
  REQUIRE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const model::KnobInfo& knob : model::knob_table()) {
    INFO(knob.name);
    CHECK(doc.find("| `" + std::string(knob.name) + "` |") != std::string::npos);
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
  CHECK(config::format(r.errors[0]) ==
        "test.yaml:2:62: error: hosts.web.listeners[0].extra: unknown key \"extra\" (expected one of: port, "
        "backlog, workers, service)");
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
  const std::string junk = GENERATE(as<std::string>{}, "", "\n\n", "~", "null", "42", "[1, 2]", "\"text\"",
                                    std::string("\x00\x01\xff\xfe", 4), "\t\t:", "a: [", "{", "? ? ?", "&a [*a]",
                                    // yaml-cpp 0.7 alone would loop forever on a stray ',' at the top.
                                    ",", "---\n,\n", "duration: 1s\n---\n  ,",
                                    "duration: .inf\nhosts: .nan", "hosts: {web: {listeners: [~, 3, [], {}]}}",
                                    "clients: {c: {target: ':', arrivals: {process: ~}}}",
                                    "hosts: {web: {kernel: [1], listeners: {}}}", std::string(3000, '['),
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

TEST_CASE("malformed scenario files give the diagnostic their first line expects", "[loader][bad]") {
  // Each file's first line: "# expect: LINE:COL: SUBSTRING".
  const std::filesystem::path dir = std::filesystem::path(SYNSTORM_SOURCE_DIR) / "tests" / "config" / "bad";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 25);

  for (const std::filesystem::path& file : files) {
    DYNAMIC_SECTION(file.filename().string()) {
      std::ifstream in(file);
      std::string first_line;
      std::getline(in, first_line);
      const std::string prefix = "# expect: ";
      REQUIRE(first_line.rfind(prefix, 0) == 0);
      const std::string expectation = first_line.substr(prefix.size());
      const std::size_t colon1 = expectation.find(':');
      const std::size_t colon2 = expectation.find(':', colon1 + 1);
      REQUIRE(colon2 != std::string::npos);
      const int line = std::stoi(expectation.substr(0, colon1));
      const int column = std::stoi(expectation.substr(colon1 + 1, colon2 - colon1 - 1));
      const std::string substring = expectation.substr(colon2 + 2);

      const config::LoadResult r = config::load_scenario_file(file.string());
      INFO(all_messages(r));
      CHECK_FALSE(r.ok());
      const bool found = std::any_of(r.errors.begin(), r.errors.end(), [&](const config::Diagnostic& d) {
        return d.line == line && d.column == column && config::format(d).find(substring) != std::string::npos;
      });
      CHECK(found);
      for (const config::Diagnostic& d : r.errors) CHECK(d.file == file.string());
    }
  }
}

// Tests of the loader on hostile input (config/loader.h's limits): alias bombs, deep
// nesting, huge and non-finite numbers, absurd counts, control bytes, invalid UTF-8,
// binary junk, empty and oversized files. Each must give its one clear diagnostic, and
// fast: the bounds here are generous (sanitizer builds are slow), the point is that no
// input makes the loader work in proportion to anything but its own size.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/loader.h"
#include "tests/config/expectations.h"

namespace {

namespace fs = std::filesystem;

const fs::path kHostile = fs::path(SYNSTORM_SOURCE_DIR) / "tests" / "config" / "hostile";

std::string all_messages(const config::LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) out += config::format(d) + "\n";
  return out;
}

// A load must take less than this, whatever the input (a sanitizer build is ~10x slower
// than a release build, which takes well under a second for every case).
constexpr double kMaxSeconds = 20.0;

template <class Load>
config::LoadResult timed(Load load) {
  const auto start = std::chrono::steady_clock::now();
  config::LoadResult r = load();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  CHECK(took.count() < kMaxSeconds);
  return r;
}

bool has(const config::LoadResult& r, const synstorm_test::Expectation& e) {
  for (const config::Diagnostic& d : r.errors) {
    if (d.line == e.line && d.column == e.column && config::format(d).find(e.text) != std::string::npos) return true;
  }
  return false;
}

// A scratch file removed at the end of the test.
struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& name)
      : path(fs::temp_directory_path() / ("synstorm-hostile-" + std::to_string(::getpid()) + "-" + name)) {}
  ~TempFile() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
};

}  // namespace

TEST_CASE("every file of the hostile corpus gives its expected diagnostic, fast", "[loader][hostile]") {
  const std::vector<synstorm_test::HostileCase> cases = synstorm_test::hostile_cases(kHostile);
  CHECK(cases.size() >= 40);
  for (const synstorm_test::HostileCase& c : cases) {
    DYNAMIC_SECTION(c.file.filename().string()) {
      REQUIRE(c.expected.has_value());
      const config::LoadResult r = timed([&] { return config::load_scenario_file(c.file.string()); });
      INFO(all_messages(r));
      CHECK_FALSE(r.ok());
      CHECK(has(r, *c.expected));
      CHECK(r.errors.size() <= config::kMaxDiagnostics + 1);
    }
  }
}

TEST_CASE("a scenario larger than the limit is refused before it is parsed", "[loader][hostile]") {
  // Valid YAML all the way (a comment), so that only the size can be the problem.
  std::string text = "duration: 10s\n# ";
  text.append(config::kMaxScenarioBytes, 'x');
  SECTION("as text") {
    const config::LoadResult r = timed([&] { return config::load_scenario_text(text, "big.yaml"); });
    INFO(all_messages(r));
    CHECK(has(r, {0, 0, "more than the limit of 16 MiB"}));
  }
  SECTION("as a file, which is not read past the limit") {
    const TempFile file("big.yaml");
    std::ofstream(file.path, std::ios::binary) << text;
    const config::LoadResult r = timed([&] { return config::load_scenario_file(file.path.string()); });
    INFO(all_messages(r));
    CHECK(has(r, {0, 0, "cannot read the scenario file: larger than the limit of 16 MiB"}));
  }
  SECTION("an endless device, refused before it is read") {
    const config::LoadResult r = timed([&] { return config::load_scenario_file("/dev/zero"); });
    INFO(all_messages(r));
    CHECK(has(r, {0, 0, "cannot read the scenario file: not a regular file (a character device)"}));
  }
  SECTION("at the limit, the text is parsed") {
    // A syntax error at the start, so that yaml-cpp stops there.
    text.resize(config::kMaxScenarioBytes);
    text[0] = ']';
    const config::LoadResult r = timed([&] { return config::load_scenario_text(text, "big.yaml"); });
    INFO(all_messages(r));
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].line == 1);
    CHECK(r.errors[0].message.find("YAML syntax error") != std::string::npos);
  }
}

TEST_CASE("a document with more YAML nodes than the limit is refused without building its tree", "[loader][hostile]") {
  // Short keys in a flow sequence: three bytes a node, far below the size limit.
  std::string text = "duration: 10s\nhosts: [";
  for (std::uint64_t i = 0; i < config::kMaxYamlNodes; ++i) text += "1, ";
  text += "1]\n";
  const config::LoadResult r = timed([&] { return config::load_scenario_text(text, "many.yaml"); });
  INFO(all_messages(r));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].line == 2);
  CHECK(r.errors[0].message.find("more than 1000000 YAML nodes") != std::string::npos);
}

TEST_CASE("nesting is limited at exactly kMaxNestingDepth levels", "[loader][hostile]") {
  const auto nested = [](std::size_t depth) {
    return "duration: 10s\nhosts: {web: {listeners: " + std::string(depth - 3, '[') + std::string(depth - 3, ']') +
           "}}\n";
  };
  // The document's map, hosts and web are the first three levels.
  const config::LoadResult at_limit = config::load_scenario_text(nested(config::kMaxNestingDepth), "deep.yaml");
  INFO(all_messages(at_limit));
  for (const config::Diagnostic& d : at_limit.errors) CHECK(d.message.find("nested more than") == std::string::npos);
  const config::LoadResult over = config::load_scenario_text(nested(config::kMaxNestingDepth + 1), "deep.yaml");
  INFO(all_messages(over));
  REQUIRE(over.errors.size() == 1);
  CHECK(over.errors[0].message.find("nested more than 64 deep") != std::string::npos);
}

TEST_CASE("aliases are allowed up to the node limit, each use counted in full", "[loader][hostile]") {
  // One empirical distribution of 1000 values (1005 nodes with its map and keys), shared by
  // n listeners.
  const auto shared = [](int listeners) {
    std::string text =
        "duration: 10s\nhosts:\n  web:\n    listeners:\n      - {port: 1, backlog: 1, workers: 1, service: &s "
        "{dist: empirical, values: [";
    for (int i = 0; i < 1000; ++i) text += i == 0 ? "1ms" : ", 1ms";
    text += "]}}\n";
    for (int i = 0; i < listeners; ++i) {
      text += "      - {port: " + std::to_string(2 + i) + ", backlog: 1, workers: 1, service: *s}\n";
    }
    return text;
  };
  SECTION("100 uses of a 1005-node value: about 100000 nodes, read") {
    const config::LoadResult r = config::load_scenario_text(shared(100), "shared.yaml");
    INFO(all_messages(r));
    REQUIRE(r.ok());
    CHECK(r.spec->hosts[0].listeners.size() == 101);
  }
  SECTION("1000 uses: past the limit, at the alias that crosses it") {
    const config::LoadResult r = timed([&] { return config::load_scenario_text(shared(1000), "shared.yaml"); });
    INFO(all_messages(r));
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].message.find("alias \"*s\" stands for 1005 nodes") != std::string::npos);
  }
}

TEST_CASE("a file with more problems than the limit lists the first ones and says it stopped", "[loader][hostile]") {
  std::string text = "duration: 10s\nhosts: {web: {listeners: [{port: 80, backlog: 1, workers: 0}]}}\n";
  for (int i = 0; i < 5000; ++i) text += "k" + std::to_string(i) + ": 1\n";
  const config::LoadResult r = timed([&] { return config::load_scenario_text(text, "many.yaml"); });
  REQUIRE(r.errors.size() == config::kMaxDiagnostics + 1);
  CHECK(r.errors[0].message.find("unknown key \"k0\"") != std::string::npos);
  CHECK(r.errors.back().line == 0);
  CHECK(r.errors.back().message.find("too many problems: reading stopped after the first 100") != std::string::npos);
}

TEST_CASE("\"did you mean\" among many names does bounded work", "[loader][hostile]") {
  // 5000 hosts, and clients whose targets are as long as the hosts' names but close to none.
  std::string text = "duration: 10s\nhosts:\n";
  for (int i = 0; i < 5000; ++i) {
    text += "  host-" + std::to_string(100000 + i) + ": {listeners: [{port: 80, backlog: 1, workers: 0}]}\n";
  }
  text += "clients:\n";
  for (int i = 0; i < 150; ++i) {
    text += "  c" + std::to_string(i) + ": {target: zzzzzzzzzzz:80, arrivals: {process: poisson, rate: 1/s}}\n";
  }
  const config::LoadResult r = timed([&] { return config::load_scenario_text(text, "names.yaml"); });
  REQUIRE(r.errors.size() == config::kMaxDiagnostics + 1);
  // The list of hosts in a message is cut short.
  CHECK(r.errors[0].message.find("more)") != std::string::npos);
  CHECK(r.errors[0].message.size() < 2000);
}

TEST_CASE("routing is bounded: routes per client group and the work of the path searches", "[loader][hostile]") {
  SECTION("1001 client groups through a balancer of 1000 backends: more than 1000000 routes") {
    std::string text = "duration: 10s\nhosts:\n";
    std::string backends;
    for (int i = 0; i < 1000; ++i) {
      text += "  h" + std::to_string(i) + ": {listeners: [{port: 80, backlog: 1, workers: 0}]}\n";
      backends += (i == 0 ? "h" : ", h") + std::to_string(i) + ":80";
    }
    text += "balancers:\n  lb: {port: 80, backends: [" + backends + "]}\nclients:\n";
    for (int i = 0; i < 1001; ++i) {
      text += "  c" + std::to_string(i) + ": {target: lb:80, arrivals: {process: poisson, rate: 1/s}}\n";
    }
    const config::LoadResult r = timed([&] { return config::load_scenario_text(text, "routes.yaml"); });
    INFO(all_messages(r));
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "clients");
    CHECK(r.errors[0].message.find("1001 client groups with 1001000 routes") != std::string::npos);
  }
  SECTION("1000 client groups routed through a network of 10000 nodes and links") {
    std::string text = "duration: 10s\nhosts:\n  web: {listeners: [{port: 80, backlog: 1, workers: 0}]}\nclients:\n";
    for (int i = 0; i < 1000; ++i) {
      text += "  c" + std::to_string(i) + ": {target: web:80, arrivals: {process: poisson, rate: 1/s}}\n";
    }
    text += "network:\n  routers: [";
    for (int i = 0; i < 9000; ++i) text += (i == 0 ? "r" : ", r") + std::to_string(i);
    text += "]\n  links:\n    - {a: c0, b: web, latency: 1ms}\n";
    const config::LoadResult r = timed([&] { return config::load_scenario_text(text, "work.yaml"); });
    INFO(all_messages(r));
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "network");
    CHECK(r.errors[0].message.find("routing 1000 client groups and balancers through a network of 10002 nodes and "
                                   "links takes too long") != std::string::npos);
  }
}

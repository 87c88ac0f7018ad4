// Tests of `synstorm explain`'s own part: --connection and --host read into a filter, and
// the real binary on a bundled scenario and on bad arguments. The narration itself is
// tested in tests/report/narration_test.cpp.
#include "cli/explain.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>
#include "binary.h"

#include "../model/scenario_builder.h"

namespace fs = std::filesystem;
using model::Os;
using namespace model::test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The loopback experiment of docs/fidelity.md, (a): listen(5), never accept, 40 connects one by one.
model::ScenarioSpec never_accepting(Os os) {
  return scenario({host("web", os, backlog(5), 0)}, {client("storm", os, 0, one_by_one(40))}, sim::seconds(3));
}

report::NarrationFilter resolved(const model::ScenarioSpec& spec, std::optional<std::string> connection,
                                 std::optional<std::string> host) {
  auto r = cli::resolve_explain_filter(spec, connection, host);
  REQUIRE(std::holds_alternative<report::NarrationFilter>(r));
  return std::get<report::NarrationFilter>(r);
}

std::string filter_error(const model::ScenarioSpec& spec, std::optional<std::string> connection,
                         std::optional<std::string> host) {
  auto r = cli::resolve_explain_filter(spec, connection, host);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}

}  // namespace

TEST_CASE("explain: bad --connection and --host values are explained", "[explain]") {
  const auto spec = never_accepting(Os::kLinux);
  const auto f = resolved(spec, std::string("storm#3"), std::string("web"));
  CHECK(f.client == std::optional<std::size_t>(0));
  CHECK(f.attempt == 3);
  CHECK(f.host == std::optional<std::size_t>(0));

  CHECK(filter_error(spec, std::string("storm17"), std::nullopt).find("expected <client>#<attempt>") !=
        std::string::npos);
  CHECK(filter_error(spec, std::string("storm#0"), std::nullopt).find("expected <client>#<attempt>") !=
        std::string::npos);
  CHECK(filter_error(spec, std::string("storm#x1"), std::nullopt).find("expected <client>#<attempt>") !=
        std::string::npos);
  CHECK(filter_error(spec, std::string("#4"), std::nullopt).find("expected <client>#<attempt>") != std::string::npos);
  CHECK(filter_error(spec, std::string("strom#3"), std::nullopt) ==
        "--connection \"strom#3\": the scenario has no client group \"strom\"; did you mean \"storm\"?");
  CHECK(filter_error(spec, std::nullopt, std::string("wbe")) ==
        "--host \"wbe\": the scenario has no host of that name; did you mean \"web\"?");
  CHECK(
      filter_error(spec, std::nullopt, std::string("web:80")).find("--host takes a host name: did you mean \"web\"?") !=
      std::string::npos);
}

// ---- the real binary --------------------------------------------------------------------

namespace {

using synstorm_test::quote;
using synstorm_test::Result;
using synstorm_test::synstorm;

const std::string kOverload = quote((fs::path(SYNSTORM_SOURCE_DIR) / "scenarios" / "overload.yaml").string());

}  // namespace

TEST_CASE("explain: synstorm explain narrates overload.yaml, 20 lines and a summary", "[explain][e2e]") {
  const Result r = synstorm("explain " + kOverload + " --limit 20");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 21);
  for (std::size_t i = 0; i < 20; ++i) CHECK(lines[i].rfind("t=", 0) == 0);
  CHECK(lines[0].find("linux-web:80") != std::string::npos);
  CHECK(std::regex_match(
      lines.back(),
      std::regex(
          R"(\.\.\. [0-9]+ more steps not shown \(--limit 20; --limit 0 shows all\); the run ended at t=30 s)")));
  CHECK(synstorm("explain " + kOverload + " --limit 20").out == r.out);

  const Result one = synstorm("explain " + kOverload + " --connection to-windows#3 --seed 7");
  REQUIRE(one.exit_code == 0);
  CHECK(one.out.find("to-windows#3") != std::string::npos);
}

TEST_CASE("explain: synstorm explain rejects bad arguments with exit code 2", "[explain][e2e]") {
  const Result unknown = synstorm("explain " + kOverload + " --connection to-linus#3");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.out.empty());
  CHECK(unknown.err.find("did you mean \"to-linux\"?") != std::string::npos);

  const Result syntax = synstorm("explain " + kOverload + " --connection to-linux");
  CHECK(syntax.exit_code == 2);
  CHECK(syntax.err.find("expected <client>#<attempt>") != std::string::npos);

  const Result bad_host = synstorm("explain " + kOverload + " --host linux-wbe");
  CHECK(bad_host.exit_code == 2);
  CHECK(bad_host.err.find("did you mean \"linux-web\"?") != std::string::npos);

  CHECK(synstorm("explain " + kOverload + " --limit -3").exit_code == 2);
  CHECK(synstorm("explain " + kOverload + " --limit lots").exit_code == 2);
  CHECK(synstorm("explain").exit_code == 2);
  CHECK(synstorm("explain /nonexistent/scenario.yaml").exit_code == 2);
}

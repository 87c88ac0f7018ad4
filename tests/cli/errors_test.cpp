// Tests of model/socket_errors.h and `synstorm errors` (cli/errors.h): every reason names a
// teaching scenario that really shows it, every failed call of the bundled scenarios has a
// reason, and the lookup answers WSAEISCONN, EISCONN, any case, and a typo.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "cli/errors.h"
#include "config/loader.h"
#include "model/socket_errors.h"
#include "model/world.h"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = SYNSTORM_SOURCE_DIR;

model::RunResults run(const fs::path& file, model::ScenarioSpec* spec_out = nullptr) {
  config::LoadResult r = config::load_scenario_file(file.string());
  INFO(file.string());
  REQUIRE(r.ok());
  if (spec_out) *spec_out = *r.spec;
  return model::run_scenario(*r.spec);
}

model::Os os_of(const model::ScenarioSpec& spec, const std::string& host) {
  for (const auto& h : spec.hosts)
    if (h.name == host) return h.os;
  FAIL("no host " << host);
  return model::Os::kLinux;
}

}  // namespace

TEST_CASE("every reason's teaching scenario shows that error on that call and OS", "[errors]") {
  for (const model::ErrorReason& r : model::error_reasons()) {
    if (r.scenario.empty()) continue;
    model::ScenarioSpec spec;
    const model::RunResults results = run(kSource / std::string(r.scenario), &spec);
    bool shown = false;
    for (const model::ScriptResult& st : results.script) {
      const model::Os os = os_of(spec, st.host);
      shown = shown || (model::in_family(os, r.oses) && model::in_family(os, r.shown_on) &&
                        (r.call == "*" || r.call == st.call) && st.result == model::error_name(r.error, os));
    }
    INFO(model::error_name(r.error, model::Os::kWindows) << " / " << r.call << " in " << r.scenario);
    CHECK(shown);
  }
}

TEST_CASE("every failed call of the bundled scenarios says why", "[errors]") {
  for (const auto& e : fs::recursive_directory_iterator(kSource / "scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    const model::RunResults results = run(e.path());
    for (const model::ScriptResult& st : results.script) {
      INFO(e.path().string() << " line " << st.line << ": " << st.result);
      if (st.result == "OK" || st.result == "BLOCKED") {
        CHECK(st.why.empty());
      } else {
        CHECK_FALSE(st.why.empty());
      }
    }
  }
}

TEST_CASE("the reason for a listen on an unbound socket is the Winsock page's", "[errors]") {
  // Winsock listen page: WSAEINVAL, the socket has not been bound with bind.
  CHECK(model::error_reason(model::SocketError::kInval, "listen", model::Os::kWindows) ==
        "the socket is not bound: call bind() before listen()");
  // The same error on Linux means another thing (inet_listen: not SS_UNCONNECTED).
  CHECK(model::error_reason(model::SocketError::kInval, "listen", model::Os::kLinux).find("connected") !=
        std::string_view::npos);
  CHECK(model::error_reason(model::SocketError::kOk, "listen", model::Os::kLinux).empty());
}

TEST_CASE("synstorm errors looks a name up, per OS", "[errors]") {
  std::string problem;
  const auto wsa = cli::errors_text("WSAEISCONN", problem);
  REQUIRE(wsa);
  CHECK_THAT(*wsa, Catch::StartsWith("WSAEISCONN on windows"));
  CHECK_THAT(*wsa, Catch::Contains("listen: the socket is already connected"));
  CHECK_THAT(*wsa, Catch::Contains("scenarios/teaching/windows-listen-errors.yaml"));
  CHECK_THAT(*wsa, Catch::Contains("scenarios/teaching/connect-errors.yaml"));
  CHECK_THAT(*wsa, Catch::Contains("EISCONN"));  // the POSIX name of the same error

  const auto posix = cli::errors_text("eisconn", problem);
  REQUIRE(posix);
  CHECK_THAT(*posix, Catch::StartsWith("EISCONN on linux, freebsd, macos"));
  CHECK_THAT(*posix, Catch::Contains("__inet_stream_connect"));
  CHECK_THAT(*posix, !Catch::Contains("WSAEISCONN on"));

  CHECK_FALSE(cli::errors_text("WSAEISCON", problem));
  CHECK_THAT(problem, Catch::Contains("did you mean \"WSAEISCONN\""));
}

TEST_CASE("synstorm errors with no name lists every error once", "[errors]") {
  std::string problem;
  const auto list = cli::errors_text("", problem);
  REQUIRE(list);
  for (const char* name : {"WSAEISCONN", "EISCONN", "WSAEINVAL", "EINVAL", "EBADF", "WSANOTINITIALISED", "EAGAIN"}) {
    INFO(name);
    CHECK_THAT(*list, Catch::Contains(std::string("  ") + name + " "));
  }
}

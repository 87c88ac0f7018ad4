// End-to-end: what `synstorm run` adds for planners and teachers (issue 18): the loss
// column and its legend, pooled percentiles, utilisation, --window, --timeseries-detail,
// script values and reasons, `synstorm errors`, and units as people type them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "binary.h"

namespace fs = std::filesystem;
using synstorm_test::quote;
using synstorm_test::synstorm;

namespace {

const fs::path kSource = SYNSTORM_SOURCE_DIR;

std::string scenario(const std::string& rel) { return quote((kSource / "scenarios" / rel).string()); }

nlohmann::json run_json(const std::string& args) {
  const auto r = synstorm("run " + args + " --json -");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

fs::path write(const std::string& name, const std::string& text) {
  const fs::path p = synstorm_test::scratch_dir() / name;
  std::ofstream(p) << text;
  return p;
}

}  // namespace

TEST_CASE("run prints loss next to failure, with its legend, and pools percentiles", "[e2e][run]") {
  const auto r = synstorm("run " + scenario("overload.yaml"));
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("refusal  failure     loss"));
  CHECK_THAT(r.out, Catch::Contains("loss: failed / decided"));
  const nlohmann::json j = run_json(scenario("overload.yaml"));
  const nlohmann::json& t = j["totals"];
  // loss_rate = (refused + timed_out + reset) / (attempts - pending), from the JSON's own counts.
  const double decided = t["attempts"].get<double>() - t["pending"].get<double>();
  const double failed = t["refused"].get<double>() + t["timed_out"].get<double>() + t["reset"].get<double>();
  CHECK(t["loss_rate"].get<double>() == Approx(failed / decided).epsilon(1e-12));
  // Pooled: as many latencies as connections established by every group.
  CHECK(t["connect_latency_ms"]["count"] == t["established"]);
  double worst = 0;
  for (const auto& [name, c] : j["clients"].items())
    worst = std::max(worst, c["connect_latency_ms"]["max"].get<double>());
  CHECK(t["connect_latency_ms"]["max"].get<double>() == worst);
}

TEST_CASE("run reports each listener's utilisation", "[e2e][run]") {
  const nlohmann::json j = run_json(scenario("overload.yaml"));
  const nlohmann::json& u = j["listeners"]["windows-web:80"]["utilisation"];
  // 2000 connects/s reach it, 5 ms mean service: about 10 erlangs for 8 workers.
  CHECK(u["servers"] == 8);
  CHECK(u["servers_are"] == "workers");
  CHECK(u["offered_erlangs"].get<double>() == Approx(10.0).epsilon(0.02));
  CHECK(u["rho"].get<double>() == Approx(u["offered_erlangs"].get<double>() / 8).epsilon(1e-12));
  CHECK(u["busy_fraction"].get<double>() > 0.99);
  CHECK(u["busy_fraction"].get<double>() <= 1.0);
  CHECK(u.contains("mmck_blocking"));
  CHECK(u["erlang_c_waiting"] == 1.0);  // rho > 1: no steady state, every arrival waits
  const auto r = synstorm("run " + scenario("overload.yaml"));
  CHECK_THAT(r.out, Catch::Contains("M/M/c/K loss  Erlang C wait"));
}

TEST_CASE("an event-loop listener's servers are its loops, busy their mean, and it has no M/M/c/K reference",
          "[e2e][run][loops]") {
  const nlohmann::json j = run_json(scenario("event-loop.yaml"));
  const nlohmann::json& u = j["listeners"]["capped:80"]["utilisation"];
  CHECK(u["servers_are"] == "loops");
  CHECK(u["servers"] == 4);
  // The listener's busy fraction is the mean of its loops' own (the loop table's).
  double sum = 0;
  for (const auto& loop : j["loops"]["capped:80"]) sum += loop["busy_fraction"].get<double>();
  CHECK(u["busy_fraction"].get<double>() == Approx(sum / 4).epsilon(1e-9));
  CHECK_FALSE(u.contains("mmck_blocking"));
  CHECK_THAT(u["reference"].get<std::string>(), Catch::Contains("max_connections"));
}

TEST_CASE("run with a window measures the attempts started in it, and bad windows exit 2", "[e2e][run][window]") {
  const nlohmann::json all = run_json(scenario("steady.yaml"));
  const nlohmann::json part = run_json(scenario("steady.yaml") + " --window 2s..4s");
  CHECK(part["window"]["from_s"] == 2);
  CHECK(part["window"]["to_s"] == 4);
  CHECK(part["totals"]["attempts"].get<double>() < all["totals"]["attempts"].get<double>());
  CHECK(part["totals"]["attempts"].get<double>() > 0);
  const auto text = synstorm("run " + scenario("steady.yaml") + " --window 2s..4s");
  CHECK_THAT(text.out, Catch::Contains("measured: attempts started in [2 s, 4 s)"));
  for (const char* bad : {"4s..2s", "2s..999s", "2..4s", "2s-4s"}) {
    const auto r = synstorm("run " + scenario("steady.yaml") + " --window " + bad);
    INFO(bad << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--window"));
  }
}

TEST_CASE("measure: in a scenario, and 12,000/s and µs as people type them", "[e2e][run][window]") {
  const fs::path file = write("measured.yaml",
                              "duration: 2 sec\n"
                              "measure: {from: 500ms, to: 1500ms}\n"
                              "hosts:\n"
                              "  web:\n"
                              "    listeners:\n"
                              "      - {port: 80, backlog: 128, workers: 64, service: {dist: constant, value: 800µs}}\n"
                              "clients:\n"
                              "  c:\n"
                              "    target: \"web:80\"\n"
                              "    arrivals:\n"
                              "      process: constant\n"
                              "      rate: 1,000/s\n");
  const nlohmann::json j = run_json(quote(file.string()));
  // One arrival every millisecond: [500 ms, 1500 ms) holds 1000.
  CHECK(j["totals"]["attempts"] == 1000);
  CHECK(j["listeners"]["web:80"]["utilisation"]["service_mean_ms"].get<double>() == Approx(0.8).epsilon(1e-12));
}

TEST_CASE("the detailed time series adds per-group and latency columns, the plain one keeps its columns",
          "[e2e][run]") {
  const auto plain = synstorm("run " + scenario("overload.yaml") + " --quiet --timeseries -");
  const auto detail = synstorm("run " + scenario("overload.yaml") + " --quiet --timeseries - --timeseries-detail");
  REQUIRE(plain.exit_code == 0);
  REQUIRE(detail.exit_code == 0);
  const std::string plain_header = plain.out.substr(0, plain.out.find('\n'));
  const std::string detail_header = detail.out.substr(0, detail.out.find('\n'));
  CHECK(plain_header.find("connect_p99_ms") == std::string::npos);
  CHECK(detail_header.rfind(plain_header + ",", 0) == 0);  // the old columns first, unchanged
  CHECK_THAT(detail_header, Catch::EndsWith("to-windows.connect_p50_ms,to-windows.connect_p99_ms,connect_p50_ms,"
                                            "connect_p99_ms"));
  CHECK_THAT(detail_header, Catch::Contains("to-linux.attempts,to-linux.accepted,to-linux.failed"));
}

TEST_CASE("run shows what each script call returned, and why a call failed", "[e2e][run][script]") {
  const auto hint = synstorm("run " + scenario("teaching/somaxconn-hint.yaml"));
  REQUIRE(hint.exit_code == 0);
  CHECK_THAT(hint.out, Catch::Contains("listen     -> OK backlog 5000"));
  CHECK_THAT(hint.out, Catch::Contains("listen     -> OK backlog 1024"));
  const auto errors = synstorm("run " + scenario("teaching/windows-listen-errors.yaml"));
  REQUIRE(errors.exit_code == 0);
  CHECK_THAT(errors.out, Catch::Contains("WSAEINVAL: the socket is not bound"));
  // The UDP socket bound to port 53 failed to listen: it is not a listener.
  CHECK_THAT(errors.out, !Catch::Contains("iis:53"));
  const nlohmann::json j = run_json(scenario("teaching/windows-listen-errors.yaml"));
  CHECK_FALSE(j["listeners"].contains("iis:53"));
}

TEST_CASE("synstorm errors: a name, any case, a list, and a typo", "[e2e][errors]") {
  const auto wsa = synstorm("errors WSAEISCONN");
  CHECK(wsa.exit_code == 0);
  CHECK_THAT(wsa.out, Catch::Contains("connect-errors.yaml"));
  const auto posix = synstorm("errors eisconn");
  CHECK(posix.exit_code == 0);
  CHECK_THAT(posix.out, Catch::StartsWith("EISCONN on linux"));
  const auto list = synstorm("errors");
  CHECK(list.exit_code == 0);
  CHECK_THAT(list.out, Catch::Contains("WSAEOPNOTSUPP"));
  const auto typo = synstorm("errors WSAEINVL");
  CHECK(typo.exit_code == 2);
  CHECK_THAT(typo.err, Catch::Contains("did you mean \"WSAEINVAL\""));
}

namespace {

// The `attempts_mean` column of a sweep's CSV, row by row.
std::vector<double> attempts_means(const std::string& csv) {
  std::vector<std::string> lines;
  std::size_t begin = 0;
  while (begin < csv.size()) {
    const std::size_t end = csv.find('\n', begin);
    lines.push_back(csv.substr(begin, end - begin));
    begin = end == std::string::npos ? csv.size() : end + 1;
  }
  auto cells = [](const std::string& line) {
    std::vector<std::string> out;
    std::size_t b = 0;
    while (true) {
      const std::size_t e = line.find(',', b);
      out.push_back(line.substr(b, e == std::string::npos ? std::string::npos : e - b));
      if (e == std::string::npos) return out;
      b = e + 1;
    }
  };
  REQUIRE(lines.size() >= 2);
  const std::vector<std::string> header = cells(lines[0]);
  const auto column = std::find(header.begin(), header.end(), "attempts_mean") - header.begin();
  REQUIRE(column < static_cast<std::ptrdiff_t>(header.size()));
  std::vector<double> out;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (!lines[i].empty()) out.push_back(std::stod(cells(lines[i])[static_cast<std::size_t>(column)]));
  }
  return out;
}

}  // namespace

TEST_CASE("sweep and plan --window measure every replication over the window", "[e2e][window]") {
  // steady.yaml: about 1500 connects/s for 60 s. A 10 s window holds about a sixth of them.
  const std::string base = "sweep " + scenario("steady.yaml") + " --vary 'seed=1,2' --reps 2 --out -";
  const auto all = synstorm(base);
  const auto part = synstorm(base + " --window 20s..30s");
  REQUIRE(all.exit_code == 0);
  REQUIRE(part.exit_code == 0);
  const std::vector<double> a = attempts_means(all.out);
  const std::vector<double> p = attempts_means(part.out);
  REQUIRE(a.size() == 2);
  REQUIRE(p.size() == 2);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(p[i] == Approx(a[i] / 6).epsilon(0.05));
  // The same check as run's, against each point's duration.
  const auto bad = synstorm(base + " --window 50s..90s");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("--window: the window ends at 90s"));
  const auto plan = synstorm("plan " + scenario("steady.yaml") +
                             " --vary 'hosts.web.listeners[0].workers=1..8' --target 'loss_rate<=0.5' --window 61s..");
  CHECK(plan.exit_code == 2);
}

TEST_CASE("the detailed time series adds up to its totals", "[e2e][run]") {
  const auto r = synstorm("run " + scenario("overload.yaml") + " --quiet --timeseries - --timeseries-detail");
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::istringstream h(line);
    for (std::string c; std::getline(h, c, ',');) header.push_back(c);
  }
  const auto col = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    REQUIRE(it != header.end());
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t attempts = col("attempts"), linux_attempts = col("to-linux.attempts"),
                    windows_attempts = col("to-windows.attempts"), accepted = col("accepted"),
                    linux_accepted = col("to-linux.accepted"), windows_accepted = col("to-windows.accepted");
  int rows = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> v;
    std::istringstream c(line);
    for (std::string x; std::getline(c, x, ',');) v.push_back(x);
    REQUIRE(v.size() == header.size());
    CHECK(std::stod(v[attempts]) == std::stod(v[linux_attempts]) + std::stod(v[windows_attempts]));
    CHECK(std::stod(v[accepted]) == std::stod(v[linux_accepted]) + std::stod(v[windows_accepted]));
    ++rows;
  }
  CHECK(rows == 30);  // 30 s at its sample_interval, 1 s
}

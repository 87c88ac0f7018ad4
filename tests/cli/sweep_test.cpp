// Tests of `synstorm sweep` in-process (cli/sweep.h, cli/vary.h, cli/metrics.h): --vary
// parsing, seeds that depend only on the point, the same bytes for every -j, and what the
// CSV's mean and ci95 columns mean.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "cli/commands.h"
#include "cli/metrics.h"
#include "cli/ranks.h"
#include "cli/study.h"
#include "cli/sweep.h"
#include "cli/vary.h"
#include "model/results.h"
#include "sim/stats.h"

namespace fs = std::filesystem;

namespace {

fs::path scratch() {
  const fs::path dir = fs::path(SYNSTORM_BINARY_DIR) / "sweep-tests";
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// A Windows M/M/c/K server: Poisson arrivals, exponential service, no retransmissions.
std::string write_scenario(const std::string& name, const std::string& arrivals = "{process: poisson, rate: 500/s}",
                           const std::string& service = "{dist: exponential, mean: 8ms}") {
  const fs::path file = scratch() / (name + ".yaml");
  std::ofstream(file) << "name: " << name << "\nseed: 11\nduration: 20s\nsample_interval: 1s\n"
                      << "hosts:\n  server:\n    os: windows\n    listeners:\n"
                      << "      - {port: 8080, backlog: 4, workers: 8, service: " << service << "}\n"
                      << "clients:\n  load:\n    os: windows\n    target: server:8080\n"
                      << "    arrivals: " << arrivals << "\n    syn_retries: 0\n";
  return file.string();
}

struct Sweep {
  int exit_code;
  std::string err;
  std::string csv;
  std::string json;
};

Sweep sweep(const std::string& file, std::vector<std::string> vary, std::uint32_t reps, unsigned jobs,
            const std::string& tag) {
  cli::SweepOptions o;
  o.file = file;
  o.vary = std::move(vary);
  o.reps = reps;
  o.jobs = jobs;
  o.csv_path = (scratch() / (tag + ".csv")).string();
  o.json_path = (scratch() / (tag + ".json")).string();
  o.progress = false;
  std::ostringstream err;
  const cli::Ranks ranks;
  const int code = cli::run_sweep(o, ranks, err);
  return Sweep{code, err.str(), slurp(o.csv_path), slurp(o.json_path)};
}

using Row = std::map<std::string, std::string>;

// The CSV as rows keyed by column name (the tests' CSVs have no quoted fields).
std::vector<Row> parse_csv(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string cell; std::getline(hs, cell, ',');) header.push_back(cell);
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    Row row;
    std::stringstream ls(line);
    std::size_t i = 0;
    for (std::string cell; std::getline(ls, cell, ','); ++i) row[header.at(i)] = cell;
    if (i < header.size()) row[header[i]] = "";  // a trailing empty cell
    rows.push_back(std::move(row));
  }
  return rows;
}

// The row without its point number (which depends on the grid around it).
Row numbers_of(Row row) {
  row.erase("point");
  return row;
}

const cli::Vary& vary_of(const std::variant<cli::Vary, std::string>& v) {
  INFO((std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : ""));
  REQUIRE(std::holds_alternative<cli::Vary>(v));
  return std::get<cli::Vary>(v);
}

std::string error_of(const std::variant<cli::Vary, std::string>& v) {
  REQUIRE(std::holds_alternative<std::string>(v));
  return std::get<std::string>(v);
}

double number(const Row& row, const std::string& column) { return std::stod(row.at(column)); }

}  // namespace

TEST_CASE("vary arguments take lists, ranges with units, and exact decimal steps", "[sweep][vary]") {
  using V = std::vector<std::string>;
  SECTION("a list, split at top-level commas only") {
    const auto v = vary_of(cli::parse_vary("hosts.web.os=linux, windows"));
    CHECK(v.path == "hosts.web.os");
    CHECK(v.values == V{"linux", "windows"});
    CHECK_FALSE(v.is_range);
    CHECK(vary_of(cli::parse_vary("a.service={dist: constant, value: 1ms},{dist: exponential, mean: 2ms}")).values ==
          V{"{dist: constant, value: 1ms}", "{dist: exponential, mean: 2ms}"});
    CHECK(vary_of(cli::parse_vary("a=\"x,y\",z")).values == V{"\"x,y\"", "z"});
    CHECK(vary_of(cli::parse_vary("a=64")).values == V{"64"});
  }
  SECTION("integer ranges, with and without a step") {
    CHECK(vary_of(cli::parse_vary("x[0].backlog=1..4")).values == V{"1", "2", "3", "4"});
    CHECK(vary_of(cli::parse_vary("x=8..64:16")).values == V{"8", "24", "40", "56"});
    CHECK(vary_of(cli::parse_vary("x=-2..2:2")).values == V{"-2", "0", "2"});
    CHECK(vary_of(cli::parse_vary("x=5..5")).values == V{"5"});
  }
  SECTION("ranges carry the unit written after the numbers") {
    CHECK(vary_of(cli::parse_vary("c.arrivals.rate=1000/s..2000/s:500/s")).values == V{"1000/s", "1500/s", "2000/s"});
    CHECK(vary_of(cli::parse_vary("s.mean=5ms..15ms:5ms")).values == V{"5ms", "10ms", "15ms"});
  }
  SECTION("decimal steps are exact") {
    CHECK(vary_of(cli::parse_vary("r.jitter=0..1:0.25")).values == V{"0", "0.25", "0.5", "0.75", "1"});
    CHECK(vary_of(cli::parse_vary("r.jitter=0.1..0.3:0.1")).values == V{"0.1", "0.2", "0.3"});
  }
  SECTION("errors name the argument") {
    CHECK_THAT(error_of(cli::parse_vary("hosts.web.os")), Catch::Contains("--vary hosts.web.os: expected PATH=VALUES"));
    CHECK_THAT(error_of(cli::parse_vary("x=")), Catch::Contains("no values"));
    CHECK_THAT(error_of(cli::parse_vary("x=1,,2")), Catch::Contains("empty value"));
    CHECK_THAT(error_of(cli::parse_vary("x=10..1")), Catch::Contains("LO..HI"));
    CHECK_THAT(error_of(cli::parse_vary("x=1..10:0")), Catch::Contains("step must be > 0"));
    CHECK_THAT(error_of(cli::parse_vary("x=1ms..10s")), Catch::Contains("different units"));
    CHECK_THAT(error_of(cli::parse_vary("x=1..10000000")), Catch::Contains("at most"));
    CHECK_THAT(error_of(cli::parse_vary("a..b=1")), Catch::StartsWith("--vary a..b=1: "));
  }
  SECTION("a step without the range's unit is refused, not guessed") {
    CHECK_THAT(error_of(cli::parse_vary("c.arrivals.rate=6000/s..12000/s:2000")),
               Catch::Contains("the step 2000 has no unit; write it in the range's: 2000/s"));
    CHECK_THAT(error_of(cli::parse_vary("x=1..3:1ms")),
               Catch::Contains("the step's unit ms is not the range's (none)"));
  }
  SECTION("ranges of 64-bit seeds count exactly") {
    CHECK(vary_of(cli::parse_vary("seed=18446744073709551613..18446744073709551615")).values ==
          V{"18446744073709551613", "18446744073709551614", "18446744073709551615"});
  }
  SECTION("numbers too long to count in say so, and are never taken as plain values") {
    CHECK_THAT(error_of(cli::parse_vary("seed=1..123456789012345678901234567")),
               Catch::Contains("has more than 26 digits: too long to count in"));
    CHECK_THAT(error_of(cli::parse_vary("x=1..2:0.0000001")), Catch::Contains("more than 6 digits after the point"));
    CHECK_THAT(error_of(cli::parse_vary("x=1..2:" + std::string(40, '1'))),
               Catch::Contains("the step " + std::string(40, '1') + " has more than 26 digits"));
  }
}

TEST_CASE("overlapping --vary paths are found", "[sweep][vary]") {
  CHECK(cli::paths_overlap("a.b", "a.b"));
  CHECK(cli::paths_overlap("a.b", "a.b.c"));
  CHECK(cli::paths_overlap("a.b[0].c", "a.b"));
  CHECK(cli::paths_overlap("a.b", "a.b[1]"));
  CHECK_FALSE(cli::paths_overlap("a.b", "a.bc"));
  CHECK_FALSE(cli::paths_overlap("a.b.c", "a.b.d"));
}

TEST_CASE("unsigned flags are read strictly, with the real reason", "[cli][arguments]") {
  const std::uint64_t max = UINT64_MAX;
  CHECK(cli::unsigned_problem("0", 0, max).empty());
  CHECK(cli::unsigned_problem("18446744073709551615", 0, max).empty());
  CHECK_THAT(cli::unsigned_problem("-1", 0, max), Catch::Contains("got \"-1\""));
  CHECK_THAT(cli::unsigned_problem("18446744073709551616", 0, max), Catch::Contains("which is larger"));
  CHECK_THAT(cli::unsigned_problem("-18446744073709551615", 0, max), Catch::Contains("expected an integer in [0, "));
  CHECK_THAT(cli::unsigned_problem("1e3", 0, max), Catch::Contains("expected an integer"));
  CHECK_THAT(cli::unsigned_problem("+5", 0, max), Catch::Contains("expected an integer"));
  CHECK_THAT(cli::unsigned_problem("0", 1, 1024), Catch::Contains("in [1, 1024], got 0"));
  CHECK_THAT(cli::unsigned_problem("1025", 1, 1024), Catch::Contains("which is larger"));
}

TEST_CASE("a grid is the nested loops of the --vary arguments in order", "[sweep][vary]") {
  const std::vector<cli::Vary> varies{vary_of(cli::parse_vary("a=1,2")), vary_of(cli::parse_vary("b=x,y,z"))};
  CHECK(cli::grid_size(varies) == 6);
  const auto grid = cli::expand_grid(varies);
  REQUIRE(grid.size() == 6);
  CHECK(cli::describe_point(grid[0]) == "a=1, b=x");
  CHECK(cli::describe_point(grid[1]) == "a=1, b=y");
  CHECK(cli::describe_point(grid[3]) == "a=2, b=x");
  CHECK(grid[5][0].origin == "--vary a=2");
  CHECK(cli::expand_grid({}).size() == 1);
}

TEST_CASE("a replication's seed depends only on the scenario seed, the point and the index", "[sweep][seeds]") {
  const cli::Point ab{{"a", "1", "--vary a=1,2"}, {"b", "x", "--vary b=x"}};
  const cli::Point ba{{"b", "x", "--vary b=x,y"}, {"a", "1", "--vary a=1"}};
  // The order of the --vary arguments and how the list was written do not matter.
  CHECK(cli::point_key(ab) == cli::point_key(ba));
  CHECK(cli::replication_seed(5, ab, 3) == cli::replication_seed(5, ba, 3));
  CHECK(cli::replication_seed(5, ab, 3) != cli::replication_seed(5, ab, 4));
  CHECK(cli::replication_seed(5, ab, 3) != cli::replication_seed(6, ab, 3));
  const cli::Point other{{"a", "2", ""}, {"b", "x", ""}};
  CHECK(cli::replication_seed(5, ab, 0) != cli::replication_seed(5, other, 0));
}

TEST_CASE("a point's numbers are the same whether swept alone or with others", "[sweep][seeds]") {
  const std::string file = write_scenario("seed-independence");
  const auto grid =
      sweep(file, {"hosts.server.listeners[0].backlog=2,4,8", "clients.load.arrivals.rate=400/s,500/s"}, 3, 2, "grid");
  INFO(grid.err);
  REQUIRE(grid.exit_code == 0);
  const auto alone =
      sweep(file, {"clients.load.arrivals.rate=500/s", "hosts.server.listeners[0].backlog=4"}, 3, 1, "alone");
  INFO(alone.err);
  REQUIRE(alone.exit_code == 0);
  const auto grid_rows = parse_csv(grid.csv);
  const auto alone_rows = parse_csv(alone.csv);
  REQUIRE(grid_rows.size() == 6);
  REQUIRE(alone_rows.size() == 1);
  const Row& in_grid = grid_rows[3];  // backlog 4 (second), rate 500/s (second)
  REQUIRE(in_grid.at("hosts.server.listeners[0].backlog") == "4");
  REQUIRE(in_grid.at("clients.load.arrivals.rate") == "500/s");
  CHECK(numbers_of(in_grid) == numbers_of(alone_rows[0]));
  // And the points differ from each other: the seeds are not shared by accident.
  CHECK(grid_rows[2].at("refusal_rate_mean") != grid_rows[3].at("refusal_rate_mean"));
}

TEST_CASE("sweep output is byte-identical for -j 1 and -j 2", "[sweep][determinism]") {
  const std::string file = write_scenario("jobs");
  const std::vector<std::string> vary{"hosts.server.listeners[0].backlog=1..6",
                                      "hosts.server.listeners[0].workers=4,8"};
  const auto one = sweep(file, vary, 3, 1, "j1");
  const auto two = sweep(file, vary, 3, 2, "j2");
  INFO(one.err << two.err);
  REQUIRE(one.exit_code == 0);
  REQUIRE(two.exit_code == 0);
  CHECK(parse_csv(one.csv).size() == 12);
  CHECK(one.csv == two.csv);
  CHECK(one.json == two.json);
  CHECK(one.json.find("\"interrupted\": false") != std::string::npos);
}

TEST_CASE("a bad --vary is an exit-2 error naming it, and nothing is written", "[sweep]") {
  const std::string file = write_scenario("bad-vary");
  fs::remove(scratch() / "bad.csv");
  SECTION("a bad value") {
    const auto r = sweep(file, {"hosts.server.listeners[0].backlog=8,abc"}, 2, 1, "bad");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("bad-vary.yaml:9:31: error: hosts.server.listeners[0].backlog:") &&
                          Catch::Contains("(set by --vary hosts.server.listeners[0].backlog=abc)") &&
                          Catch::Contains("1 of 2 points cannot be loaded"));
  }
  SECTION("a bad path") {
    const auto r = sweep(file, {"hosts.server.listeners[3].backlog=8"}, 2, 1, "bad");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("index [3] is out of range") && Catch::Contains("--vary"));
  }
  SECTION("the same path twice") {
    const auto r = sweep(file, {"hosts.server.os=linux", "hosts.server.os=windows"}, 2, 1, "bad");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("already varied"));
  }
  CHECK_FALSE(fs::exists(scratch() / "bad.csv"));
}

TEST_CASE("the ci95 columns are Student-t half-widths over the replications", "[sweep][statistics]") {
  SECTION("the summary of known samples") {
    const std::vector<double> xs{1, 2, 3, 4, 5};
    const sim::MeanCI ci = cli::summarize(xs, 0.95);
    CHECK(ci.mean == 3);
    CHECK(ci.n == 5);
    // s = sqrt(2.5), t(0.975, 4) = 2.7764451051977987.
    CHECK(ci.half_width == Approx(2.7764451051977987 * std::sqrt(2.5) / std::sqrt(5.0)).epsilon(1e-12));
    // NaN samples (no latency in a replication) are left out and not counted.
    const std::vector<double> with_nan{1, std::nan(""), 3};
    CHECK(cli::summarize(with_nan, 0.95).n == 2);
    CHECK(cli::summarize(with_nan, 0.95).mean == 2);
  }
  SECTION("a metric that does not vary has a zero half-width") {
    // Constant arrivals and service, far below capacity: every replication is the same run.
    const std::string file =
        write_scenario("constant", "{process: constant, rate: 100/s}", "{dist: constant, value: 1ms}");
    const auto r = sweep(file, {}, 5, 2, "constant");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto rows = parse_csv(r.csv);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].at("reps") == "5");
    CHECK(number(rows[0], "attempts_mean") == 1999);  // 10 ms apart from t = 10 ms, before t = 20 s
    CHECK(rows[0].at("attempts_ci95") == "0");
    CHECK(rows[0].at("refusal_rate_mean") == "0");
    CHECK(rows[0].at("refusal_rate_ci95") == "0");
    CHECK(number(rows[0], "connect_p50_ms_mean") == 0);
  }
  SECTION("Poisson attempts: the half-width matches the known variance") {
    // With no retries, attempts in 20 s of Poisson(500/s) are Poisson distributed with
    // variance 500 x 20 = 10000. Over n replications, (n-1)s²/σ² is chi-square with n-1
    // degrees of freedom, so hw / (t·σ/√n) = s/σ lies in the chi-square interval below with
    // probability 99.9%; the mean lies within t(0.9995)·σ/√n of 10000 with probability 99.9%.
    constexpr std::uint32_t n = 30;
    const std::string file = write_scenario("poisson-count");
    const auto r = sweep(file, {}, n, 2, "poisson");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const Row row = parse_csv(r.csv).at(0);
    const double sigma = std::sqrt(10000.0);
    const boost::math::students_t t(n - 1);
    const boost::math::chi_squared chi(n - 1);
    const double t95 = boost::math::quantile(t, 0.975);
    const double ratio = number(row, "attempts_ci95") / (t95 * sigma / std::sqrt(double{n}));
    INFO("hw ratio " << ratio << ", mean " << row.at("attempts_mean"));
    CHECK(ratio >= std::sqrt(boost::math::quantile(chi, 0.0005) / (n - 1)));
    CHECK(ratio <= std::sqrt(boost::math::quantile(chi, 0.9995) / (n - 1)));
    CHECK(std::abs(number(row, "attempts_mean") - 10000) <=
          boost::math::quantile(t, 0.9995) * sigma / std::sqrt(double{n}));
  }
}

TEST_CASE("each metric is read off a run as documented", "[sweep][metrics]") {
  model::RunResults r;
  r.totals.attempts = 1000;
  r.totals.established = 900;
  r.totals.accepted = 850;
  r.totals.refused = 60;
  r.totals.timed_out = 30;
  r.totals.reset = 10;
  r.totals.pending = 50;
  r.clients.emplace_back();
  r.listeners.resize(2);
  r.listeners[0].accept_queue.full_fraction = 0.25;
  r.listeners[1].accept_queue.full_fraction = 0.5;
  const auto at = [](const char* name) { return *cli::find_metric(name); };
  SECTION("rates, the fullest queue and the attempts") {
    const cli::MetricValues v = cli::measure(r);
    CHECK(v[at("refusal_rate")] == 0.06);
    CHECK(v[at("failure_rate")] == Approx(0.15).epsilon(1e-15));
    CHECK(v[at("loss_rate")] == 100.0 / 950.0);  // pending attempts are not decided
    CHECK(v[at("reset_rate")] == 0.01);
    CHECK(v[at("timeout_rate")] == 0.03);
    CHECK(v[at("accept_full_fraction")] == 0.5);  // the max over listeners
    CHECK(v[at("attempts")] == 1000);
  }
  SECTION("percentiles of nothing are NaN, not zero") {
    const cli::MetricValues v = cli::measure(r);
    CHECK(std::isnan(v[at("connect_p50_ms")]));
    CHECK(std::isnan(v[at("connect_p99_ms")]));
    CHECK(std::isnan(v[at("accept_wait_p99_ms")]));
  }
  SECTION("percentiles pool every client group and every listener") {
    for (int i = 0; i < 99; ++i) r.clients[0].connect_latency.record(1'000'000);  // 1 ms
    r.clients.emplace_back();
    r.clients[1].connect_latency.record(3'000'000'000);  // 3 s: the one slow connect
    r.clients[1].connect_latency.record(3'000'000'000);
    r.listeners[1].accept_wait.record(2'000'000);
    const cli::MetricValues v = cli::measure(r);
    CHECK(v[at("connect_p50_ms")] == 1);
    CHECK(v[at("connect_p99_ms")] == 3000);  // rank 100 of 101
    CHECK(v[at("accept_wait_p99_ms")] == 2);
  }
  CHECK(cli::metric_table().size() == cli::kMetricCount);
  CHECK_FALSE(cli::find_metric("nonsense").has_value());
}

TEST_CASE("the CSV and the JSON describe the same points", "[sweep]") {
  const std::string file = write_scenario("csv-json");
  const auto r = sweep(file, {"hosts.server.listeners[0].backlog=2,6"}, 4, 2, "csv-json");
  REQUIRE(r.exit_code == 0);
  const auto rows = parse_csv(r.csv);
  REQUIRE(rows.size() == 2);
  std::string header = r.csv.substr(0, r.csv.find('\n'));
  std::string expected =
      "point,hosts.server.listeners[0].backlog,reps,connect_reps,accept_wait_reps,first_byte_reps,"
      "proxy_queue_wait_reps";
  for (const auto& m : cli::metric_table())
    expected += "," + std::string(m.name) + "_mean," + std::string(m.name) + "_ci95";
  CHECK(header == expected);
  // The JSON keeps every replication's values; the CSV's summary is computed from them.
  CHECK(r.json.find("\"format\": \"synstorm-sweep/1\"") != std::string::npos);
  CHECK(r.json.find("\"points_done\": 2") != std::string::npos);
  CHECK(r.json.find("\"hosts.server.listeners[0].backlog\": \"6\"") != std::string::npos);
}

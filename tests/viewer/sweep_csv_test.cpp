// Tests of viewer's sweep CSV reading: any header, metrics found by name, bands from
// whatever interval columns there are.
#include "viewer/sweep_csv.h"

#include <cmath>
#include <sstream>

#include <catch2/catch.hpp>

namespace {

viewer::CsvTable table(const std::string& text) {
  std::istringstream in(text);
  auto r = viewer::read_csv(in);
  if (auto* err = std::get_if<std::string>(&r)) FAIL(*err);
  return std::get<viewer::CsvTable>(std::move(r));
}

std::string error(const std::string& text) {
  std::istringstream in(text);
  auto r = viewer::read_csv(in);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}

}  // namespace

TEST_CASE("CSV fields may be quoted, hold commas, quotes and line breaks, and end in CRLF", "[viewer][sweep]") {
  const auto t = table("a,\"b,c\",d\r\n1,\"say \"\"hi\"\"\",\"two\nlines\"\r\n\r\n2,,3\n");
  REQUIRE(t.columns == std::vector<std::string>{"a", "b,c", "d"});
  REQUIRE(t.rows.size() == 2);
  REQUIRE(t.rows[0] == std::vector<std::string>{"1", "say \"hi\"", "two\nlines"});
  REQUIRE(t.rows[1] == std::vector<std::string>{"2", "", "3"});
}

TEST_CASE("a CSV with a short row, an open quote or nothing in it is refused with a reason", "[viewer][sweep]") {
  REQUIRE(error("a,b\n1,2\n3\n") == "row 3 has 1 fields, the header 2");
  REQUIRE(error("a,b\n1,\"2\n") == "line 2: a quoted field is not closed");
  REQUIRE(error("") == "the file is empty: expected a header line");
}

TEST_CASE("metrics are the _mean columns; lo/hi or a half-width are their bands; the rest are parameters",
          "[viewer][sweep]") {
  const auto t = table(
      "hosts.web.listeners[0].backlog,reps,refusal_rate_mean,refusal_rate_lo,refusal_rate_hi,"
      "latency_mean,latency_half_width,latency_p99_mean,latency_p99_ci_low,latency_p99_ci_high,events_mean\n"
      "64,10,0.2,0.1,0.3,1,0.5,2,1,3,100\n");
  const viewer::SweepColumns c = viewer::classify_sweep_columns(t);
  REQUIRE(c.metrics.size() == 4);
  REQUIRE(c.metrics[0].name == "refusal_rate");
  REQUIRE(c.metrics[0].lo == 3);
  REQUIRE(c.metrics[0].hi == 4);
  REQUIRE(c.metrics[1].name == "latency");
  REQUIRE(c.metrics[1].half_width == 6);
  REQUIRE_FALSE(c.metrics[1].lo);
  REQUIRE(c.metrics[2].name == "latency_p99");  // its columns are not latency's
  REQUIRE(c.metrics[2].lo == 8);
  REQUIRE(c.metrics[2].hi == 9);
  REQUIRE(c.metrics[3].name == "events");
  REQUIRE_FALSE(c.metrics[3].has_band());
  REQUIRE(c.parameters == std::vector<std::size_t>{0, 1});
}

TEST_CASE("a grid sweep plots one line per value of the other parameter, sorted by x, with its band",
          "[viewer][sweep]") {
  const auto t = table(
      "backlog,workers,reps,rate_mean,rate_hw\n"
      "256,4,5,0.10,0.01\n"
      "64,4,5,0.30,0.02\n"
      "64,8,5,0.20,inf\n"
      "256,8,5,0.05,0.01\n");
  const viewer::SweepColumns c = viewer::classify_sweep_columns(t);
  REQUIRE(viewer::varying_parameters(t, c) == std::vector<std::size_t>{0, 1});
  const auto group = viewer::default_group(t, c, 0);
  REQUIRE(group == 1);
  const viewer::SweepPlot p = viewer::sweep_plot(t, 0, c.metrics.at(0), group);
  REQUIRE(p.x_labels.empty());
  REQUIRE(p.curves.size() == 2);
  REQUIRE(p.curves[0].label == "workers=4");
  REQUIRE(p.curves[0].x == std::vector<double>{64, 256});
  REQUIRE(p.curves[0].mean == std::vector<double>{0.30, 0.10});
  REQUIRE(p.curves[0].lo[0] == Approx(0.28));
  REQUIRE(p.curves[0].hi[1] == Approx(0.11));
  // An infinite half-width (one replication) draws no band at that point.
  REQUIRE(std::isnan(p.curves[1].lo[0]));
  REQUIRE(p.curves[1].hi[1] == Approx(0.06));
}

TEST_CASE("a non-numeric parameter is plotted by category in order of appearance", "[viewer][sweep]") {
  const auto t = table(
      "hosts.web.os,failure_rate_mean,failure_rate_lo,failure_rate_hi\n"
      "windows,0.2,0.1,0.3\nlinux,0.5,0.4,0.6\nfreebsd,nan,0,0\n");
  const viewer::SweepColumns c = viewer::classify_sweep_columns(t);
  REQUIRE_FALSE(viewer::default_group(t, c, 0));
  const viewer::SweepPlot p = viewer::sweep_plot(t, 0, c.metrics.at(0), std::nullopt);
  REQUIRE(p.x_labels == std::vector<std::string>{"windows", "linux", "freebsd"});
  REQUIRE(p.curves.size() == 1);
  REQUIRE(p.curves[0].label == "failure_rate");
  REQUIRE(p.curves[0].x == std::vector<double>{0, 1});
  REQUIRE(p.skipped_rows == 1);
}

TEST_CASE(
    "synstorm sweep's CSV: x is a varied PATH, not the point index or a replication count, and "
    "the other PATH makes the lines",
    "[viewer][sweep]") {
  // The header of docs/sweeps.md, shortened to two metrics.
  const auto t = table(
      "point,hosts.server.listeners[0].backlog,hosts.server.listeners[0].workers,reps,connect_reps,"
      "refusal_rate_mean,refusal_rate_ci95,connect_p99_ms_mean,connect_p99_ms_ci95\n"
      "0,1,6,3,3,0.34,0.0015,4.9,0.09\n"
      "1,1,8,3,2,0.19,0.0014,3.2,0.04\n"
      "2,4,6,3,3,0.28,0.0066,,\n"
      "3,4,8,3,3,0.15,0.0030,5.0,inf\n");
  const viewer::SweepColumns c = viewer::classify_sweep_columns(t);
  REQUIRE(c.metrics.size() == 2);
  REQUIRE(c.metrics[0].half_width == 6);
  const std::vector<std::size_t> xs = viewer::x_candidates(t, c);
  REQUIRE(xs == std::vector<std::size_t>{1, 2, 0, 3, 4});
  REQUIRE(viewer::default_group(t, c, xs[0]) == 2);
  const viewer::SweepPlot p = viewer::sweep_plot(t, xs[0], c.metrics[1], 2);
  REQUIRE(p.skipped_rows == 1);  // an empty mean: no replication had a sample
  REQUIRE(p.curves.size() == 2);
  REQUIRE(p.curves[0].label == "hosts.server.listeners[0].workers=6");
  REQUIRE(p.curves[0].x == std::vector<double>{1});
  REQUIRE(p.curves[1].x == std::vector<double>{1, 4});
  REQUIRE(std::isnan(p.curves[1].hi[1]));
}

TEST_CASE("a confidence band stops at the metric's range: a latency at 0, a rate at 0 and 1", "[viewer][sweep]") {
  // Three replications: the half-width t(0.975, 2)·s/√3 = 4.30·s/√3 is wider than the mean
  // when the spread is large, but a latency is never below 0 nor a rate above 1.
  const auto t = table(
      "backlog,connect_p99_ms_mean,connect_p99_ms_ci95,failure_rate_mean,failure_rate_ci95\n"
      "8,300,1400,0.9,0.3\n16,200,100,0.5,0.1\n");
  const viewer::SweepColumns c = viewer::classify_sweep_columns(t);
  REQUIRE(c.metrics.size() == 2);
  const viewer::SweepPlot latency = viewer::sweep_plot(t, 0, c.metrics[0], std::nullopt);
  REQUIRE(latency.curves[0].lo == std::vector<double>{0, 100});
  REQUIRE(latency.curves[0].hi == std::vector<double>{1700, 300});
  REQUIRE(latency.clipped_points == 1);
  const viewer::SweepPlot rate = viewer::sweep_plot(t, 0, c.metrics[1], std::nullopt);
  REQUIRE(rate.curves[0].lo[0] == Approx(0.6));
  REQUIRE(rate.curves[0].hi[0] == 1.0);
  REQUIRE(rate.curves[0].lo[1] == Approx(0.4));
  REQUIRE(rate.curves[0].hi[1] == Approx(0.6));
  REQUIRE(rate.clipped_points == 1);
  CHECK(viewer::metric_range("accept_full_fraction").hi == 1.0);
  CHECK(std::isinf(viewer::metric_range("attempts").hi));
}

TEST_CASE("the sweep view is chosen by name: metric, x and the lines' parameter", "[viewer][sweep]") {
  const auto t = table(
      "point,backlog,workers,reps,refusal_rate_mean,refusal_rate_ci95,loss_rate_mean,loss_rate_ci95\n"
      "0,1,6,3,0.3,0.01,0.3,0.01\n1,1,8,3,0.2,0.01,0.2,0.01\n"
      "2,4,6,3,0.1,0.01,0.1,0.01\n3,4,8,3,0.05,0.01,0.05,0.01\n");
  const viewer::SweepColumns c = viewer::classify_sweep_columns(t);
  const auto choose = [&](const std::string& m, const std::string& x, const std::string& series) {
    return viewer::choose_sweep_view(t, c, m, x, series);
  };
  // Defaults: the first metric, the first varying parameter, one line per the other.
  auto d = std::get<viewer::SweepChoice>(choose("", "", ""));
  CHECK(c.metrics[d.metric].name == "refusal_rate");
  CHECK(t.columns[d.x] == "backlog");
  REQUIRE(d.group);
  CHECK(t.columns[*d.group] == "workers");
  // By name, with or without _mean; "none" for a single line.
  auto p = std::get<viewer::SweepChoice>(choose("loss_rate", "workers", "none"));
  CHECK(c.metrics[p.metric].name == "loss_rate");
  CHECK(t.columns[p.x] == "workers");
  CHECK_FALSE(p.group);
  p = std::get<viewer::SweepChoice>(choose("loss_rate_mean", "workers", ""));
  CHECK(c.metrics[p.metric].name == "loss_rate");
  REQUIRE(p.group);
  CHECK(t.columns[*p.group] == "backlog");
  // A name that is not there: the choices are named.
  CHECK(std::get<std::string>(choose("p99", "", "")) ==
        "--metric p99: no such metric in the sweep; it has refusal_rate, loss_rate");
  CHECK(std::get<std::string>(choose("", "seed", "")).starts_with("--x seed: no such parameter in the sweep; it has "));
  CHECK(std::get<std::string>(choose("", "backlog", "backlog")) ==
        "--series backlog: not a parameter that varies in the sweep (other than x); choose point, workers, none");
}

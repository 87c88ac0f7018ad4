#include "cli/output.h"
#include "cli/output_files.h"
#include "cli/utilisation.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

TEST_CASE("digests print as 16 hex digits", "[output]") {
  CHECK(cli::digest_hex(0) == "0000000000000000");
  CHECK(cli::digest_hex(0xdeadbeefULL) == "00000000deadbeef");
  CHECK(cli::digest_hex(~0ULL) == "ffffffffffffffff");
}

TEST_CASE("a listener's utilisation counts requests over a proxy's pooled connections, with no M/M/c/K reference",
          "[output]") {
  // 300 connections and 700 pooled requests in 10 s: λ = 100/s; E[S] = 40 ms on 8 workers
  // gives λ·E[S] = 4 erlangs, ρ = 0.5. Workers held between requests are not c free
  // servers, so no queueing reference is offered.
  model::ListenerResults l;
  l.offered = 300;
  l.pooled_requests = 700;
  l.servers = 8;
  l.span_seconds = 10;
  l.service_mean_s = 0.040;
  l.service_exponential = true;
  l.queue_places = 128;
  const cli::Utilisation u = cli::utilisation(l, model::ArrivalKind::kPoisson);
  CHECK(u.arrival_rate == Approx(100));
  CHECK(u.offered == Approx(4));
  CHECK(u.rho == Approx(0.5));
  CHECK_FALSE(u.mmck_blocking);
  CHECK_FALSE(u.erlang_c);
  CHECK(std::string(u.assumptions).find("pooled") != std::string::npos);
  // The same arrivals all with a SYN: the reference applies.
  l.offered = 1000;
  l.pooled_requests = 0;
  const cli::Utilisation direct = cli::utilisation(l, model::ArrivalKind::kPoisson);
  CHECK(direct.offered == Approx(4));
  CHECK(direct.mmck_blocking);
}

TEST_CASE("the JSON document carries the keys the README promises", "[output]") {
  model::RunResults r;
  r.scenario = "s";
  r.seed = 3;
  r.end = sim::Time::zero() + sim::seconds(2);
  model::ClientResults c;
  c.name = "browsers";
  c.counts.attempts = 4;
  c.counts.accepted = 3;
  c.counts.refused = 1;
  c.connect_latency.record(2'000'000);
  r.clients.push_back(c);
  r.totals = c.counts;
  model::ListenerResults l;
  l.host = "web";
  l.port = 80;
  r.listeners.push_back(l);

  const auto j = cli::results_json(r);
  for (const char* key : {"scenario", "seed", "digest", "events", "sim_time_s", "totals", "clients", "listeners"}) {
    CHECK(j.contains(key));
  }
  CHECK(j["sim_time_s"] == 2.0);
  CHECK(j["totals"]["refusal_rate"] == 0.25);
  CHECK(j["totals"]["failure_rate"] == 0.25);
  CHECK(j["clients"]["browsers"]["connect_latency_ms"]["p50"] == 2.0);
  for (const char* key : {"p50", "p90", "p99", "p999", "max"})
    CHECK(j["clients"]["browsers"]["connect_latency_ms"].contains(key));
  const auto& lj = j["listeners"]["web:80"];
  for (const char* key :
       {"syns_received", "syns_dropped", "syncookies_sent", "accepted", "accept_queue", "syn_queue"}) {
    CHECK(lj.contains(key));
  }
  for (const char* key : {"mean", "max", "full_fraction"}) CHECK(lj["accept_queue"].contains(key));
}

namespace {

int files_in(const std::filesystem::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

TEST_CASE("output files are written whole or not at all", "[output]") {
  const auto dir = std::filesystem::path(SYNSTORM_BINARY_DIR) / "output_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = (dir / "out.txt").string();
  SECTION("a complete write replaces the file and leaves no temporary behind") {
    {
      std::ofstream(path) << "old\n";
      cli::OutputFiles out;
      out.add("--json", path);
      REQUIRE(out.prepare({}).empty());
      CHECK(out.write("--json", [](std::ostream& o) { o << "hello\n"; }).empty());
      CHECK(slurp(path) == "old\n");  // not before commit
      CHECK(out.commit().empty());
    }
    CHECK(slurp(path) == "hello\n");
    CHECK(files_in(dir) == 1);
  }
  SECTION("outputs given up before commit leave nothing behind") {
    {
      cli::OutputFiles out;
      out.add("--json", path);
      out.add("--timeseries", (dir / "ts.csv").string());
      REQUIRE(out.prepare({}).empty());
      CHECK(files_in(dir) == 2);  // the two temporaries
      CHECK(out.write("--json", [](std::ostream& o) { o << "x"; }).empty());
    }
    CHECK(files_in(dir) == 0);
  }
  SECTION("a directory that does not exist is reported by prepare, and nothing is created") {
    cli::OutputFiles out;
    out.add("--json", (dir / "missing-dir" / "out.txt").string());
    CHECK_THAT(out.prepare({}), Catch::Contains("cannot create a file in") && Catch::Contains("No such file"));
    CHECK(files_in(dir) == 0);
  }
  SECTION("an existing path that is not a regular file is refused, never replaced") {
    cli::OutputFiles out;
    out.add("--json", "/dev/null");
    out.add("--timeseries", dir.string());
    const std::string problems = out.prepare({});
    CHECK_THAT(problems, Catch::Contains("--json /dev/null: exists and is a character device"));
    CHECK_THAT(problems, Catch::Contains("is a directory"));
    CHECK(std::filesystem::is_character_file("/dev/null"));
  }
  SECTION("two outputs naming the same file are refused, however they are spelled") {
    cli::OutputFiles out;
    out.add("--json", path);
    out.add("--timeseries", (dir / "." / "out.txt").string());
    CHECK_THAT(out.prepare({}), Catch::Contains("the same file as --json"));
    CHECK(files_in(dir) == 0);
  }
  SECTION("standard output twice is refused") {
    cli::OutputFiles out;
    out.add("--out", "-");
    out.add("--json", "-");
    CHECK(out.any_to_stdout());
    CHECK_THAT(out.prepare({}), Catch::Contains("--json -: the same file as --out -"));
  }
  SECTION("an output that is an input is refused, also through a hard link") {
    std::ofstream(path) << "scenario\n";
    std::filesystem::create_hard_link(path, dir / "link.yaml");
    cli::OutputFiles out;
    out.add("--json", (dir / "link.yaml").string());
    CHECK_THAT(out.prepare({path}), Catch::Contains("the same file as the input"));
    CHECK(slurp(path) == "scenario\n");
  }
  SECTION("a symbolic link is followed: its target is replaced and the link stays") {
    std::ofstream(dir / "target.txt") << "old\n";
    std::filesystem::create_symlink("target.txt", dir / "link.txt");
    {
      cli::OutputFiles out;
      out.add("--json", (dir / "link.txt").string());
      REQUIRE(out.prepare({}).empty());
      CHECK(out.write("--json", [](std::ostream& o) { o << "new\n"; }).empty());
      CHECK(out.commit().empty());
    }
    CHECK(std::filesystem::is_symlink(dir / "link.txt"));
    CHECK(slurp(dir / "target.txt") == "new\n");
  }
  SECTION("a planted file at a temporary's name is never written through") {
    // The temporary's name is random and created exclusively: whatever else is in the
    // directory stays as it was.
    std::ofstream(dir / "victim") << "keep\n";
    for (const char* name : {"out.txt.tmp.1", ".out.txt.synstorm-XXXXXX"}) {
      std::filesystem::create_symlink("victim", dir / name);
    }
    {
      cli::OutputFiles out;
      out.add("--json", path);
      REQUIRE(out.prepare({}).empty());
      CHECK(out.write("--json", [](std::ostream& o) { o << "result\n"; }).empty());
      CHECK(out.commit().empty());
    }
    CHECK(slurp(dir / "victim") == "keep\n");
    CHECK(slurp(path) == "result\n");
  }
}

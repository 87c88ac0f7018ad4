#include "cli/output.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

TEST_CASE("digests print as 16 hex digits", "[output]") {
  CHECK(cli::digest_hex(0) == "0000000000000000");
  CHECK(cli::digest_hex(0xdeadbeefULL) == "00000000deadbeef");
  CHECK(cli::digest_hex(~0ULL) == "ffffffffffffffff");
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

TEST_CASE("files are written whole or not at all", "[output]") {
  const auto dir = std::filesystem::path(SYNSTORM_BINARY_DIR) / "output_test";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "out.txt").string();
  SECTION("a complete write replaces the file and leaves no temporary behind") {
    CHECK(cli::write_file_atomically(path, [](std::ostream& o) { o << "hello\n"; }).empty());
    std::ifstream in(path);
    std::string s((std::istreambuf_iterator<char>(in)), {});
    CHECK(s == "hello\n");
    int files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
    CHECK(files == 1);
  }
  SECTION("an unwritable destination reports an error and creates nothing") {
    const auto bad = (dir / "missing-dir" / "out.txt").string();
    CHECK_FALSE(cli::write_file_atomically(bad, [](std::ostream& o) { o << "x"; }).empty());
    CHECK_FALSE(std::filesystem::exists(bad));
  }
}

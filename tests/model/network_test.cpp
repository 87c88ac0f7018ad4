// Tests of model/network.h: routing over the links, and one crossing's delay and loss.
#include "model/network.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using model::LinkSpec;
using sim::milliseconds;

// 99.9% two-sided normal quantile: the tolerance of every statistical check below.
constexpr double kZ999 = 3.2905;

// A scenario skeleton: the given hosts, and one client group per entry of `targets`
// (named c0, c1, ...) aiming at that host index, joined by `links` over `routers`.
model::ScenarioSpec make_spec(std::vector<std::string> hosts, std::vector<std::size_t> targets,
                              std::vector<std::string> routers, std::vector<LinkSpec> links) {
  model::ScenarioSpec spec;
  for (auto& name : hosts) {
    model::HostSpec h;
    h.name = std::move(name);
    spec.hosts.push_back(std::move(h));
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    model::ClientSpec c;
    c.name = "c" + std::to_string(i);
    c.target_host = targets[i];
    spec.clients.push_back(std::move(c));
  }
  spec.network = model::NetworkSpec{std::move(routers), std::move(links)};
  return spec;
}

// Adds a balancer named `name` in front of the given host indices (port 80 each), and
// client groups aimed at it (named b0, b1, ... after the existing ones).
void add_balancer(model::ScenarioSpec& spec, std::string name, std::vector<std::size_t> backends,
                  std::size_t clients = 1) {
  model::BalancerSpec b;
  b.name = std::move(name);
  b.port = 80;
  for (const std::size_t h : backends) b.backends.push_back({h, 80});
  spec.balancers.push_back(std::move(b));
  for (std::size_t i = 0; i < clients; ++i) {
    model::ClientSpec c;
    c.name = "b" + std::to_string(i);
    c.balancer = spec.balancers.size() - 1;
    spec.clients.push_back(std::move(c));
  }
}

LinkSpec link(std::string a, std::string b, sim::Duration latency, sim::Duration jitter = sim::Duration::zero(),
              double loss = 0.0) {
  return LinkSpec{std::move(a), std::move(b), latency, jitter, loss};
}

model::Network build_ok(const model::ScenarioSpec& spec) {
  model::NetworkBuild b = model::Network::build(spec);
  INFO((b.unreachable.empty() ? "" : b.unreachable.front()));
  REQUIRE(b.network.has_value());
  REQUIRE(b.unreachable.empty());
  return std::move(*b.network);
}

using Links = std::vector<std::uint32_t>;

}  // namespace

TEST_CASE("routing takes the path of least summed latency", "[network]") {
  SECTION("across a diamond, the faster branch") {
    const auto spec = make_spec({"web"}, {0}, {"r1", "r2"},
                                {link("c0", "r1", milliseconds(10)), link("r1", "web", milliseconds(10)),
                                 link("c0", "r2", milliseconds(5)), link("r2", "web", milliseconds(6))});
    const model::Network net = build_ok(spec);
    CHECK(net.path(0).links == Links{2, 3});
    CHECK(net.path(0).latency == milliseconds(11));
    CHECK(net.link(3).b == "web");
  }
  SECTION("a longer chain of links when it is faster than a direct one") {
    const auto spec = make_spec({"web"}, {0}, {"a", "b"},
                                {link("c0", "web", milliseconds(30)), link("c0", "a", milliseconds(1)),
                                 link("a", "b", milliseconds(2)), link("b", "web", milliseconds(3))});
    const model::Network net = build_ok(spec);
    CHECK(net.path(0).links == Links{1, 2, 3});
    CHECK(net.path(0).latency == milliseconds(6));
  }
  SECTION("the cheaper of two parallel links") {
    const auto spec =
        make_spec({"web"}, {0}, {}, {link("web", "c0", milliseconds(4)), link("c0", "web", milliseconds(3))});
    CHECK(build_ok(spec).path(0).links == Links{1});
  }
  SECTION("each client group its own path, links named in either order") {
    const auto spec = make_spec({"web", "db"}, {1, 0}, {"core"},
                                {link("core", "c0", milliseconds(1)), link("db", "core", milliseconds(2)),
                                 link("c1", "core", milliseconds(3)), link("core", "web", milliseconds(4))});
    const model::Network net = build_ok(spec);
    CHECK(net.path(0).links == Links{0, 1});
    CHECK(net.path(0).latency == milliseconds(3));
    CHECK(net.path(1).links == Links{2, 3});
    CHECK(net.path(1).latency == milliseconds(7));
  }
}

TEST_CASE("ties between equally fast paths are broken by the documented rule", "[network]") {
  SECTION("equal latency: the fewest links") {
    const auto spec = make_spec(
        {"web"}, {0}, {"r"},
        {link("c0", "r", milliseconds(5)), link("r", "web", milliseconds(5)), link("c0", "web", milliseconds(10))});
    CHECK(build_ok(spec).path(0).links == Links{2});
  }
  SECTION("equal latency and links: from the host back, the lowest link index at each node") {
    // Both branches take 10 ms over two links; the host's lowest-indexed link on a best path
    // is r2-web (1), then c0-r2 (2) — whatever order the branches were listed in.
    const auto spec = make_spec({"web"}, {0}, {"r1", "r2"},
                                {link("c0", "r1", milliseconds(4)), link("r2", "web", milliseconds(5)),
                                 link("c0", "r2", milliseconds(5)), link("r1", "web", milliseconds(6))});
    const model::Network net = build_ok(spec);
    CHECK(net.path(0).links == Links{2, 1});
    CHECK(net.path(0).latency == milliseconds(10));
  }
  SECTION("zero-latency links: fewest links, no loop") {
    const auto spec = make_spec({"web"}, {0}, {"r1", "r2"},
                                {link("r1", "r2", sim::Duration::zero()), link("c0", "r1", sim::Duration::zero()),
                                 link("r2", "web", sim::Duration::zero()), link("r1", "web", sim::Duration::zero())});
    const model::Network net = build_ok(spec);
    CHECK(net.path(0).links == Links{1, 3});
    CHECK(net.path(0).latency == sim::Duration::zero());
  }
  SECTION("the choice does not depend on the order of the routers") {
    auto spec = make_spec({"web"}, {0}, {"r1", "r2"},
                          {link("c0", "r1", milliseconds(5)), link("r1", "web", milliseconds(5)),
                           link("c0", "r2", milliseconds(5)), link("r2", "web", milliseconds(5))});
    const Links first = build_ok(spec).path(0).links;
    spec.network->routers = {"r2", "r1"};
    CHECK(build_ok(spec).path(0).links == first);
    CHECK(first == Links{0, 1});
  }
}

TEST_CASE("client groups that cannot reach their host are reported", "[network]") {
  const auto spec = make_spec(
      {"web", "db"}, {0, 1, 0}, {"island"},
      {link("c0", "web", milliseconds(1)), link("c1", "island", milliseconds(1)), link("c2", "db", milliseconds(1))});
  const model::NetworkBuild b = model::Network::build(spec);
  CHECK_FALSE(b.network.has_value());
  CHECK(b.unreachable == std::vector<std::string>{"c1 -> db", "c2 -> web"});
  CHECK(b.unreachable_clients == std::vector<std::size_t>{1, 2});
  CHECK(b.unreachable_backends.empty());
}

TEST_CASE("unreachable balancers and backends are reported as pairs, clients first", "[network][balancer]") {
  // c0 reaches web directly; lb reaches web but not db; b0 cannot reach lb; lb2 reaches
  // nothing and no client aims at it (still reported: its backends are part of the file).
  auto spec = make_spec(
      {"web", "db"}, {0}, {"r"},
      {link("c0", "web", milliseconds(1)), link("lb", "r", milliseconds(1)), link("r", "web", milliseconds(1))});
  add_balancer(spec, "lb", {0, 1});
  add_balancer(spec, "lb2", {1, 0}, 0);
  const model::NetworkBuild b = model::Network::build(spec);
  CHECK_FALSE(b.network.has_value());
  CHECK(b.unreachable == std::vector<std::string>{"b0 -> lb", "lb -> db", "lb2 -> db", "lb2 -> web"});
  CHECK(b.unreachable_clients == std::vector<std::size_t>{1});
  CHECK(b.unreachable_backends == std::vector<model::BackendIndex>{{0, 1}, {1, 0}, {1, 1}});

  SECTION("a client reaching its balancer is not blamed for the balancer's backend") {
    spec.network->links.push_back(link("b0", "r", milliseconds(1)));
    spec.balancers.pop_back();
    const model::NetworkBuild again = model::Network::build(spec);
    CHECK(again.unreachable == std::vector<std::string>{"lb -> db"});
    CHECK(again.unreachable_clients.empty());
    CHECK(again.unreachable_backends == std::vector<model::BackendIndex>{{0, 1}});
  }
}

TEST_CASE("a path through a balancer is the route to it, then its route to the backend", "[network][balancer]") {
  // c0 goes to web1 directly; b0 and b1 go through lb, which reaches web1 via r2 and web2
  // over its own link. r1 -- web1 is a short cut for c0 that a path through lb must not take.
  auto spec = make_spec({"web1", "web2"}, {0}, {"r1", "r2"},
                        {link("c0", "r1", sim::microseconds(15'001)), link("r1", "lb", sim::microseconds(250)),
                         link("lb", "r2", milliseconds(1)), link("r2", "web1", sim::microseconds(500)),
                         link("lb", "web2", milliseconds(3)), link("r1", "web1", sim::microseconds(1400))});
  add_balancer(spec, "lb", {0, 1}, 2);
  spec.network->links.push_back(link("b0", "r1", sim::microseconds(15'001)));
  spec.network->links.push_back(link("r1", "b1", milliseconds(20)));
  const model::Network net = build_ok(spec);
  SECTION("the direct client keeps its own shortest path") {
    CHECK(net.path(0).links == Links{0, 5});
    CHECK(net.path(0).latency == sim::microseconds(16'401));
  }
  SECTION("per backend: both legs concatenated, latency exactly their sum") {
    for (const std::uint32_t first : {6u, 7u}) {
      const std::size_t c = first - 5;  // b0 is client 1, b1 client 2
      INFO("client " << c);
      const sim::Duration to_lb = net.link(first).latency + sim::microseconds(250);
      CHECK(net.path(c, 0).links == Links{first, 1, 2, 3});
      CHECK(net.path(c, 0).latency == to_lb + milliseconds(1) + sim::microseconds(500));
      CHECK(net.path(c, 1).links == Links{first, 1, 4});
      CHECK(net.path(c, 1).latency == to_lb + milliseconds(3));
    }
  }
  SECTION("a crossing without jitter or loss takes exactly that latency, per backend") {
    sim::RandomStream rng(5);
    const auto before = rng.state();
    CHECK(net.cross(1, 0, rng) == sim::microseconds(16'751));
    CHECK(net.cross(1, 1, rng) == sim::microseconds(18'251));
    CHECK(net.cross(2, 1, rng) == sim::microseconds(23'250));
    CHECK(rng.state() == before);
  }
}

TEST_CASE("a path through a balancer may go back the way it came", "[network][balancer]") {
  // A one-armed balancer hanging off the router: c0 -> r -> lb -> r -> web crosses r-lb twice.
  auto spec = make_spec({"web"}, {}, {"r"},
                        {link("r", "lb", milliseconds(2), milliseconds(1), 0.5), link("b0", "r", milliseconds(10)),
                         link("r", "web", milliseconds(1))});
  add_balancer(spec, "lb", {0});
  const model::Network net = build_ok(spec);
  CHECK(net.path(0, 0).links == Links{1, 0, 0, 2});
  CHECK(net.path(0, 0).latency == milliseconds(15));

  SECTION("a link crossed twice draws twice, in path order") {
    sim::RandomStream rng(11), replay(11);
    for (int i = 0; i < 200; ++i) {
      std::optional<sim::Duration> expected = milliseconds(15);
      for (int crossing = 0; crossing < 2 && expected; ++crossing) {
        if (replay.uniform01() < 0.5) {
          expected.reset();
        } else {
          *expected += sim::nanoseconds(static_cast<std::int64_t>(replay.below(1'000'001)));
        }
      }
      REQUIRE(net.cross(0, 0, rng) == expected);
    }
  }
}

TEST_CASE("each leg through a balancer breaks ties by the documented rule on its own", "[network][balancer]") {
  // Leg 1, b0 to lb: two routes of 10 ms and two links, via r1 (links 0, 1) or r2 (2, 3);
  // from lb back, its lowest-indexed link on a best route is 1 (r1-lb). Leg 2, lb to web:
  // via r1 (1, 4) or r2 (3, 5), both 10 ms; from web back, the lowest link is 4 (r1-web).
  // Sharing r1 does not matter: each leg is chosen alone.
  auto spec = make_spec(
      {"web"}, {}, {"r1", "r2"},
      {link("b0", "r1", milliseconds(6)), link("r1", "lb", milliseconds(4)), link("b0", "r2", milliseconds(5)),
       link("r2", "lb", milliseconds(5)), link("r1", "web", milliseconds(6)), link("r2", "web", milliseconds(5))});
  add_balancer(spec, "lb", {0});
  const model::Network net = build_ok(spec);
  CHECK(net.path(0, 0).links == Links{0, 1, 1, 4});
  CHECK(net.path(0, 0).latency == milliseconds(20));

  SECTION("the fewest links first, on each leg") {
    spec.network->links.push_back(link("b0", "lb", milliseconds(10)));
    spec.network->links.push_back(link("lb", "web", milliseconds(10)));
    const model::Network fewer = build_ok(spec);
    CHECK(fewer.path(0, 0).links == Links{6, 7});
  }
}

TEST_CASE("balancers are nodes numbered before routers: the order changes no route", "[network][balancer]") {
  auto spec = make_spec({"web"}, {0}, {"r1", "r2"},
                        {link("c0", "r1", milliseconds(5)), link("r1", "web", milliseconds(5)),
                         link("c0", "r2", milliseconds(5)), link("r2", "web", milliseconds(5)),
                         link("r2", "spare", milliseconds(5)), link("spare", "web", milliseconds(5))});
  add_balancer(spec, "spare", {0}, 0);
  const model::Network net = build_ok(spec);
  CHECK(net.path(0).links == Links{0, 1});
  spec.network->routers = {"r2", "r1"};
  CHECK(build_ok(spec).path(0).links == Links{0, 1});
}

TEST_CASE("without a network section every path is empty, instant and lossless", "[network]") {
  auto spec = make_spec({"web", "db"}, {0, 0}, {}, {});
  add_balancer(spec, "lb", {1, 0, 1});
  spec.network.reset();
  const model::Network net = build_ok(spec);
  sim::RandomStream rng(7);
  const auto before = rng.state();
  for (std::size_t c = 0; c < 2; ++c) {
    CHECK(net.path(c).links.empty());
    CHECK(net.cross(c, 0, rng) == sim::Duration::zero());
  }
  for (std::size_t backend = 0; backend < 3; ++backend) {
    CHECK(net.path(2, backend).links.empty());
    CHECK(net.cross(2, backend, rng) == sim::Duration::zero());
  }
  CHECK(rng.state() == before);
}

TEST_CASE("a crossing without jitter or loss takes exactly the latency and draws nothing", "[network]") {
  const auto spec = make_spec({"web"}, {0}, {"r"},
                              {link("c0", "r", sim::microseconds(15'001)), link("r", "web", sim::microseconds(500))});
  const model::Network net = build_ok(spec);
  sim::RandomStream rng(3);
  const auto before = rng.state();
  for (int i = 0; i < 100; ++i) CHECK(net.cross(0, 0, rng) == sim::microseconds(15'501));
  CHECK(rng.state() == before);
}

TEST_CASE("jitter adds a uniform draw per link: the mean is latency + sum(jitter)/2", "[network][statistical]") {
  const std::uint64_t seed = GENERATE(1u, 2u, 3u);
  const sim::Duration j1 = sim::microseconds(1000), j2 = sim::microseconds(300);
  const auto spec =
      make_spec({"web"}, {0}, {"r"}, {link("c0", "r", milliseconds(15), j1), link("r", "web", milliseconds(1), j2)});
  const model::Network net = build_ok(spec);
  sim::RandomStream rng(seed, "jitter");
  constexpr int kN = 100'000;
  double sum = 0;
  for (int i = 0; i < kN; ++i) {
    const auto d = net.cross(0, 0, rng);
    REQUIRE(d.has_value());
    REQUIRE(*d >= milliseconds(16));
    REQUIRE(*d <= milliseconds(16) + j1 + j2);
    sum += static_cast<double>((*d - milliseconds(16)).ns());
  }
  // Each draw is uniform on the integers 0..j: mean j/2, variance j(j + 2)/12.
  const auto var = [](sim::Duration j) {
    const double x = static_cast<double>(j.ns());
    return x * (x + 2) / 12;
  };
  const double expected = static_cast<double>((j1 + j2).ns()) / 2;
  const double half_width = kZ999 * std::sqrt((var(j1) + var(j2)) / kN);
  CHECK(std::abs(sum / kN - expected) <= half_width);
}

TEST_CASE("each link loses a segment independently with its loss", "[network][statistical]") {
  const std::uint64_t seed = GENERATE(1u, 2u, 3u);
  const auto spec = make_spec({"web"}, {0}, {"r"},
                              {link("c0", "r", milliseconds(2), milliseconds(1), 0.1),
                               link("r", "web", milliseconds(3), sim::Duration::zero(), 0.05)});
  const model::Network net = build_ok(spec);
  sim::RandomStream rng(seed, "loss");
  constexpr int kN = 100'000;
  int lost = 0;
  for (int i = 0; i < kN; ++i) lost += net.cross(0, 0, rng).has_value() ? 0 : 1;
  const double p = 1 - (1 - 0.1) * (1 - 0.05);
  const double half_width = kZ999 * std::sqrt(p * (1 - p) / kN);
  CHECK(std::abs(static_cast<double>(lost) / kN - p) <= half_width);
}

TEST_CASE("crossings are a function of the stream: same seed, same delays and losses", "[network]") {
  const auto spec = make_spec({"web"}, {0}, {"r"},
                              {link("c0", "r", milliseconds(15), milliseconds(1), 0.2),
                               link("r", "web", milliseconds(1), sim::microseconds(50), 0.1)});
  const model::Network net = build_ok(spec);
  sim::RandomStream a(42, "browsers"), b(42, "browsers");
  std::vector<std::optional<sim::Duration>> first, second;
  for (int i = 0; i < 1000; ++i) first.push_back(net.cross(0, 0, a));
  for (int i = 0; i < 1000; ++i) second.push_back(net.cross(0, 0, b));
  CHECK(first == second);

  SECTION("the draws are made in the documented order") {
    sim::RandomStream rng(9), replay(9);
    for (int i = 0; i < 1000; ++i) {
      std::optional<sim::Duration> expected = milliseconds(16);
      if (replay.uniform01() < 0.2) {
        expected.reset();
      } else {
        *expected += sim::nanoseconds(static_cast<std::int64_t>(replay.below(1'000'001)));
        if (replay.uniform01() < 0.1) {
          expected.reset();
        } else {
          *expected += sim::nanoseconds(static_cast<std::int64_t>(replay.below(50'001)));
        }
      }
      REQUIRE(net.cross(0, 0, rng) == expected);
    }
  }
}

// Kernel experiment: an SO_REUSEPORT group of 4 sockets on 127.0.0.1 with one socket's
// acceptor stalled, against synstorm's reuseport group (docs/reuseport.md).
//
// Four sockets bind one port with SO_REUSEPORT and listen(8). Sockets 1, 3 and 4 are
// accepted from as fast as connections arrive; socket 2 never. 400 non-blocking connects
// are made one by one (each from the port the kernel allocates: the kernel's hash secret
// is random per boot, so binding chosen ports would not make the choice of socket
// reproducible either; what is compared is each socket's share). Expected, on both
// sides: sockets 1, 3, 4 accept every connection hashed to them and overflow nothing;
// socket 2 holds at most backlog + 1 completed connections and the rest of its share
// stays unconnected; and each socket's share is binomial(400, 1/4).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "model/world.h"
#include "report.h"

namespace {

constexpr int kSockets = 4;
constexpr int kStalled = 1;  // socket 2, from 0
constexpr int kBacklog = 8;
constexpr int kConnects = 400;

struct Owned {
  int fd = -1;
  Owned() = default;
  explicit Owned(int f) : fd(f) {}
  Owned(Owned&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Owned& operator=(Owned&&) = delete;
  Owned(const Owned&) = delete;
  ~Owned() {
    if (fd >= 0) ::close(fd);
  }
};

struct KernelShares {
  std::array<int, kSockets> accepted{};
  int connected = 0;  // clients whose connect() completed
};

// The experiment; an empty optional (after report::skip) when the environment cannot run it.
std::optional<KernelShares> run_kernel() {
  std::vector<Owned> listeners;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int k = 0; k < kSockets; ++k) {
    Owned s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const int one = 1;
    if (s.fd < 0 || ::setsockopt(s.fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        ::bind(s.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(s.fd, kBacklog) != 0) {
      kernel::report::skip(std::string("SO_REUSEPORT listener on 127.0.0.1: ") + std::strerror(errno));
      return std::nullopt;
    }
    if (k == 0) {
      socklen_t len = sizeof addr;
      ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&addr), &len);  // the port the others join
    }
    listeners.push_back(std::move(s));
  }
  KernelShares out;
  std::vector<Owned> clients;
  std::vector<Owned> served;
  const auto drain = [&] {
    for (int k = 0; k < kSockets; ++k) {
      if (k == kStalled) continue;
      for (;;) {
        const int a = ::accept4(listeners[static_cast<std::size_t>(k)].fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (a < 0) break;
        served.emplace_back(a);
        ++out.accepted[static_cast<std::size_t>(k)];
      }
    }
  };
  for (int i = 0; i < kConnects; ++i) {
    Owned c(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (c.fd < 0) {
      kernel::report::skip(std::string("socket(): ") + std::strerror(errno));
      return std::nullopt;
    }
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
      kernel::report::skip(std::string("connect(): ") + std::strerror(errno));
      return std::nullopt;
    }
    clients.push_back(std::move(c));
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    drain();
  }
  // Bounded: 300 ms more for the last handshakes, well before the 1 s SYN retransmission.
  for (int t = 0; t < 30; ++t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    drain();
  }
  for (const Owned& c : clients) {
    pollfd p{c.fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (::poll(&p, 1, 0) == 1 && ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
      ++out.connected;
    }
  }
  return out;
}

// The same experiment in synstorm: a Linux host with a group of 4, listen(8), one worker
// per socket with no service time, socket 2 stalled; 400 connects 0.5 ms apart.
model::RunResults run_synstorm() {
  model::ScenarioSpec s;
  s.name = "reuseport-kernel";
  s.seed = 1;
  s.duration = sim::milliseconds(500);
  s.sample_interval = s.duration;
  model::HostSpec h;
  h.name = "srv";
  h.os = model::Os::kLinux;
  h.kernel = model::default_knobs(model::Os::kLinux);
  model::ListenerSpec l;
  l.port = 80;
  l.backlog = {model::BacklogRequest::Kind::kValue, kBacklog};
  l.workers = 1;
  l.reuseport = kSockets;
  h.listeners.push_back(l);
  s.hosts.push_back(h);
  model::ClientSpec c;
  c.name = "c";
  c.os = model::Os::kLinux;
  c.target_host = 0;
  c.target_port = 80;
  c.arrivals = model::BurstArrivals{kConnects, sim::Time::zero(), sim::microseconds(500) * kConnects};
  s.clients.push_back(c);
  model::FaultSpec stall;
  stall.kind = model::FaultKind::kStall;
  stall.length = sim::seconds(10);
  stall.port = 80;
  stall.socket = kStalled + 1;
  s.faults.push_back(stall);
  return model::run_scenario(s);
}

}  // namespace

TEST_CASE("kernel: reuseport group of 4, socket 2 stalled: its share overflows alone, shares match synstorm",
          "[kernel][reuseport]") {
  const std::optional<KernelShares> k = run_kernel();
  if (!k) return;
  const model::RunResults r = run_synstorm();
  REQUIRE(r.listeners.size() == kSockets);
  // A share of 400 connects with p = 1/4: sd = sqrt(400 * 1/4 * 3/4) = 8.66; 99.9% two-sided
  // (3.29 sd): +-28.5 around 100. Two independent shares differ by at most 3.29 * sqrt(2) sd = 40.3.
  constexpr double kBand = 28.5;
  constexpr double kDiff = 40.3;
  int kernel_others = 0;
  for (int s = 0; s < kSockets; ++s) {
    if (s == kStalled) continue;
    const auto ka = k->accepted[static_cast<std::size_t>(s)];
    const auto sa = r.listeners[static_cast<std::size_t>(s)].accepted;
    INFO("socket " << s + 1 << ": kernel accepted " << ka << ", synstorm " << sa);
    CHECK(std::fabs(ka - 100.0) <= kBand);
    CHECK(std::fabs(static_cast<double>(sa) - 100.0) <= kBand);
    CHECK(std::fabs(ka - static_cast<double>(sa)) <= kDiff);
    CHECK(r.listeners[static_cast<std::size_t>(s)].listen_overflows == 0);
    kernel_others += ka;
  }
  // Socket 2: its completed connections are at most backlog + 1 (Linux: full when
  // ack_backlog > backlog), the rest of its share is left unconnected.
  const int kernel_stalled_completed = k->connected - kernel_others;
  const int kernel_share = kConnects - kernel_others;
  INFO("socket 2: kernel share " << kernel_share << ", completed " << kernel_stalled_completed);
  CHECK(kernel_stalled_completed <= kBacklog + 1);
  CHECK(std::fabs(kernel_share - 100.0) <= kBand);
  const model::ListenerResults& stalled = r.listeners[kStalled];
  CHECK(stalled.accepted == 0);
  CHECK(stalled.accept_queue.max == kBacklog + 1);  // as the kernel's: full when ack_backlog > backlog
  CHECK(stalled.listen_overflows > 0);
  const double synstorm_share = kConnects - static_cast<double>(r.clients[0].counts.accepted);
  INFO("socket 2: synstorm share " << synstorm_share);
  CHECK(std::fabs(synstorm_share - kernel_share) <= kDiff);
}

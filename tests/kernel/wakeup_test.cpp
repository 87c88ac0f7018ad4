// Checked against the real kernel: who wakes when a connection is ready on one listening
// socket that several acceptor threads wait on (docs/fidelity.md, "Event loops on one
// socket"). Four threads wait on a 127.0.0.1 listener, registered one after another: in a
// blocking accept(), in epoll_wait() on their own epoll set (plain), or the same with
// EPOLLEXCLUSIVE. The main thread connects once at a time and waits until some thread has
// accepted, then leaves the threads a few milliseconds to be back in their wait before the
// next connect, so that every connection finds all four waiting. The kernel's per-thread
// split and each thread's wake-ups (its sleeps in accept() or epoll_wait(), from
// /proc/thread-self/status voluntary_ctxt_switches) are compared with synstorm's
// Personality::wake playing four idle loops in the same registration order. Plain epoll's
// split is shown, not checked: who wins a herd's race is the scheduler's.
//
// Bounds: 4 threads, 200 connects per mode, about 2 s per mode, 127.0.0.1 only; every
// descriptor is closed and no sysctl is written.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "model/world.h"
#include "report.h"

namespace {

constexpr int kThreads = 4;
constexpr int kConnects = 200;
constexpr auto kSettle = std::chrono::milliseconds(5);     // woken threads go back to their wait
constexpr auto kRegister = std::chrono::milliseconds(20);  // between two threads' registrations

struct Split {
  std::array<std::int64_t, kThreads> accepted{};
  std::array<std::int64_t, kThreads> wasted{};
  std::array<std::int64_t, kThreads> sleeps{};  // voluntary context switches while waiting
  bool ok = false;
  std::string why;
};

// The calling thread's voluntary context switches: each time it went to sleep (-1: unreadable).
std::int64_t voluntary_switches() {
  std::FILE* f = std::fopen("/proc/thread-self/status", "r");
  if (!f) return -1;
  char line[256];
  std::int64_t n = -1;
  while (std::fgets(line, sizeof line, f)) {
    long long v = 0;
    if (std::sscanf(line, "voluntary_ctxt_switches: %lld", &v) == 1) n = v;
  }
  std::fclose(f);
  return n;
}

// The kernel side: four threads on one socket, `mode` as synstorm names it.
Split measure(model::Wakeup mode) {
  Split s;
  const int lfd = socket(AF_INET, SOCK_STREAM | (mode == model::Wakeup::kAccept ? 0 : SOCK_NONBLOCK), 0);
  if (lfd < 0) {
    s.why = "socket(): " + std::string(std::strerror(errno));
    return s;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, 128) != 0 ||
      getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    s.why = "bind/listen on 127.0.0.1: " + std::string(std::strerror(errno));
    close(lfd);
    return s;
  }
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> taken{0};
  std::array<std::atomic<std::int64_t>, kThreads> accepted{};
  std::array<std::atomic<std::int64_t>, kThreads> wasted{};
  std::array<std::atomic<std::int64_t>, kThreads> sleeps{};
  const int stop_fd = eventfd(0, EFD_NONBLOCK);  // wakes the epoll threads at the end
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      // Every sleep but the last (the wake-up that ends the thread) is a wake-up for a
      // connection: a thread that loses the race sleeps again inside epoll_wait.
      const std::int64_t before = voluntary_switches();
      if (mode == model::Wakeup::kAccept) {
        // Blocking accept(); shutdown() of the listener ends it (EINVAL).
        while (!stop) {
          const int c = accept(lfd, nullptr, nullptr);
          if (c < 0) break;
          ++accepted[i];
          ++taken;
          close(c);
        }
        sleeps[i] = voluntary_switches() - before - 1;
        return;
      }
      const int ep = epoll_create1(0);
      epoll_event ev{};
      ev.events = EPOLLIN | (mode == model::Wakeup::kEpollExclusive ? EPOLLEXCLUSIVE : 0u);
      ev.data.fd = lfd;
      epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
      epoll_event stop_ev{};
      stop_ev.events = EPOLLIN;
      stop_ev.data.fd = stop_fd;
      epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd, &stop_ev);
      const std::int64_t registered = voluntary_switches();
      while (!stop) {
        epoll_event out{};
        if (epoll_wait(ep, &out, 1, -1) <= 0 || out.data.fd == stop_fd) continue;
        const int c = accept(lfd, nullptr, nullptr);
        if (c < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK) ++wasted[i];
          continue;
        }
        ++accepted[i];
        ++taken;
        close(c);
      }
      sleeps[i] = voluntary_switches() - registered - 1;
      close(ep);
    });
    std::this_thread::sleep_for(kRegister);  // thread i registers before thread i + 1
  }
  bool connected = true;
  for (int k = 0; k < kConnects && connected; ++k) {
    const int c = socket(AF_INET, SOCK_STREAM, 0);
    connected = c >= 0 && connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (connected && taken < k + 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    connected = connected && taken >= k + 1;
    std::this_thread::sleep_for(kSettle);
    if (c >= 0) close(c);
  }
  stop = true;
  shutdown(lfd, SHUT_RDWR);  // wakes the blocked accept() calls
  const std::uint64_t one = 1;
  if (write(stop_fd, &one, sizeof one) != sizeof one) connected = false;  // wakes the epoll_wait() calls
  for (auto& t : threads) t.join();
  close(lfd);
  close(stop_fd);
  if (!connected) {
    s.why = "a loopback connection was not accepted within 2 s";
    return s;
  }
  for (int i = 0; i < kThreads; ++i) {
    s.accepted[i] = accepted[i];
    s.wasted[i] = wasted[i];
    s.sleeps[i] = sleeps[i];
  }
  s.ok = true;
  return s;
}

// synstorm's side: four idle loops, no CPU cost, connections one at a time.
model::RunResults simulate(model::Wakeup mode) {
  model::ScenarioSpec spec;
  spec.name = "wakeup";
  spec.duration = sim::seconds(3);
  model::HostSpec h;
  h.name = "server";
  h.os = model::Os::kLinux;
  h.kernel = model::default_knobs(model::Os::kLinux);
  model::ListenerSpec l;
  l.port = 80;
  l.backlog = {model::BacklogRequest::Kind::kValue, 128};
  l.loops = model::EventLoopSpec{.count = kThreads, .wakeup = mode};
  h.listeners.push_back(l);
  spec.hosts.push_back(h);
  model::ClientSpec c;
  c.name = "client";
  c.target_port = 80;
  c.arrivals = model::BurstArrivals{kConnects, sim::Time::zero() + sim::milliseconds(1), sim::seconds(2)};
  spec.clients.push_back(c);
  return model::run_scenario(spec);
}

}  // namespace

TEST_CASE("kernel: the split of connections among threads waiting on one socket", "[kernel][wakeup]") {
  const model::Wakeup mode = GENERATE(model::Wakeup::kAccept, model::Wakeup::kEpoll, model::Wakeup::kEpollExclusive);
  const std::string name(model::wakeup_name(mode));
  const Split k = measure(mode);
  if (!k.ok) {
    kernel::report::skip("wake-up experiment (" + name + "): " + k.why);
    return;
  }
  const model::RunResults r = simulate(mode);
  REQUIRE(r.loops.size() == kThreads);
  kernel::report::Experiment x("wakeup-" + name,
                               "4 threads wait on one socket (" + name + "), 200 connects one at a time");
  // A thread that is not back in its wait when the next connection comes is the only way
  // the kernel can differ from the rule here; 5 ms is far more than a wake-up takes, so
  // we allow a handful of such connections: 3 sigma of a binomial with p = 1% (a miss
  // rate we would already call a disagreement) over 200 connects is 4.2, rounded to 5.
  constexpr std::int64_t kBand = 5;
  const std::string band_why = "a thread not yet back in its wait (3 sigma of a 1% miss rate over 200 connects)";
  for (int i = 0; i < kThreads; ++i) {
    const std::string t = " by thread " + std::to_string(i);
    const auto sim_accepted = static_cast<std::int64_t>(r.loops[i].accepted);
    const auto sim_wakeups = static_cast<std::int64_t>(r.loops[i].wakeups);
    if (mode == model::Wakeup::kEpoll) {
      // Who wins the race is the scheduler's: the model draws it uniformly; shown only.
      x.shown("connections accepted" + t, std::to_string(k.accepted[i]), std::to_string(sim_accepted),
              "the race's winner is the scheduler's; synstorm draws it uniformly");
    } else {
      x.within("connections accepted" + t, k.accepted[i], sim_accepted, kBand, band_why);
    }
    // Wake-ups: the thread's sleeps in its wait (voluntary context switches). A thread may
    // also sleep on the socket lock when several accept() at once, hence the same band.
    if (k.sleeps[i] >= 0) {
      x.within("wake-ups (sleeps in its wait)" + t, k.sleeps[i], sim_wakeups, kBand,
               band_why + "; a sleep on the socket lock");
    }
  }
  if (mode == model::Wakeup::kEpoll) {
    x.note(
        "plain epoll: every thread wakes for every connection (the herd), and the winner varies; "
        "on this machine it leaned towards the thread registered first, which synstorm's uniform race "
        "does not reproduce (the split is shown, not checked).");
  }
}

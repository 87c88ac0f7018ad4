// tests/kernel/loopback.cpp — the loopback experiment runner (see loopback.h).
#include "loopback.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

namespace kernel {

namespace {

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// A descriptor closed on every path out of run(), including exceptions.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    reset(o.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(-1); }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Close with an immediate RST instead of FIN + TIME_WAIT: the experiment is over, and
// hundreds of TIME_WAIT sockets would only hold ephemeral ports for a minute.
void abort_close(Fd& fd) {
  if (fd.get() < 0) return;
  const linger l{1, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  fd.reset(-1);
}

std::int64_t read_integer_file(const char* path) {
  std::ifstream in(path);
  std::int64_t v = -1;
  if (!(in >> v)) return -1;
  return v;
}

// "Prefix: name name ...\nPrefix: value value ..." pairs, as /proc/net/netstat and
// /proc/net/snmp write them, into prefix.name -> value.
std::map<std::string, std::int64_t> read_mib(const char* path) {
  std::map<std::string, std::int64_t> out;
  std::ifstream in(path);
  std::string names, values;
  while (std::getline(in, names) && std::getline(in, values)) {
    std::istringstream n(names), v(values);
    std::string prefix, value_prefix;
    n >> prefix;
    v >> value_prefix;
    if (prefix != value_prefix) break;  // not the format we know: give up on the rest
    std::string name;
    std::int64_t value = 0;
    while (n >> name && v >> value) out[prefix + name] = value;
  }
  return out;
}

// The calling thread's network namespace is replaced by a fresh one with `lo` up, and
// restored when this object dies. Namespaces belong to threads; /proc/thread-self/net and
// /proc/sys/net then show the new namespace's counters and sysctls.
class FreshNetns {
 public:
  static std::unique_ptr<FreshNetns> enter(std::string& why) {
    Fd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (original.get() < 0) {
      why = errno_text("open /proc/thread-self/ns/net");
      return nullptr;
    }
    if (::unshare(CLONE_NEWNET) != 0) {
      why = errno_text("unshare(CLONE_NEWNET)");
      return nullptr;
    }
    std::unique_ptr<FreshNetns> ns(new FreshNetns(std::move(original)));
    // A new namespace's loopback is down; bringing it up also gives it 127.0.0.1.
    Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (s.get() < 0 || ::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) {
      why = errno_text("SIOCGIFFLAGS lo in a new namespace");
      return nullptr;  // the destructor returns to the original namespace
    }
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) {
      why = errno_text("SIOCSIFFLAGS lo up in a new namespace");
      return nullptr;
    }
    return ns;
  }
  ~FreshNetns() {
    if (::setns(original_.get(), CLONE_NEWNET) != 0) {
      // Carrying on in the wrong namespace would make every later result a lie.
      std::fprintf(stderr, "kernel tests: cannot return to the original network namespace: %s\n", std::strerror(errno));
      std::abort();
    }
  }
  FreshNetns(const FreshNetns&) = delete;
  FreshNetns& operator=(const FreshNetns&) = delete;

 private:
  explicit FreshNetns(Fd original) : original_(std::move(original)) {}
  Fd original_;
};

// Enough descriptors for every client, every accepted connection and a few more.
void ensure_fd_limit(std::size_t needed) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) throw EnvironmentError{errno_text("getrlimit(RLIMIT_NOFILE)")};
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= needed) return;
  if (rl.rlim_cur == RLIM_INFINITY) return;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < needed) rl.rlim_max = needed;  // needs CAP_SYS_RESOURCE
  rl.rlim_cur = needed;
  if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    throw EnvironmentError{"cannot raise RLIMIT_NOFILE to " + std::to_string(needed) + " descriptors (" +
                           std::strerror(errno) + "); run with ulimit -n " + std::to_string(needed)};
  }
}

// Writes sysctls of the current (fresh) namespace, checking each took.
void write_sysctls(const std::vector<std::pair<std::string, std::int64_t>>& sysctls) {
  for (const auto& [name, value] : sysctls) {
    const std::string path = "/proc/sys/" + name;
    std::ofstream out(path);
    out << value;
    out.close();
    if (!out || read_integer_file(path.c_str()) != value) {
      throw EnvironmentError{"cannot set " + name + "=" + std::to_string(value) + " in the experiment's namespace"};
    }
  }
}

// The server: one thread that waits in poll() for a connection, accepts it, then stays
// busy for `interval` before it looks again: a server with one worker and a constant
// service time, which is what the model's `workers: 1` is. A thread of its own (not a
// step of the connect loop) so that it wakes the moment the first connection is queued,
// as a worker blocked in accept() does, while the client keeps calling connect().
class Acceptor {
 public:
  Acceptor(int listener, std::optional<std::int64_t> interval_ns, std::int64_t t0, std::int64_t deadline,
           std::size_t capacity)
      : listener_(listener), t0_(t0), deadline_(deadline) {
    if (!interval_ns) return;  // a server that never accepts
    interval_ns_ = *interval_ns;
    accepts_ns.reserve(capacity);
    found_waiting.reserve(capacity);
    accepted.reserve(capacity);
    thread_ = std::thread([this] { loop(); });
  }
  ~Acceptor() { join(); }
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Waits for the thread (it stops at the deadline) and reports its failure, if any.
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  const std::string& error() const { return error_; }

  std::vector<std::int64_t> accepts_ns;     // from t0
  std::vector<std::uint8_t> found_waiting;  // per accept: a connection was waiting when the worker became free
  std::vector<Fd> accepted;

 private:
  void loop() {
    for (;;) {
      const std::int64_t now = monotonic_ns();
      if (now >= deadline_) return;
      // Was a connection already waiting when the worker became free? Then the gap since
      // the previous accept is the worker's real busy time.
      pollfd probe{listener_, POLLIN, 0};
      const bool waiting = ::poll(&probe, 1, 0) > 0;
      const std::int64_t wait = deadline_ - now;
      const timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
      pollfd p{listener_, POLLIN, 0};
      const int ready = ::ppoll(&p, 1, &ts, nullptr);
      if (ready < 0 && errno != EINTR) {
        error_ = errno_text("ppoll (acceptor)");
        return;
      }
      if (ready <= 0) continue;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED || errno == EINTR) continue;
        error_ = errno_text("accept4");
        return;
      }
      const std::int64_t at = monotonic_ns();
      accepts_ns.push_back(at - t0_);
      found_waiting.push_back(waiting ? 1 : 0);
      accepted.emplace_back(fd);
      const std::int64_t busy_until = at + interval_ns_;
      if (busy_until >= deadline_) return;
      const timespec until{static_cast<time_t>(busy_until / 1'000'000'000),
                           static_cast<long>(busy_until % 1'000'000'000)};
      while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {}
    }
  }

  int listener_;
  std::int64_t t0_;
  std::int64_t deadline_;
  std::int64_t interval_ns_ = 0;
  std::string error_;
  std::thread thread_;
};

}  // namespace

Sysctls read_sysctls() {
  Sysctls s;
  s.somaxconn = read_integer_file("/proc/sys/net/core/somaxconn");
  s.tcp_syncookies = read_integer_file("/proc/sys/net/ipv4/tcp_syncookies");
  s.tcp_abort_on_overflow = read_integer_file("/proc/sys/net/ipv4/tcp_abort_on_overflow");
  s.tcp_syn_retries = read_integer_file("/proc/sys/net/ipv4/tcp_syn_retries");
  s.tcp_synack_retries = read_integer_file("/proc/sys/net/ipv4/tcp_synack_retries");
  s.tcp_max_syn_backlog = read_integer_file("/proc/sys/net/ipv4/tcp_max_syn_backlog");
  s.tcp_syn_linear_timeouts = read_integer_file("/proc/sys/net/ipv4/tcp_syn_linear_timeouts");
  return s;
}

Counters read_counters() {
  const auto netstat = read_mib("/proc/thread-self/net/netstat");
  const auto snmp = read_mib("/proc/thread-self/net/snmp");
  Counters c;
  c.available = netstat.count("TcpExt:ListenOverflows") > 0 && snmp.count("Tcp:RetransSegs") > 0;
  auto get = [](const std::map<std::string, std::int64_t>& m, const char* key) {
    const auto it = m.find(key);
    return it == m.end() ? std::int64_t{0} : it->second;
  };
  c.listen_overflows = get(netstat, "TcpExt:ListenOverflows");
  c.listen_drops = get(netstat, "TcpExt:ListenDrops");
  c.syncookies_sent = get(netstat, "TcpExt:SyncookiesSent");
  c.syncookies_recv = get(netstat, "TcpExt:SyncookiesRecv");
  c.syncookies_failed = get(netstat, "TcpExt:SyncookiesFailed");
  c.reqq_full_drop = get(netstat, "TcpExt:TCPReqQFullDrop");
  c.reqq_full_do_cookies = get(netstat, "TcpExt:TCPReqQFullDoCookies");
  c.active_opens = get(snmp, "Tcp:ActiveOpens");
  c.passive_opens = get(snmp, "Tcp:PassiveOpens");
  c.retrans_segs = get(snmp, "Tcp:RetransSegs");
  c.out_rsts = get(snmp, "Tcp:OutRsts");
  return c;
}

Counters operator-(const Counters& a, const Counters& b) {
  Counters d;
  d.available = a.available && b.available;
  d.listen_overflows = a.listen_overflows - b.listen_overflows;
  d.listen_drops = a.listen_drops - b.listen_drops;
  d.syncookies_sent = a.syncookies_sent - b.syncookies_sent;
  d.syncookies_recv = a.syncookies_recv - b.syncookies_recv;
  d.syncookies_failed = a.syncookies_failed - b.syncookies_failed;
  d.reqq_full_drop = a.reqq_full_drop - b.reqq_full_drop;
  d.reqq_full_do_cookies = a.reqq_full_do_cookies - b.reqq_full_do_cookies;
  d.active_opens = a.active_opens - b.active_opens;
  d.passive_opens = a.passive_opens - b.passive_opens;
  d.retrans_segs = a.retrans_segs - b.retrans_segs;
  d.out_rsts = a.out_rsts - b.out_rsts;
  return d;
}

std::string kernel_release() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown";
  return u.release;
}

int kernel_hz() {
  // The timer wheel's granularity is in jiffies, so HZ matters to retransmission timing.
  // Only readable when the kernel was built with CONFIG_IKCONFIG_PROC.
  FILE* p = ::popen("gzip -dc /proc/config.gz 2>/dev/null", "r");
  if (!p) return 0;
  int hz = 0;
  std::array<char, 512> line{};
  while (std::fgets(line.data(), static_cast<int>(line.size()), p)) {
    if (std::strncmp(line.data(), "CONFIG_HZ=", 10) == 0) hz = std::atoi(line.data() + 10);
  }
  ::pclose(p);
  return hz;
}

Isolation probe_isolation() {
  Isolation r;
  std::string why;
  auto ns = FreshNetns::enter(why);
  r.available = ns != nullptr;
  r.why = r.available ? "each experiment runs in a fresh network namespace" : why;
  return r;
}

std::size_t Observation::count(ClientEnd e) const {
  return static_cast<std::size_t>(
      std::count_if(clients.begin(), clients.end(), [e](const ClientRecord& c) { return c.end == e; }));
}

std::size_t Observation::connected_by(std::int64_t within_ns) const {
  return static_cast<std::size_t>(std::count_if(clients.begin(), clients.end(), [within_ns](const ClientRecord& c) {
    return c.end == ClientEnd::kConnected && c.end_ns <= within_ns;
  }));
}

std::size_t Observation::connected_after_call(std::int64_t lo_ns, std::int64_t hi_ns) const {
  return static_cast<std::size_t>(std::count_if(clients.begin(), clients.end(), [&](const ClientRecord& c) {
    if (c.end != ClientEnd::kConnected) return false;
    const std::int64_t latency = c.end_ns - c.connect_ns;
    return latency >= lo_ns && latency < hi_ns;
  }));
}

std::int64_t Observation::mean_connect_gap_ns() const {
  if (clients.size() < 2) return 0;
  return connect_span_ns / static_cast<std::int64_t>(clients.size() - 1);
}

std::int64_t Observation::realised_service_ns() const {
  std::int64_t sum = 0, count = 0;
  for (std::size_t i = 1; i < accepts_ns.size() && i < accept_found_waiting.size(); ++i) {
    if (!accept_found_waiting[i]) continue;  // the worker waited for a connection: not a busy period
    sum += accepts_ns[i] - accepts_ns[i - 1];
    ++count;
  }
  return count ? sum / count : 0;
}

std::vector<std::int64_t> per_second(const std::vector<std::int64_t>& times_ns, int seconds) {
  std::vector<std::int64_t> h(static_cast<std::size_t>(std::max(seconds, 1)), 0);
  for (const std::int64_t t : times_ns) {
    const auto k = static_cast<std::size_t>(std::max<std::int64_t>(0, t / 1'000'000'000));
    ++h[std::min(k, h.size() - 1)];
  }
  return h;
}

Observation run(const Experiment& x) {
  if (x.connects <= 0 || x.connects > 500) throw EnvironmentError{"experiments make 1 to 500 connects"};
  if (x.observe_ns <= 0 || x.observe_ns > 15'000'000'000)
    throw EnvironmentError{"experiments observe for at most 15 s"};
  const auto n = static_cast<std::size_t>(x.connects);
  ensure_fd_limit(2 * n + 64);

  Observation o;
  o.experiment = x;
  std::unique_ptr<FreshNetns> ns;
  if (x.isolate) {
    ns = FreshNetns::enter(o.isolation_note);
    o.isolated = ns != nullptr;
  } else {
    o.isolation_note = "isolation not asked for";
  }
  if (!x.sysctls.empty()) {
    // Per-namespace sysctls only, and only in a namespace of our own.
    if (!o.isolated) {
      throw EnvironmentError{"the experiment sets sysctls, which needs a fresh network namespace (" + o.isolation_note +
                             ")"};
    }
    write_sysctls(x.sysctls);
  }
  o.sysctls = read_sysctls();

  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) throw EnvironmentError{errno_text("socket")};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // an ephemeral port: never collide with anything else on the host
  socklen_t len = sizeof addr;
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::listen(listener.get(), x.backlog) != 0) {
    throw EnvironmentError{errno_text("bind/listen on 127.0.0.1")};
  }

  // Every client socket exists before the first connect(), so that the connect loop
  // spends its time in connect() alone.
  std::vector<Fd> clients;
  clients.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    clients.emplace_back(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (clients.back().get() < 0) throw EnvironmentError{errno_text("socket (client)")};
  }
  Fd ep(::epoll_create1(EPOLL_CLOEXEC));
  if (ep.get() < 0) throw EnvironmentError{errno_text("epoll_create1")};
  o.clients.resize(n);
  const Counters before = read_counters();
  const std::int64_t t0 = monotonic_ns();
  const std::int64_t deadline = t0 + x.observe_ns;
  Acceptor acceptor(listener.get(), x.accept_interval_ns, t0, deadline, n);
  std::size_t next = 0;  // the next client to connect
  std::array<epoll_event, 128> events{};

  auto finish_client = [&](std::size_t i, int err, std::int64_t at) {
    ClientRecord& c = o.clients[i];
    c.end_ns = at - t0;
    switch (err) {
      case 0: c.end = ClientEnd::kConnected; break;
      case ECONNREFUSED: c.end = ClientEnd::kRefused; break;
      case ETIMEDOUT: c.end = ClientEnd::kTimedOut; break;
      case ECONNRESET: c.end = ClientEnd::kReset; break;
      default:
        c.end = ClientEnd::kOtherError;
        c.error = err;
        break;
    }
  };

  // One loop, bounded by the deadline: every pass issues the connect()s that are due,
  // records the clients whose handshake ended, or sleeps until the next of those.
  for (;;) {
    std::int64_t now = monotonic_ns();
    while (next < n) {
      const std::int64_t due = t0 + static_cast<std::int64_t>(next) * x.connect_interval_ns;
      if (now < due) break;
      const std::int64_t called = monotonic_ns();
      o.clients[next].connect_ns = called - t0;
      o.max_connect_lateness_ns = std::max(o.max_connect_lateness_ns, called - due);
      const int rc = ::connect(clients[next].get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
      if (rc == 0) {
        finish_client(next, 0, monotonic_ns());
      } else if (errno == EINPROGRESS) {
        epoll_event ev{};
        ev.events = EPOLLOUT;
        ev.data.u64 = next;
        if (::epoll_ctl(ep.get(), EPOLL_CTL_ADD, clients[next].get(), &ev) != 0)
          throw EnvironmentError{errno_text("epoll_ctl")};
      } else {
        finish_client(next, errno, monotonic_ns());
      }
      ++next;
      now = monotonic_ns();
    }
    if (next == n) o.connect_span_ns = o.clients[n - 1].connect_ns - o.clients[0].connect_ns;

    if (now >= deadline) break;

    std::int64_t wake = deadline;
    if (next < n) wake = std::min(wake, t0 + static_cast<std::int64_t>(next) * x.connect_interval_ns);
    const std::int64_t wait = std::max<std::int64_t>(0, wake - now);
    const timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    const int ready = ::epoll_pwait2(ep.get(), events.data(), static_cast<int>(events.size()), &ts, nullptr);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw EnvironmentError{errno_text("epoll_pwait2")};
    }
    const std::int64_t seen = monotonic_ns();
    for (int k = 0; k < ready; ++k) {
      const epoll_event& ev = events[static_cast<std::size_t>(k)];
      const auto i = static_cast<std::size_t>(ev.data.u64);
      int err = 0;
      socklen_t err_len = sizeof err;
      if (::getsockopt(clients[i].get(), SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
      if (err == 0 && !(ev.events & EPOLLOUT)) err = ECONNRESET;  // hung up without an error code
      finish_client(i, err, seen);
      ::epoll_ctl(ep.get(), EPOLL_CTL_DEL, clients[i].get(), nullptr);
    }
  }

  acceptor.join();
  o.counters = read_counters() - before;
  // What each client's retransmission timer was doing at the deadline: evidence for the
  // SYN retransmission schedule without capturing packets.
  for (std::size_t i = 0; i < n; ++i) {
    tcp_info info{};
    socklen_t info_len = sizeof info;
    if (::getsockopt(clients[i].get(), IPPROTO_TCP, TCP_INFO, &info, &info_len) == 0) {
      o.clients[i].retransmits = static_cast<int>(info.tcpi_total_retrans);
      o.clients[i].rto_us = static_cast<std::int64_t>(info.tcpi_rto);
      o.clients[i].tcp_state = static_cast<int>(info.tcpi_state);
    }
  }
  if (!acceptor.error().empty()) throw EnvironmentError{acceptor.error()};
  o.accepts_ns = std::move(acceptor.accepts_ns);
  o.accept_found_waiting = std::move(acceptor.found_waiting);
  for (auto& c : clients) abort_close(c);
  for (auto& a : acceptor.accepted) abort_close(a);
  listener.reset(-1);
  ep.reset(-1);
  return o;  // `ns` returns this thread to its original namespace here
}

namespace {

void pause_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

ClientEnd end_of(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  switch (err) {
    case 0: return ClientEnd::kConnected;
    case ECONNREFUSED: return ClientEnd::kRefused;
    case ETIMEDOUT: return ClientEnd::kTimedOut;
    case ECONNRESET: return ClientEnd::kReset;
    default: return ClientEnd::kOtherError;
  }
}

}  // namespace

HeldObservation run(const HeldRequests& x) {
  if (x.queued < 0 || x.held < 1 || x.queued + x.held > 64) throw EnvironmentError{"1 to 64 clients"};
  ensure_fd_limit(static_cast<std::size_t>(x.queued + x.held) + 64);
  std::string why;
  const auto ns = FreshNetns::enter(why);
  if (!ns) throw EnvironmentError{"this experiment sets sysctls, which needs a fresh network namespace (" + why + ")"};
  write_sysctls(x.sysctls);
  HeldObservation o;
  o.sysctls = read_sysctls();

  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) throw EnvironmentError{errno_text("socket")};
  // tcp_check_req drops a bare final ACK while num_timeout < rskq_defer_accept.
  const int defer_s = 30;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::setsockopt(listener.get(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_s, sizeof defer_s) != 0 ||
      ::bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::listen(listener.get(), x.backlog) != 0) {
    throw EnvironmentError{errno_text("TCP_DEFER_ACCEPT/bind/listen on 127.0.0.1")};
  }
  const Counters before = read_counters();
  // A blocking connect() returns when the SYN-ACK has come: the client is ESTABLISHED,
  // the server holds a request (its final ACK was ignored).
  const auto connect_one = [&]() {
    Fd c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const timeval tv{2, 0};
    if (c.get() < 0 || ::setsockopt(c.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
        ::connect(c.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      throw EnvironmentError{errno_text("connect (held-request experiment)")};
    }
    return c;
  };
  const auto send_byte = [](const Fd& c) {
    const char byte = 'x';
    if (::send(c.get(), &byte, 1, MSG_NOSIGNAL) != 1) throw EnvironmentError{errno_text("send")};
  };
  std::vector<Fd> queued, held;
  for (int i = 0; i < x.queued; ++i) {
    queued.push_back(connect_one());
    send_byte(queued.back());  // completes the request: it joins the accept queue
    pause_ms(5);
  }
  for (int i = 0; i < x.held; ++i) {
    held.push_back(connect_one());
    pause_ms(5);
  }
  for (const Fd& c : held) send_byte(c);
  pause_ms(100);  // loopback delivers at once; the RSTs, if any, have come (before any 200 ms RTO)
  o.counters = read_counters() - before;
  for (const Fd& c : queued) o.queued_ends.push_back(end_of(c.get()));
  for (const Fd& c : held) o.held_ends.push_back(end_of(c.get()));
  for (auto& c : queued) abort_close(c);
  for (auto& c : held) abort_close(c);
  return o;
}

}  // namespace kernel

// The socket calls' error results: every error of the Winsock listen page
// (shared/reference/winsock-listen.md) and the POSIX kernels' own answers.
#include "model/socket_api.h"

#include <vector>

#include <catch2/catch.hpp>

using model::Os;
using model::Personality;
using model::SocketError;
using model::SocketTable;
using model::SocketType;

namespace {
SocketTable table(Os os, std::int64_t max_sockets = 16, std::int64_t max_buffers = 16) {
  return SocketTable(Personality(os, model::default_knobs(os)), max_sockets, max_buffers);
}
std::string name(const model::SocketResult& r, Os os) { return std::string(model::error_name(r.error, os)); }
constexpr model::Address kHostAddress = 0x0a000001;  // 10.0.0.1
}  // namespace

TEST_CASE("Winsock listen page: WSANOTINITIALISED without WSAStartup", "[socket][windows]") {
  auto t = table(Os::kWindows);
  CHECK(name(t.socket(SocketType::kStream), Os::kWindows) == "WSANOTINITIALISED");
  t.wsastartup();
  const auto s = t.socket(SocketType::kStream);
  REQUIRE(s.ok());
  t.wsacleanup();
  CHECK(name(t.listen(s.value, 5), Os::kWindows) == "WSANOTINITIALISED");
}

TEST_CASE("Winsock listen page: WSAENETDOWN while the network subsystem has failed", "[socket][windows]") {
  auto t = table(Os::kWindows);
  t.wsastartup();
  const auto s = t.socket(SocketType::kStream);
  t.bind(s.value, 80, model::kAnyAddress);
  t.set_net_down(true);
  CHECK(name(t.listen(s.value, 5), Os::kWindows) == "WSAENETDOWN");
  t.set_net_down(false);
  CHECK(t.listen(s.value, 5).ok());
}

TEST_CASE("Winsock listen page: WSAEADDRINUSE, at bind or, for a wildcard bind, at listen", "[socket][windows]") {
  auto t = table(Os::kWindows);
  t.wsastartup();
  const auto a = t.socket(SocketType::kStream);
  const auto b = t.socket(SocketType::kStream);
  REQUIRE(t.bind(a.value, 80, kHostAddress).ok());
  SECTION("the same address and port: at bind") {
    CHECK(name(t.bind(b.value, 80, kHostAddress), Os::kWindows) == "WSAEADDRINUSE");
  }
  SECTION("the wildcard address: bind succeeds, listen commits the address and fails") {
    REQUIRE(t.bind(b.value, 80, model::kAnyAddress).ok());
    CHECK(name(t.listen(b.value, 5), Os::kWindows) == "WSAEADDRINUSE");
  }
  SECTION("Linux checks wildcard against specific at bind (inet_csk_get_port)") {
    auto l = table(Os::kLinux);
    const auto x = l.socket(SocketType::kStream);
    const auto y = l.socket(SocketType::kStream);
    REQUIRE(l.bind(x.value, 80, kHostAddress).ok());
    CHECK(name(l.bind(y.value, 80, model::kAnyAddress), Os::kLinux) == "EADDRINUSE");
  }
}

TEST_CASE("Winsock listen page: WSAEINPROGRESS while a blocking call runs on the thread", "[socket][windows]") {
  auto t = table(Os::kWindows);
  t.wsastartup();
  const auto s = t.socket(SocketType::kStream);
  t.bind(s.value, 80, model::kAnyAddress);
  t.block_thread();
  CHECK(name(t.listen(s.value, 5), Os::kWindows) == "WSAEINPROGRESS");
  t.unblock_thread();
  CHECK(t.listen(s.value, 5).ok());
}

TEST_CASE("listen on an unbound socket: WSAEINVAL on Windows, an ephemeral port on Linux", "[socket]") {
  auto w = table(Os::kWindows);
  w.wsastartup();
  CHECK(name(w.listen(w.socket(SocketType::kStream).value, 5), Os::kWindows) == "WSAEINVAL");
  // Linux inet_csk_listen_start -> inet_csk_get_port(sk, 0): autobind, then listen.
  for (Os os : {Os::kLinux, Os::kFreeBSD, Os::kMacOS}) {
    auto t = table(os);
    const auto s = t.socket(SocketType::kStream);
    const auto r = t.listen(s.value, 5);
    CHECK(r.ok());
    CHECK(t.port_of(s.value).value() >= 32768);
  }
}

TEST_CASE("listen on a connected socket: WSAEISCONN on Windows, EINVAL on Linux (inet_listen)", "[socket]") {
  auto w = table(Os::kWindows);
  w.wsastartup();
  const auto s = w.socket(SocketType::kStream);
  w.connect(s.value);
  CHECK(name(w.listen(s.value, 5), Os::kWindows) == "WSAEISCONN");
  auto l = table(Os::kLinux);
  const auto ls = l.socket(SocketType::kStream);
  l.connect(ls.value);
  CHECK(name(l.listen(ls.value, 5), Os::kLinux) == "EINVAL");
}

TEST_CASE("WSAEMFILE / EMFILE when the descriptor table is full", "[socket]") {
  for (Os os : {Os::kWindows, Os::kLinux}) {
    auto t = table(os, 2);
    t.wsastartup();
    CHECK(t.socket(SocketType::kStream).ok());
    CHECK(t.socket(SocketType::kStream).ok());
    CHECK(name(t.socket(SocketType::kStream), os) == (os == Os::kWindows ? "WSAEMFILE" : "EMFILE"));
  }
}

TEST_CASE("WSAENOBUFS / ENOBUFS when buffer space runs out first", "[socket]") {
  for (Os os : {Os::kWindows, Os::kLinux}) {
    auto t = table(os, 16, 1);
    t.wsastartup();
    CHECK(t.socket(SocketType::kStream).ok());
    CHECK(name(t.socket(SocketType::kStream), os) == (os == Os::kWindows ? "WSAENOBUFS" : "ENOBUFS"));
  }
}

TEST_CASE("WSAENOTSOCK for a descriptor that is not a socket; POSIX EBADF for a closed one", "[socket]") {
  auto w = table(Os::kWindows);
  w.wsastartup();
  CHECK(name(w.listen(1, 5), Os::kWindows) == "WSAENOTSOCK");
  CHECK(name(w.listen(42, 5), Os::kWindows) == "WSAENOTSOCK");
  auto l = table(Os::kLinux);
  CHECK(name(l.listen(1, 5), Os::kLinux) == "ENOTSOCK");  // stdout is open but no socket
  const auto s = l.socket(SocketType::kStream);
  l.close(s.value);
  CHECK(name(l.listen(s.value, 5), Os::kLinux) == "EBADF");
}

TEST_CASE("WSAEOPNOTSUPP / EOPNOTSUPP: listen on a datagram socket", "[socket]") {
  for (Os os : {Os::kWindows, Os::kLinux}) {
    auto t = table(os);
    t.wsastartup();
    const auto s = t.socket(SocketType::kDgram);
    t.bind(s.value, 53, model::kAnyAddress);
    CHECK(name(t.listen(s.value, 5), os) == (os == Os::kWindows ? "WSAEOPNOTSUPP" : "EOPNOTSUPP"));
  }
}

TEST_CASE("listen again: Windows keeps the backlog, Linux takes the new one", "[socket]") {
  auto w = table(Os::kWindows);
  w.wsastartup();
  const auto ws = w.socket(SocketType::kStream);
  w.bind(ws.value, 80, model::kAnyAddress);
  CHECK(w.listen(ws.value, 5).value == 5);
  CHECK(w.listen(ws.value, 50).value == 5);
  CHECK(w.listen(ws.value, 0).value == 5);  // "not considered a proper reset"
  auto l = table(Os::kLinux);
  const auto ls = l.socket(SocketType::kStream);
  l.bind(ls.value, 80, model::kAnyAddress);
  CHECK(l.listen(ls.value, 5).value == 5);
  CHECK(l.listen(ls.value, 50).value == 50);
}

TEST_CASE("accept with no descriptor left fails, and a later accept takes the connection", "[socket]") {
  // Winsock listen page: "If there are no available socket descriptors, listen attempts
  // to continue to function. If descriptors become available, a later call to listen or
  // accept will refill the queue."
  auto t = table(Os::kWindows, 2);
  t.wsastartup();
  const auto s = t.socket(SocketType::kStream);
  t.bind(s.value, 80, model::kAnyAddress);
  REQUIRE(t.listen(s.value, 5).ok());
  const auto other = t.socket(SocketType::kStream);  // the last descriptor
  CHECK(name(t.accept(s.value, true), Os::kWindows) == "WSAEMFILE");
  CHECK(t.is_listening(s.value));
  t.close(other.value);
  CHECK(t.accept(s.value, true).ok());
  CHECK(name(t.accept(s.value, false), Os::kWindows) == "WSAEWOULDBLOCK");
}

TEST_CASE("connect on a listening socket: WSAEINVAL on Windows, EISCONN on Linux (__inet_stream_connect)", "[socket]") {
  auto w = table(Os::kWindows);
  w.wsastartup();
  const auto ws = w.socket(SocketType::kStream);
  w.bind(ws.value, 80, model::kAnyAddress);
  w.listen(ws.value, 5);
  CHECK(name(w.connect(ws.value), Os::kWindows) == "WSAEINVAL");
  auto l = table(Os::kLinux);
  const auto ls = l.socket(SocketType::kStream);
  l.listen(ls.value, 5);
  CHECK(name(l.connect(ls.value), Os::kLinux) == "EISCONN");
}

TEST_CASE("bind twice is EINVAL / WSAEINVAL (__inet_bind)", "[socket]") {
  for (Os os : {Os::kWindows, Os::kLinux}) {
    auto t = table(os);
    t.wsastartup();
    const auto s = t.socket(SocketType::kStream);
    CHECK(t.bind(s.value, 80, model::kAnyAddress).ok());
    CHECK(name(t.bind(s.value, 81, model::kAnyAddress), os) == (os == Os::kWindows ? "WSAEINVAL" : "EINVAL"));
  }
}

TEST_CASE("a new descriptor is the lowest one not open (POSIX open(2), socket(2), accept(2))", "[socket]") {
  auto t = table(Os::kLinux);
  std::vector<std::int64_t> fds;
  for (int i = 0; i < 6; ++i) fds.push_back(t.socket(SocketType::kStream).value);
  for (std::size_t i = 1; i < fds.size(); ++i) CHECK(fds[i] == fds[0] + static_cast<std::int64_t>(i));
  // Close 4, 1 and 2 (in that order): they come back lowest first, then the table grows.
  REQUIRE(t.close(fds[4]).ok());
  REQUIRE(t.close(fds[1]).ok());
  REQUIRE(t.close(fds[2]).ok());
  CHECK(t.socket(SocketType::kStream).value == fds[1]);
  CHECK(t.socket(SocketType::kStream).value == fds[2]);
  const auto listener = t.open_listener(80, 5);
  REQUIRE(listener.ok());
  CHECK(listener.value == fds[4]);
  const auto accepted = t.app_accept(listener.value);
  REQUIRE(accepted.ok());
  CHECK(accepted.value == fds[5] + 1);
  t.app_close(fds[3]);
  CHECK(t.app_accept(listener.value).value == fds[3]);
}

TEST_CASE("a RST to a SYN is ECONNREFUSED, WSAECONNREFUSED on Windows (Winsock connect page)", "[socket]") {
  CHECK(model::connect_refused_error(Os::kWindows) == "WSAECONNREFUSED");
  for (Os os : {Os::kLinux, Os::kFreeBSD, Os::kMacOS}) CHECK(model::connect_refused_error(os) == "ECONNREFUSED");
}

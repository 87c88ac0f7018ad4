#include "model/socket_api.h"

#include <algorithm>
#include <functional>

namespace model {

std::string_view error_name(SocketError e, Os os) {
  const bool win = os == Os::kWindows;
  switch (e) {
    case SocketError::kOk: return "OK";
    // POSIX has no WSAStartup and no per-thread blocking state: these two are Windows-only.
    case SocketError::kNotInitialised: return "WSANOTINITIALISED";
    case SocketError::kNetDown: return win ? "WSAENETDOWN" : "ENETDOWN";
    case SocketError::kAddrInUse: return win ? "WSAEADDRINUSE" : "EADDRINUSE";
    case SocketError::kInProgress: return "WSAEINPROGRESS";
    case SocketError::kInval: return win ? "WSAEINVAL" : "EINVAL";
    case SocketError::kIsConn: return win ? "WSAEISCONN" : "EISCONN";
    case SocketError::kMFile: return win ? "WSAEMFILE" : "EMFILE";
    case SocketError::kNoBufs: return win ? "WSAENOBUFS" : "ENOBUFS";
    case SocketError::kNotSock: return win ? "WSAENOTSOCK" : "ENOTSOCK";
    case SocketError::kBadF: return win ? "WSAENOTSOCK" : "EBADF";
    case SocketError::kOpNotSupp: return win ? "WSAEOPNOTSUPP" : "EOPNOTSUPP";
    case SocketError::kWouldBlock: return win ? "WSAEWOULDBLOCK" : "EAGAIN";
  }
  return "?";
}

std::string_view connect_refused_error(Os os) { return os == Os::kWindows ? "WSAECONNREFUSED" : "ECONNREFUSED"; }
std::string_view connect_reset_error(Os os) { return os == Os::kWindows ? "WSAECONNRESET" : "ECONNRESET"; }

SocketTable::SocketTable(Personality personality, std::int64_t max_sockets, std::int64_t max_buffers)
    : personality_(personality), max_sockets_(max_sockets), max_buffers_(max_buffers) {}

namespace {
bool is_windows(const Personality& p) { return p.os() == Os::kWindows; }
}  // namespace

SocketTable::Socket* SocketTable::find(std::int64_t fd) {
  const std::int64_t i = fd - kFirstDescriptor;
  if (i < 0 || i >= static_cast<std::int64_t>(sockets_.size()) || !sockets_[static_cast<std::size_t>(i)].open) {
    return nullptr;
  }
  return &sockets_[static_cast<std::size_t>(i)];
}
const SocketTable::Socket* SocketTable::find(std::int64_t fd) const { return const_cast<SocketTable*>(this)->find(fd); }

std::optional<SocketError> SocketTable::precheck(std::int64_t fd) const {
  if (is_windows(personality_)) {
    // Winsock listen page, in the order it lists the errors.
    if (!started_) return SocketError::kNotInitialised;
    if (net_down_) return SocketError::kNetDown;
    if (thread_blocked_) return SocketError::kInProgress;  // Winsock 1.1 blocking call
    if (!find(fd)) return SocketError::kNotSock;
    return std::nullopt;
  }
  // POSIX: fs/file.c fdget fails on a closed descriptor (EBADF); net/socket.c
  // sockfd_lookup answers ENOTSOCK for an open descriptor that is not a socket (the
  // standard streams here).
  if (fd >= 0 && fd < kFirstDescriptor) return SocketError::kNotSock;
  if (!find(fd)) return SocketError::kBadF;
  return std::nullopt;
}

std::int64_t SocketTable::allocate() {
  // The lowest free descriptor, as POSIX requires of new descriptors: the least closed
  // entry, else a new one at the end.
  std::size_t i = sockets_.size();
  if (!free_.empty()) {
    std::pop_heap(free_.begin(), free_.end(), std::greater<>());
    i = free_.back();
    free_.pop_back();
  } else {
    sockets_.emplace_back();
  }
  sockets_[i] = Socket{};
  sockets_[i].open = true;
  ++open_;
  return static_cast<std::int64_t>(i) + kFirstDescriptor;
}

void SocketTable::release(Socket& s) {
  s = Socket{};
  --open_;
  free_.push_back(static_cast<std::size_t>(&s - sockets_.data()));
  std::push_heap(free_.begin(), free_.end(), std::greater<>());
}

SocketResult SocketTable::wsastartup() {
  started_ = true;
  return {};
}

SocketResult SocketTable::wsacleanup() {
  if (is_windows(personality_) && !started_) return {SocketError::kNotInitialised};
  started_ = false;
  return {};
}

SocketResult SocketTable::socket(SocketType type) {
  if (is_windows(personality_)) {
    if (!started_) return {SocketError::kNotInitialised};
    if (net_down_) return {SocketError::kNetDown};
    if (thread_blocked_) return {SocketError::kInProgress};
  }
  if (open_ >= max_sockets_) return {SocketError::kMFile};
  if (open_ >= max_buffers_) return {SocketError::kNoBufs};
  const std::int64_t fd = allocate();
  find(fd)->type = type;
  return {SocketError::kOk, fd};
}

bool SocketTable::port_conflict(const Socket& self, int port, Address address, bool listening_only) const {
  for (const Socket& s : sockets_) {
    if (!s.open || &s == &self || s.port != port || s.state == State::kCreated || s.state == State::kConnected)
      continue;
    if (listening_only && s.state != State::kListening) continue;
    if (s.address == address || s.address == kAnyAddress || address == kAnyAddress) return true;
  }
  return false;
}

SocketResult SocketTable::bind(std::int64_t fd, int port, Address address) {
  if (auto e = precheck(fd)) return {*e};
  Socket& s = *find(fd);
  // A socket binds once: net/ipv4/af_inet.c __inet_bind (EINVAL when already bound);
  // Winsock bind: WSAEINVAL "the socket is already bound to an address".
  if (s.state != State::kCreated) return {SocketError::kInval};
  if (is_windows(personality_)) {
    // A bind to the wildcard address is checked against other wildcard binds only; its
    // conflict with a specific address of the same port surfaces at listen(), when the
    // address is committed (Winsock listen page, WSAEADDRINUSE).
    for (const Socket& o : sockets_) {
      if (o.open && &o != &s && o.state != State::kCreated && o.state != State::kConnected && o.port == port &&
          o.address == address) {
        return {SocketError::kAddrInUse};
      }
    }
  } else if (port_conflict(s, port, address, false)) {
    // POSIX kernels check wildcard against specific at bind (inet_csk_get_port).
    return {SocketError::kAddrInUse};
  }
  s.state = State::kBound;
  s.port = port;
  s.address = address;
  return {};
}

SocketResult SocketTable::listen(std::int64_t fd, std::int64_t backlog) {
  if (auto e = precheck(fd)) return {*e};
  Socket& s = *find(fd);
  const bool win = is_windows(personality_);
  // Linux sock_no_listen and Winsock: listen on a non-stream socket is not supported.
  if (s.type != SocketType::kStream) return {SocketError::kOpNotSupp};
  switch (s.state) {
    case State::kConnected:
      // Winsock: WSAEISCONN. Linux inet_listen: sock->state != SS_UNCONNECTED -> EINVAL.
      return {win ? SocketError::kIsConn : SocketError::kInval};
    case State::kCreated:
      if (win) return {SocketError::kInval};  // "The socket has not been bound with bind."
      // Linux inet_csk_listen_start -> get_port(0), FreeBSD/XNU tcp_usr_listen ->
      // in_pcbbind(NULL): an unbound socket is bound to an ephemeral port and listens.
      s.port = next_ephemeral_++;
      s.address = kAnyAddress;
      s.state = State::kBound;
      break;
    case State::kBound:
      if (win && s.address == kAnyAddress && port_conflict(s, s.port, s.address, false)) {
        return {SocketError::kAddrInUse};
      }
      break;
    case State::kListening: break;
  }
  const std::optional<std::int64_t> current =
      s.state == State::kListening ? std::optional<std::int64_t>(s.backlog) : std::nullopt;
  s.backlog = personality_.listen_backlog(backlog, current);
  s.state = State::kListening;
  return {SocketError::kOk, s.backlog};
}

SocketResult SocketTable::accept(std::int64_t fd, bool queued) {
  if (auto e = precheck(fd)) return {*e};
  const Socket& s = *find(fd);
  if (s.type != SocketType::kStream) return {SocketError::kOpNotSupp};
  // Winsock accept: WSAEINVAL "listen was not invoked prior to accept"; Linux
  // inet_accept -> inet_csk_accept: sk_state != TCP_LISTEN -> EINVAL.
  if (s.state != State::kListening) return {SocketError::kInval};
  if (!queued) return {SocketError::kWouldBlock};
  // Winsock listen page: with no descriptor free, the connection stays queued and a
  // later accept() takes it.
  if (open_ >= max_sockets_) return {SocketError::kMFile};
  if (open_ >= max_buffers_) return {SocketError::kNoBufs};
  const std::int64_t nfd = allocate();
  Socket& n = *find(nfd);
  n.state = State::kConnected;
  n.port = find(fd)->port;
  return {SocketError::kOk, nfd};
}

SocketResult SocketTable::connect(std::int64_t fd) {
  if (auto e = precheck(fd)) return {*e};
  Socket& s = *find(fd);
  switch (s.state) {
    case State::kConnected: return {SocketError::kIsConn};
    // Winsock connect: WSAEINVAL for a listening socket; Linux __inet_stream_connect
    // answers EISCONN when sk_state is not TCP_CLOSE.
    case State::kListening: return {is_windows(personality_) ? SocketError::kInval : SocketError::kIsConn};
    case State::kCreated:
    case State::kBound: s.state = State::kConnected; return {};
  }
  return {};
}

SocketResult SocketTable::close(std::int64_t fd) {
  if (auto e = precheck(fd)) return {*e};
  release(*find(fd));
  return {};
}

SocketResult SocketTable::open_listener(int port, std::int64_t backlog) {
  if (open_ >= max_sockets_) return {SocketError::kMFile};
  const std::int64_t fd = allocate();
  Socket& s = *find(fd);
  s.state = State::kListening;
  s.port = port;
  s.backlog = personality_.listen_backlog(backlog, std::nullopt);
  return {SocketError::kOk, fd};
}

SocketResult SocketTable::app_accept(std::int64_t listening_fd) {
  if (open_ >= max_sockets_) return {SocketError::kMFile};
  if (open_ >= max_buffers_) return {SocketError::kNoBufs};
  const int port = find(listening_fd) ? find(listening_fd)->port : 0;
  const std::int64_t fd = allocate();
  Socket& n = *find(fd);
  n.state = State::kConnected;
  n.port = port;
  return {SocketError::kOk, fd};
}

void SocketTable::app_close(std::int64_t fd) {
  if (Socket* s = find(fd)) release(*s);
}

std::optional<std::int64_t> SocketTable::backlog_of(std::int64_t fd) const {
  const Socket* s = find(fd);
  if (!s || s->state != State::kListening) return std::nullopt;
  return s->backlog;
}

std::optional<int> SocketTable::port_of(std::int64_t fd) const {
  const Socket* s = find(fd);
  if (!s || s->state == State::kCreated) return std::nullopt;
  return s->port;
}

bool SocketTable::is_listening(std::int64_t fd) const { return backlog_of(fd).has_value(); }

}  // namespace model

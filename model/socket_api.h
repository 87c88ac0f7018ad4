// model/socket_api.h — the socket calls of one host, with their error results.
//
// A SocketTable is a host's descriptor table and the state machine of its sockets:
// socket(), bind(), listen(), accept(), connect(), close(), and WSAStartup/WSACleanup
// under Windows. Every call returns a SocketResult carrying a SocketError, named the way
// the host's OS names it (WSAEINVAL on Windows, EINVAL on the POSIX kernels). Errors are
// values, never exceptions. The reference for listen() is the Winsock listen page
// (shared/reference/winsock-listen.md); the POSIX behaviours cite the kernels' sources.
//
// The table knows nothing of handshakes: World asks it whether an accept() may take a
// descriptor and tells it which listener a listening socket drives.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "model/personality.h"

namespace model {

enum class SocketError : std::uint8_t {
  kOk,
  kNotInitialised,  // Windows: no successful WSAStartup
  kNetDown,         // the network subsystem has failed (a net_down fault)
  kAddrInUse,       // the local address is taken
  kInProgress,      // Windows: a blocking call is in progress on this thread
  kInval,           // Windows listen: not bound; POSIX listen: not in a state to listen
  kIsConn,          // already connected
  kMFile,           // no descriptor left
  kNoBufs,          // no buffer space left
  kNotSock,         // the descriptor is not a socket
  kBadF,            // POSIX: the descriptor is not open
  kOpNotSupp,       // not a SOCK_STREAM socket
  kWouldBlock,      // nothing to accept on a non-blocking socket
};

// The error's name as the OS reports it: "WSAEINVAL" / "EINVAL", "OK" for success.
std::string_view error_name(SocketError e, Os os);

// The error a client's connect() reports when its SYN is answered by RST, as the OS names
// it: "WSAECONNREFUSED" / "ECONNREFUSED". (Not a SocketError: no socket call of a script
// returns it; it ends a client's attempt.)
std::string_view connect_refused_error(Os os);
// The error a reset connection reports: ECONNRESET, WSAECONNRESET.
std::string_view connect_reset_error(Os os);

enum class SocketType : std::uint8_t { kStream, kDgram };

struct SocketResult {
  SocketError error = SocketError::kOk;
  std::int64_t value = 0;  // socket()/accept(): the descriptor; listen(): the effective backlog
  bool ok() const { return error == SocketError::kOk; }
};

// An IPv4 address as a number; 0 is INADDR_ANY (the wildcard).
using Address = std::uint32_t;
inline constexpr Address kAnyAddress = 0;

class SocketTable {
 public:
  // `max_sockets`: descriptors the host may hold; `max_buffers`: sockets' worth of buffer
  // space (WSAENOBUFS / ENOBUFS once used up).
  SocketTable(Personality personality, std::int64_t max_sockets, std::int64_t max_buffers);

  SocketResult wsastartup();
  SocketResult wsacleanup();
  SocketResult socket(SocketType type);
  SocketResult bind(std::int64_t fd, int port, Address address);
  // `backlog` is the argument as the application passes it (SOMAXCONN, -(n) for
  // SOMAXCONN_HINT(n) ...); the result's value is the limit the kernel uses.
  SocketResult listen(std::int64_t fd, std::int64_t backlog);
  // Takes a completed connection off a listening socket's queue. `queued` says whether
  // one is waiting. On success the new descriptor is the value.
  SocketResult accept(std::int64_t fd, bool queued);
  SocketResult connect(std::int64_t fd);
  SocketResult close(std::int64_t fd);

  // A listening socket opened by a host's own server application (a `listeners:` entry)
  // rather than by a script: it takes a descriptor and its port, without the script's
  // WSAStartup state, which belongs to the script's process.
  SocketResult open_listener(int port, std::int64_t backlog);
  // That application's accept() and close(): descriptor limits apply, the script's
  // process state (WSAStartup, a blocked thread) does not.
  SocketResult app_accept(std::int64_t listening_fd);
  void app_close(std::int64_t fd);

  // A scheduled fault: while down, calls fail with WSAENETDOWN / ENETDOWN.
  void set_net_down(bool down) { net_down_ = down; }
  // A blocking call (accept with nothing queued) holds the thread until `unblock()`.
  void block_thread() { thread_blocked_ = true; }
  void unblock_thread() { thread_blocked_ = false; }

  // For World: the listening socket's current backlog limit and port, or nullopt.
  std::optional<std::int64_t> backlog_of(std::int64_t fd) const;
  std::optional<int> port_of(std::int64_t fd) const;
  bool is_listening(std::int64_t fd) const;
  std::int64_t open_descriptors() const { return open_; }

  // Descriptor numbers start here: 0-2 are the standard streams on POSIX, which are
  // open but are not sockets.
  static constexpr std::int64_t kFirstDescriptor = 3;

 private:
  enum class State : std::uint8_t { kCreated, kBound, kListening, kConnected };
  struct Socket {
    bool open = false;
    SocketType type = SocketType::kStream;
    State state = State::kCreated;
    int port = 0;
    Address address = kAnyAddress;
    std::int64_t backlog = 0;
  };

  // Checks common to every call on an existing descriptor.
  std::optional<SocketError> precheck(std::int64_t fd) const;
  Socket* find(std::int64_t fd);
  const Socket* find(std::int64_t fd) const;
  bool port_conflict(const Socket& self, int port, Address address, bool listening_only) const;
  std::int64_t allocate();
  void release(Socket& s);

  Personality personality_;
  std::int64_t max_sockets_;
  std::int64_t max_buffers_;
  std::vector<Socket> sockets_;    // index = descriptor - kFirstDescriptor
  std::vector<std::size_t> free_;  // the closed entries of sockets_, a min-heap (std::greater)
  std::int64_t open_ = 0;
  bool started_ = false;  // WSAStartup
  bool net_down_ = false;
  bool thread_blocked_ = false;
  int next_ephemeral_ = 32768;  // Linux ip_local_port_range starts at 32768
};

}  // namespace model

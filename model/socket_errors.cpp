#include "model/socket_errors.h"

#include <array>

namespace model {

namespace {

constexpr std::string_view kWinsockListen = "Winsock listen() page";
constexpr std::string_view kWindowsErrors = "scenarios/teaching/windows-listen-errors.yaml";
constexpr std::string_view kLinuxUnbound = "scenarios/teaching/linux-listen-unbound.yaml";
constexpr std::string_view kDescriptors = "scenarios/teaching/descriptor-exhaustion.yaml";
constexpr std::string_view kConnectErrors = "scenarios/teaching/connect-errors.yaml";

using E = SocketError;
using F = OsFamily;

// Rows in the order of SocketError; within one error, the most specific call first. The
// last field is the OSes whose host in `scenario` shows the error.
constexpr std::array<ErrorReason, 23> kReasons = {{
    {E::kNotInitialised, "*", F::kWindows,
     "no WSAStartup has succeeded in this process (or WSACleanup has undone it): every socket call fails until one "
     "does",
     kWinsockListen, kWindowsErrors, F::kWindows},
    {E::kNetDown, "*", F::kWindows,
     "the host's network subsystem has failed (a net_down step); calls fail until net_up", kWinsockListen,
     kWindowsErrors, F::kWindows},
    {E::kInProgress, "*", F::kWindows,
     "a blocking call (an accept() waiting for a connection) holds this thread, and Winsock 1.1 allows one at a time",
     kWinsockListen, kWindowsErrors, F::kWindows},
    {E::kAddrInUse, "listen", F::kWindows,
     "the socket was bound to the wildcard address, which listen() commits: another socket holds the port on a "
     "specific address",
     kWinsockListen, kWindowsErrors, F::kWindows},
    {E::kAddrInUse, "bind", F::kAll,
     "another socket is bound to the same port and an overlapping address (Windows compares wildcards with "
     "specific addresses only at listen)",
     "Linux inet_csk_get_port; Winsock bind page", "", F::kAll},
    {E::kInval, "listen", F::kWindows, "the socket is not bound: call bind() before listen()", kWinsockListen,
     kWindowsErrors, F::kWindows},
    {E::kInval, "listen", F::kPosix,
     "the socket is connected: only an unconnected socket may listen (an unbound one is bound to an ephemeral port "
     "instead)",
     "Linux inet_listen (sock->state != SS_UNCONNECTED)", kLinuxUnbound, F::kPosix},
    {E::kInval, "bind", F::kAll, "the socket is already bound: a socket binds once",
     "Linux __inet_bind; Winsock bind page", "", F::kAll},
    {E::kInval, "accept", F::kAll, "the socket is not listening: call listen() before accept()",
     "Linux inet_csk_accept; Winsock accept page", "", F::kAll},
    {E::kInval, "connect", F::kWindows, "the socket is listening: a listening socket cannot connect",
     "Winsock connect page", kConnectErrors, F::kWindows},
    {E::kIsConn, "listen", F::kWindows, "the socket is already connected: a connected socket cannot listen",
     kWinsockListen, kWindowsErrors, F::kWindows},
    {E::kIsConn, "connect", F::kWindows, "the socket is already connected", "Winsock connect page", kConnectErrors,
     F::kWindows},
    {E::kIsConn, "connect", F::kPosix,
     "the socket is not closed (it is connected, or listening): connect() needs a socket in the CLOSE state",
     "Linux __inet_stream_connect", kConnectErrors, F::kPosix},
    {E::kMFile, "accept", F::kAll,
     "no descriptor is left for the new connection (the host's max_sockets); it stays queued and a later accept() "
     "takes it",
     "Winsock listen() page; Linux get_unused_fd_flags", kDescriptors, F::kWindows},
    {E::kMFile, "socket", F::kAll, "no descriptor is left: the host holds max_sockets already",
     "Winsock listen() page; Linux get_unused_fd_flags", kWindowsErrors, F::kWindows},
    {E::kNoBufs, "*", F::kAll, "no buffer space is left: the host has room for socket_buffers sockets",
     "Winsock listen() page; Linux sock_alloc", kWindowsErrors, F::kWindows},
    {E::kNotSock, "*", F::kWindows, "the descriptor is not an open socket", kWinsockListen, kWindowsErrors,
     F::kWindows},
    {E::kNotSock, "*", F::kPosix, "the descriptor is open but is not a socket (0, 1 and 2 are the standard streams)",
     "Linux sockfd_lookup", kLinuxUnbound, F::kPosix},
    {E::kBadF, "*", F::kPosix, "the descriptor is not open: never opened, or closed", "Linux fdget (fs/file.c)",
     kLinuxUnbound, F::kPosix},
    {E::kBadF, "*", F::kWindows, "the descriptor was closed: Winsock reports any descriptor it does not know this way",
     kWinsockListen, "", F::kWindows},
    {E::kOpNotSupp, "*", F::kWindows,
     "the socket is not a stream socket (SOCK_DGRAM, UDP): only stream sockets listen and accept", kWinsockListen,
     kWindowsErrors, F::kWindows},
    {E::kOpNotSupp, "*", F::kPosix,
     "the socket is not a stream socket (SOCK_DGRAM, UDP): only stream sockets listen and accept",
     "Linux sock_no_listen", kLinuxUnbound, F::kPosix},
    {E::kWouldBlock, "accept", F::kAll,
     "no connection is queued and the call does not block: call again later, or block",
     "Winsock accept page; Linux inet_csk_accept (O_NONBLOCK)", kDescriptors, F::kWindows},
}};

}  // namespace

bool in_family(Os os, OsFamily family) {
  switch (family) {
    case OsFamily::kWindows: return os == Os::kWindows;
    case OsFamily::kPosix: return os != Os::kWindows;
    case OsFamily::kAll: return true;
  }
  return false;
}

std::span<const ErrorReason> error_reasons() { return kReasons; }

std::string_view error_reason(SocketError e, std::string_view call, Os os) {
  for (const ErrorReason& r : kReasons) {
    if (r.error == e && (r.call == "*" || r.call == call) && in_family(os, r.oses)) return r.why;
  }
  return "";
}

}  // namespace model

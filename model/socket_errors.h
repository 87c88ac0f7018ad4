// model/socket_errors.h — why a socket call fails: one table, read by `run`'s script table
// and by `synstorm errors`.
//
// Every row says, for one SocketError, one call (or every call) and the OSes it applies to,
// why the call returns that error, in this project's words, the source the behaviour
// follows, and the bundled teaching scenario that shows it (if one does). The names come
// from error_name() (model/socket_api.h): this table adds the reasons, never other names.
#pragma once

#include <span>
#include <string_view>

#include "model/personality.h"
#include "model/socket_api.h"

namespace model {

enum class OsFamily : std::uint8_t { kWindows, kPosix, kAll };
bool in_family(Os os, OsFamily family);

struct ErrorReason {
  SocketError error;
  std::string_view call;  // "listen", ... ; "*": any call on a descriptor
  OsFamily oses;
  std::string_view why;       // one sentence, lower case, no final point
  std::string_view source;    // where the behaviour is written (a kernel function, a Winsock page)
  std::string_view scenario;  // the teaching scenario showing it ("" when none does) ...
  OsFamily shown_on;          // ... on its hosts of these OSes
};

std::span<const ErrorReason> error_reasons();

// Why `call` on `os` returned `e`, or "" when the table has no row (kOk included).
std::string_view error_reason(SocketError e, std::string_view call, Os os);

}  // namespace model

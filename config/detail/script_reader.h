// config/detail/script_reader.h — `script:`: socket calls made on hosts at given times
// (socket, bind, listen, accept, connect, close; WSAStartup and WSACleanup on Windows;
// the network going down and up), each with the result it expects.
//
// A step names its descriptor by a name an earlier step on the same host defined with
// `as:` (in file order), or by number. Its expected result is checked against what that
// host's OS can report: a POSIX name on a Windows host, or the reverse, is told the other
// OS's name for the same error.
#pragma once

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"

namespace config::detail {

// Reads every step into draft.spec.script; the ports bind steps name are registered with
// draft.refs. Requires: the hosts read.
void read_script(ScenarioDraft& draft, const Field& f);

}  // namespace config::detail

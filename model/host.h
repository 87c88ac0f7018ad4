// model/host.h — one host of a scenario: its stack, its descriptor table, its open ports.
//
// Plain state shared by the parts that act on a host: the listener part (which port a SYN
// finds, accept() and close() of served connections), the script runner (the socket API
// calls of a teaching scenario) and the faults (a restart closes and reopens a socket).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "model/personality.h"
#include "model/socket_api.h"
#include "model/spec.h"

namespace model {

struct Host {
  explicit Host(const HostSpec& s)
      : spec(&s),
        personality(s.os, s.kernel),
        table(personality, s.max_sockets, s.socket_buffers.value_or(s.max_sockets)) {}
  const HostSpec* spec;
  Personality personality;
  SocketTable table;
  std::map<int, std::uint32_t> open_ports;     // port -> listening Listener
  std::map<int, std::uint32_t> slot_of_port;   // port -> its Listener slot, open or not
  std::map<std::string, std::int64_t> names;   // the script's descriptor names
  const ScriptStep* blocked_accept = nullptr;  // a blocking accept() waiting for a connection
};

}  // namespace model

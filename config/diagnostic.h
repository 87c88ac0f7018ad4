// config/diagnostic.h — one problem found in a scenario file, and how it is shown.
//
// Every problem the loader (config/loader.h) and the overrides of a sweep
// (config/overrides.h) report is a Diagnostic: the file, the 1-based line and column,
// the key path ("hosts.web.listeners[0].backlog") and a message saying what was expected
// and what was found. It is a plain value, so callers can list, compare and format it.
#pragma once

#include <string>

namespace config {

struct Diagnostic {
  std::string file;
  int line = 0;      // 1-based; 0 when the problem has no position (e.g. an unreadable file)
  int column = 0;    // 1-based; 0 with line 0
  std::string path;  // the key path, "" for the file as a whole
  std::string message;
  // A warning does not stop a run: something in the file can have no effect.
  bool warning = false;
};

// "FILE:LINE:COL: error: PATH: MESSAGE" ("warning:" for a warning), leaving out "PATH: " when the path is empty and
// "LINE:COL:" when there is no position — the form compilers use, so editors can jump to it.
// Control characters from the inputs are escaped (sim::printable).
std::string format(const Diagnostic& d);

}  // namespace config

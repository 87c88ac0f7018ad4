#include "config/diagnostic.h"

#include "sim/format.h"

namespace config {

std::string format(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line > 0) out += ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
  out += d.warning ? ": warning: " : ": error: ";
  if (!d.path.empty()) out += d.path + ": ";
  out += d.message;
  // Names, ids and paths in a message come from inputs: nothing in them reaches a terminal raw.
  return sim::printable(out);
}

}  // namespace config

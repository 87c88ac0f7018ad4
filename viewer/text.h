// viewer/text.h — numbers as the viewer's panels print them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace viewer {

// 1180 -> "1,180": counts read at a glance.
inline std::string with_commas(std::uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace viewer

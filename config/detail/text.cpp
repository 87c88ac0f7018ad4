#include "config/detail/text.h"

namespace config::detail {

std::string shown(std::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  std::size_t cut = max_chars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return std::string(text.substr(0, cut)) + "...";
}

std::string join_some(std::span<const std::string_view> items, std::size_t max_items) {
  if (items.size() <= max_items) return join(items);
  return join(items.first(max_items)) + ", ... (" + std::to_string(items.size() - max_items) + " more)";
}

std::string join(std::span<const std::string_view> items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

}  // namespace config::detail

// config/detail/text.h — small text helpers for the loader's error messages.
//
// Values and lists as the messages show them, bounded so that a huge value or a long list
// in a file cannot make a huge message. (Quoting and "did you mean" are public, in
// config/suggest.h, because the command line uses them too.) All functions are pure.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace config::detail {

// A value as the user wrote it, for "got ..." in a message: unquoted, but cut to about
// `max_chars` with "..." (at a character boundary), so that a huge value cannot make a
// huge message.
std::string shown(std::string_view text, std::size_t max_chars = 80);

// "a, b, c".
std::string join(std::span<const std::string_view> items, std::string_view separator = ", ");
// "a, b, c" for a list the user wrote, which may be long: past `max_items`, "a, b, ...
// (1234 more)".
std::string join_some(std::span<const std::string_view> items, std::size_t max_items = 20);

}  // namespace config::detail

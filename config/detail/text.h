// config/detail/text.h — small text helpers for error messages.
//
// Suggestions ("did you mean") and quoting are shared by every message the loader writes,
// so that a typo gets the same kind of help wherever it is made. All functions are pure and
// deterministic: the same input always gives the same suggestion (ties go to the candidate
// listed first).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace config::detail {

// Edit distance with adjacent transpositions (optimal string alignment), comparing
// ASCII letters case-insensitively: "backlgo" -> "backlog" is 1, "Duration" -> "duration" 0.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate the user most likely meant by `typed`, or "" when none is close enough:
// within an edit distance of about a third of its length, or the only candidate that
// starts with `typed` (at least 3 characters: "expo" -> "exponential").
// Bounded work, whatever the input: distances are computed only between strings of at
// most kMaxSuggestLength characters, and for at most kMaxSuggestCandidates candidates
// (the first ones whose length is close enough to matter).
std::string_view closest_match(std::string_view typed, std::span<const std::string_view> candidates);
inline constexpr std::size_t kMaxSuggestLength = 64;
inline constexpr std::size_t kMaxSuggestCandidates = 1000;

// "; did you mean \"x\"?" when a candidate is close, otherwise " (expected one of: a, b, c)".
std::string suggestion_suffix(std::string_view typed, std::span<const std::string_view> candidates);

// `text` in double quotes, with control and non-ASCII bytes escaped as \xNN and anything
// past `max_chars` cut to "...", so that binary junk in a file cannot garble a message.
std::string quote(std::string_view text, std::size_t max_chars = 40);

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

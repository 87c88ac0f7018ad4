// config/suggest.h — "did you mean" and quoting, for every message about a name the user typed.
//
// The loader, the overrides of a sweep and the command line all answer a mistyped name the
// same way: the closest valid name, or the list of valid ones, and what was typed shown in
// quotes. One implementation, so that a typo gets the same help wherever it is made. All
// functions are pure and deterministic: the same input always gives the same suggestion
// (ties go to the candidate listed first), and their work is bounded whatever the input.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace config {

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

// "; did you mean \"x\"?" when a candidate is close, otherwise " (expected one of: a, b, c)"
// ("" when there are no candidates).
std::string suggestion_suffix(std::string_view typed, std::span<const std::string_view> candidates);

// `text` in double quotes, with quotes and backslashes escaped, control characters (C0, DEL,
// C1) and bytes that are not valid UTF-8 as \xNN, and anything past `max_chars` bytes cut
// to "..." at a character boundary, so that binary junk in a file cannot garble a message.
// Printable UTF-8 stays as typed: "5µs" is shown as "5µs".
std::string quote(std::string_view text, std::size_t max_chars = 40);

}  // namespace config

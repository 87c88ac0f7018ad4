#include "config/suggest.h"

#include <algorithm>
#include <string>
#include <vector>

#include "config/detail/text.h"
#include "sim/format.h"

namespace config {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (prefix.size() > text.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(text[i]) != lower(prefix[i])) return false;
  }
  return true;
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rolling rows of the usual dynamic programme; the one two back is needed for
  // transpositions.
  const std::size_t n = b.size();
  std::vector<std::size_t> two_back(n + 1), prev(n + 1), cur(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1])) {
        cur[j] = std::min(cur[j], two_back[j - 2] + 1);
      }
    }
    two_back.swap(prev);
    prev.swap(cur);
  }
  return prev[n];
}

std::string_view closest_match(std::string_view typed, std::span<const std::string_view> candidates) {
  std::string_view best;
  std::size_t best_distance = 0;
  std::size_t compared = 0;
  for (std::string_view c : candidates) {
    // A third of the length: one slip in a short word, two in a long one, but never a
    // suggestion that shares almost nothing with what was typed.
    const std::size_t limit = std::max<std::size_t>(1, (c.size() + 2) / 3);
    // The distance is at least the difference in length.
    const std::size_t length_gap = typed.size() > c.size() ? typed.size() - c.size() : c.size() - typed.size();
    if (length_gap > limit || typed.size() > kMaxSuggestLength || c.size() > kMaxSuggestLength) continue;
    if (++compared > kMaxSuggestCandidates) break;
    const std::size_t d = edit_distance(typed, c);
    if (d <= limit && (best.empty() || d < best_distance)) {
      best = c;
      best_distance = d;
    }
  }
  if (!best.empty() || typed.size() < 3) return best;
  std::string_view only_prefix_match;
  for (std::string_view c : candidates) {
    if (!starts_with_ignoring_case(c, typed)) continue;
    if (!only_prefix_match.empty()) return {};  // ambiguous
    only_prefix_match = c;
  }
  return only_prefix_match;
}

std::string suggestion_suffix(std::string_view typed, std::span<const std::string_view> candidates) {
  const std::string_view match = closest_match(typed, candidates);
  if (!match.empty()) return "; did you mean " + quote(match) + "?";
  if (candidates.empty()) return "";
  return " (expected one of: " + detail::join(candidates) + ")";
}

std::string quote(std::string_view text, std::size_t max_chars) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    if (i >= max_chars) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(text[i]);
    const std::size_t n = byte >= 0x80 ? sim::printable_utf8_length(text.substr(i)) : 0;
    if (n > 0) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    if (byte == '"' || byte == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(byte));
    } else if (byte < 0x20 || byte >= 0x7f) {
      sim::append_hex_escape(out, byte);
    } else {
      out.push_back(static_cast<char>(byte));
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

}  // namespace config

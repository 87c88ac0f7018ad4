// sim/format.h — deterministic text for numbers and durations.
//
// Every number synstorm writes (CSV, tables, descriptions) goes through here so that the
// same value always prints as the same bytes, independent of locale and iostream state.
// Doubles print in the shortest form that reads back to the same double
// (std::to_chars); times and durations print exactly from their integer nanoseconds.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "sim/time.h"

namespace sim {

// `text` with every control character escaped as \xNN (C0, DEL, C1, and any byte that is
// not part of valid UTF-8), and nothing else changed: text from an input (a name, an id, a
// path) that reaches a terminal can never move the cursor, set a title or ring the bell.
std::string printable(std::string_view text);
// The length in bytes of the valid UTF-8 character at the start of `s` that is not a C1
// control (U+0080..U+009F), or 0 (an invalid or truncated sequence, or a byte below 0x80).
// printable() and config::quote() keep such a character as it is.
std::size_t printable_utf8_length(std::string_view s);
// Appends `byte` as \xNN (lower-case hex): how printable() and config::quote() show a byte.
void append_hex_escape(std::string& out, unsigned char byte);

// Shortest round-trip text of `v` ("0.1", "3", "1e-07", "inf", "nan"). Negative zero
// prints as "0" so that a sign nobody can observe never makes two outputs differ.
inline void append_number(std::string& out, double v) {
  if (v == 0.0) v = 0.0;
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  (void)ec;  // 32 characters hold every double in shortest form.
  out.append(buf.data(), end);
}

inline std::string format_number(double v) {
  std::string s;
  append_number(s, v);
  return s;
}

// A CSV field as RFC 4180 writes it: as it is, or in double quotes (with quotes doubled)
// when it holds a comma, a quote or a line break.
inline void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out.push_back('"');
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

namespace detail {
// Appends ns / 10^digits as an exact decimal without trailing zeros ("1.5", "-3").
inline void append_scaled_ns(std::string& out, std::int64_t ns, int digits) {
  std::uint64_t unit = 1;
  for (int i = 0; i < digits; ++i) unit *= 10;
  // The magnitude in unsigned arithmetic: -INT64_MIN does not fit in int64.
  const std::uint64_t mag = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  if (ns < 0) out.push_back('-');
  out += std::to_string(mag / unit);
  std::uint64_t frac = mag % unit;
  if (frac == 0) return;
  std::array<char, 20> digits_buf{};
  int n = digits;
  while (frac % 10 == 0) {
    frac /= 10;
    --n;
  }
  for (int i = n - 1; i >= 0; --i) {
    digits_buf[static_cast<std::size_t>(i)] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  out.push_back('.');
  out.append(digits_buf.data(), static_cast<std::size_t>(n));
}
}  // namespace detail

// Exact decimal seconds of an instant: "0", "0.1", "12.000000001".
inline std::string format_seconds(Time t) {
  std::string s;
  detail::append_scaled_ns(s, t.ns(), 9);
  return s;
}

// A duration in the largest of s, ms, us, ns that keeps it at or above 1, exact
// ("5ms", "1.5s", "250us", "0s"); "inf" for Duration::infinite(). These are the units
// scenario files accept, so the text reads back to the same duration.
inline std::string format_duration(Duration d) {
  if (d.is_infinite()) return "inf";
  if (d.ns() == 0) return "0s";
  const std::int64_t ns = d.ns();
  const std::uint64_t mag = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  std::string s;
  if (mag >= 1'000'000'000) {
    detail::append_scaled_ns(s, ns, 9);
    s += "s";
  } else if (mag >= 1'000'000) {
    detail::append_scaled_ns(s, ns, 6);
    s += "ms";
  } else if (mag >= 1'000) {
    detail::append_scaled_ns(s, ns, 3);
    s += "us";
  } else {
    detail::append_scaled_ns(s, ns, 0);
    s += "ns";
  }
  return s;
}

}  // namespace sim

#include "config/units.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <system_error>

#include "config/detail/text.h"
#include "config/suggest.h"

namespace config {

namespace {

// Wider than int64 so that products of a 19-digit count and a unit cannot overflow.
__extension__ typedef unsigned __int128 Wide;

struct Unit {
  std::string_view name;
  std::int64_t ns;
};
constexpr std::array<Unit, 6> kUnits = {{
    {"ns", 1},
    {"us", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};
// The names of kUnits, for "did you mean".
constexpr std::array<std::string_view, kUnits.size()> kUnitNames = [] {
  std::array<std::string_view, kUnits.size()> names{};
  for (std::size_t i = 0; i < kUnits.size(); ++i) names[i] = kUnits[i].name;
  return names;
}();

// Spellings people type for our units: each means one unit and nothing else, so it is
// accepted as that unit ("5 sec", "20µs"). A spelling in another case ("5 Sec", "5MS") is
// not accepted but offered as "did you mean".
struct Alias {
  std::string_view spelled;
  std::string_view unit;
};
constexpr std::array<Alias, 18> kUnitAliases = {{
    {"sec", "s"},
    {"secs", "s"},
    {"second", "s"},
    {"seconds", "s"},
    {"min", "m"},
    {"mins", "m"},
    {"minute", "m"},
    {"minutes", "m"},
    {"hr", "h"},
    {"hrs", "h"},
    {"hour", "h"},
    {"hours", "h"},
    {"msec", "ms"},
    {"usec", "us"},
    {"nsec", "ns"},
    {"\xc2\xb5s", "us"},  // µs, U+00B5 MICRO SIGN (what a keyboard's AltGr+m types)
    {"\xce\xbcs", "us"},  // μs, U+03BC GREEK SMALL LETTER MU (what a phone or a Greek layout types)
    {"millis", "ms"},
}};

// Digits past this many after the point cannot change the result by a nanosecond's worth
// for any unit up to `h`, and keeping them would overflow the 128-bit products.
constexpr std::size_t kMaxFractionDigits = 24;

constexpr std::int64_t kLargestFiniteNs = std::numeric_limits<std::int64_t>::max() - 1;

// `<digits>[.<digits>]` or `.<digits>`, split into its two parts.
struct Decimal {
  std::string_view integer;
  std::string_view fraction;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::size_t count_digits(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  return n;
}

// Reads a decimal from the front of `text`; the rest is left in `text`.
std::optional<Decimal> take_decimal(std::string_view& text) {
  Decimal d;
  const std::size_t int_digits = count_digits(text);
  d.integer = text.substr(0, int_digits);
  std::size_t used = int_digits;
  if (used < text.size() && text[used] == '.') {
    const std::size_t frac_digits = count_digits(text.substr(used + 1));
    d.fraction = text.substr(used + 1, frac_digits);
    if (frac_digits > 0 || int_digits > 0) used += 1 + frac_digits;
  }
  if (d.integer.empty() && d.fraction.empty()) return std::nullopt;
  text.remove_prefix(used);
  return d;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && edit_distance(a, b) == 0;
}

// "inf", ".inf", "nan", "infinity"... : YAML's and C's spellings of non-finite numbers.
bool names_non_finite(std::string_view s) {
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) s.remove_prefix(1);
  if (!s.empty() && s.front() == '.') s.remove_prefix(1);
  return (s.size() >= 3 &&
          (equals_ignoring_case(s.substr(0, 3), "inf") || equals_ignoring_case(s.substr(0, 3), "nan")));
}

const Unit* find_unit(std::string_view name) {
  for (const Unit& u : kUnits) {
    if (u.name == name) return &u;
  }
  for (const Alias& a : kUnitAliases) {
    if (a.spelled == name) return find_unit(a.unit);
  }
  return nullptr;
}

// A number written with thousands separators ("12,000", "1,500.5") without them; `text` as
// it is when it has no comma before its first character that is not a digit or a comma.
// A comma that does not separate groups of three digits ("1,5", "12,00") could be a
// decimal comma: that is an error, which says both readings.
ParseResult<std::string> ungroup(std::string_view text, std::string_view original) {
  std::size_t end = 0;
  while (end < text.size() && (is_digit(text[end]) || text[end] == ',')) ++end;
  const std::string_view integer = text.substr(0, end);
  if (integer.find(',') == std::string_view::npos) return ParseResult<std::string>{std::string(text), {}};
  std::string digits;
  bool grouped = integer.front() != ',' && integer.back() != ',';
  std::size_t group = 0;  // digits since the last comma
  bool first = true;
  for (char c : integer) {
    if (c != ',') {
      digits.push_back(c);
      ++group;
      continue;
    }
    if ((first && (group == 0 || group > 3)) || (!first && group != 3)) grouped = false;
    first = false;
    group = 0;
  }
  if (group != 3) grouped = false;
  if (!grouped) {
    std::string as_point(integer);
    std::replace(as_point.begin(), as_point.end(), ',', '.');
    return ParseResult<std::string>{
        std::nullopt, "ambiguous number " + quote(original) +
                          ": a comma may only separate thousands (12,000/s); for a decimal write a point (" +
                          detail::shown(as_point) + "), or leave the comma out"};
  }
  return ParseResult<std::string>{digits + std::string(text.substr(end)), {}};
}

std::string unknown_unit_message(std::string_view unit, std::string_view text) {
  std::string msg = "unknown unit " + quote(unit) + " in " + quote(text);
  for (const Alias& a : kUnitAliases) {
    if (equals_ignoring_case(a.spelled, unit)) return msg + "; did you mean " + quote(a.unit) + "?";
  }
  if (unit.size() >= 2 && (unit[0] == 'e' || unit[0] == 'E') &&
      (is_digit(unit[1]) || unit[1] == '-' || unit[1] == '+')) {
    return msg + ": exponents are not supported; write the number out (e.g. 1000s, 1ms)";
  }
  return msg + suggestion_suffix(unit, kUnitNames);
}

// Exact value of `d` units in nanoseconds, rounded half up; nullopt when it does not fit.
std::optional<std::int64_t> to_nanoseconds(const Decimal& d, std::int64_t unit_ns) {
  std::string_view integer = d.integer;
  while (integer.size() > 1 && integer.front() == '0') integer.remove_prefix(1);
  if (integer.size() > 19) return std::nullopt;  // above 10^19 > int64 whatever the unit
  Wide whole = 0;
  for (char c : integer) whole = whole * 10 + static_cast<unsigned>(c - '0');
  Wide total = whole * static_cast<Wide>(unit_ns);

  const std::string_view fraction = d.fraction.substr(0, kMaxFractionDigits);
  Wide numerator = 0;
  Wide denominator = 1;
  for (char c : fraction) {
    numerator = numerator * 10 + static_cast<unsigned>(c - '0');
    denominator *= 10;
  }
  const Wide scaled = numerator * static_cast<Wide>(unit_ns);
  total += scaled / denominator;
  if (2 * (scaled % denominator) >= denominator) total += 1;

  if (total > static_cast<Wide>(kLargestFiniteNs)) return std::nullopt;
  return static_cast<std::int64_t>(total);
}

template <class T>
ParseResult<T> failure(std::string message) {
  return ParseResult<T>{std::nullopt, std::move(message)};
}

}  // namespace

ParseResult<sim::Duration> parse_duration(std::string_view text) {
  const std::string_view original = trim(text);
  const ParseResult<std::string> plain = ungroup(original, original);
  if (!plain.ok()) return failure<sim::Duration>(plain.error);
  std::string_view rest = *plain.value;
  if (rest.empty()) return failure<sim::Duration>("expected a duration such as 10s or 500ms, got an empty string");
  if (rest.front() == '-') return failure<sim::Duration>("a duration cannot be negative, got " + quote(original));
  if (names_non_finite(rest)) return failure<sim::Duration>("a duration must be finite, got " + quote(original));
  if (rest.front() == '+') rest.remove_prefix(1);
  const std::optional<Decimal> number = take_decimal(rest);
  if (!number) {
    return failure<sim::Duration>("expected a duration such as 10s or 500ms, got " + quote(original));
  }
  const std::string_view unit = trim(rest);
  if (unit.empty()) {
    const std::string n = detail::shown(original);
    return failure<sim::Duration>("missing unit in " + quote(original) + ": write " + n + "s, " + n +
                                  "ms, ... (units: ns, us, ms, s, m, h)");
  }
  const Unit* u = find_unit(unit);
  if (u == nullptr) return failure<sim::Duration>(unknown_unit_message(unit, original));
  const std::optional<std::int64_t> ns = to_nanoseconds(*number, u->ns);
  if (!ns) {
    return failure<sim::Duration>("duration " + quote(original) +
                                  " is too large: the limit is 2^63 ns, about 292 years");
  }
  return ParseResult<sim::Duration>{sim::Duration::from_ns(*ns), {}};
}

ParseResult<double> parse_rate(std::string_view text) {
  const std::string_view original = trim(text);
  const std::size_t slash = original.find('/');
  if (slash == std::string_view::npos) {
    std::string_view probe = original;
    if (take_decimal(probe) && trim(probe).empty()) {
      const std::string n = detail::shown(original);
      return failure<double>("missing period in " + quote(original) + ": write " + n + "/s, " + n + "/ms or " + n +
                             "/100ms");
    }
    return failure<double>("expected a rate such as 2000/s, 5/ms or 10/100ms, got " + quote(original));
  }
  const ParseResult<std::string> plain_count = ungroup(trim(original.substr(0, slash)), original);
  if (!plain_count.ok()) return failure<double>(plain_count.error);
  const std::string_view count_text = *plain_count.value;
  std::string_view period_text = trim(original.substr(slash + 1));

  if (!count_text.empty() && count_text.front() == '-') {
    return failure<double>("a rate must be > 0, got " + quote(original));
  }
  if (names_non_finite(count_text)) return failure<double>("a rate must be finite, got " + quote(original));
  std::string_view count_rest = count_text;
  if (!take_decimal(count_rest) || !count_rest.empty()) {
    return failure<double>("expected a rate such as 2000/s, 5/ms or 10/100ms, got " + quote(original) +
                           ": the count before '/' must be a plain decimal number");
  }
  double count = 0;
  const auto [end, ec] = std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
  if (ec != std::errc{} || end != count_text.data() + count_text.size()) {
    return failure<double>("the count in rate " + quote(original) + " is too large");
  }

  std::int64_t period_ns = 0;
  if (period_text.empty()) return failure<double>("missing period after '/' in " + quote(original));
  if (is_digit(period_text.front()) || period_text.front() == '.') {
    const ParseResult<sim::Duration> period = parse_duration(period_text);
    if (!period.ok()) return failure<double>("bad period in rate " + quote(original) + ": " + period.error);
    period_ns = period.value->ns();
  } else {
    // A bare unit: "/s" is "/1s".
    const Unit* u = find_unit(period_text);
    if (u == nullptr) return failure<double>(unknown_unit_message(period_text, original));
    period_ns = u->ns;
  }
  if (period_ns == 0) return failure<double>("the period of rate " + quote(original) + " must be > 0");

  const double per_second = count * 1e9 / static_cast<double>(period_ns);
  if (!(per_second > 0)) return failure<double>("a rate must be > 0, got " + quote(original));
  if (!(per_second <= kMaxRatePerSecond)) {
    return failure<double>("rate " + quote(original) + " is too fast: at most 1e9/s (one arrival per nanosecond)");
  }
  return ParseResult<double>{per_second, {}};
}

}  // namespace config

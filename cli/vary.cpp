#include "cli/vary.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "sim/random.h"

namespace cli {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits at the commas that are not inside [] {} or quotes.
std::vector<std::string_view> split_values(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  char quote = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == ',' && depth == 0) {
      parts.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  parts.push_back(trim(text.substr(start)));
  return parts;
}

// Wide enough for every unsigned 64-bit integer (a seed) at kMaxScale decimals, and for
// aligning two such numbers' scales: 10^26 * 10^6 < 2^127.
__extension__ typedef __int128 Wide;

// An exact decimal: mantissa * 10^-scale, with the unit written after it.
struct Decimal {
  Wide mantissa = 0;
  int scale = 0;
  std::string unit;
};

constexpr int kMaxScale = 6;
constexpr int kMaxDigits = 26;  // in all, before and after the point

// Why a number cannot be a range's end or step ("" when it was not a number at all).
struct NotDecimal {
  std::string why;
};

std::variant<Decimal, NotDecimal> parse_decimal(std::string_view text) {
  Decimal d;
  std::size_t i = 0;
  const bool negative = i < text.size() && text[i] == '-';
  if (negative) ++i;
  const std::size_t digits_start = i;
  Wide m = 0;
  int digits = 0;
  bool point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !point && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9') {
      point = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    if (point && d.scale >= kMaxScale) {
      return NotDecimal{"has more than " + std::to_string(kMaxScale) + " digits after the point"};
    }
    if (++digits > kMaxDigits) return NotDecimal{"has more than " + std::to_string(kMaxDigits) + " digits"};
    m = m * 10 + (c - '0');
    if (point) ++d.scale;
  }
  if (digits == 0 || i == digits_start) return NotDecimal{};
  d.mantissa = negative ? -m : m;
  d.unit = std::string(text.substr(i));
  if (!d.unit.empty() && (d.unit.front() == '.' || (d.unit.front() >= '0' && d.unit.front() <= '9'))) {
    return NotDecimal{};
  }
  return d;
}

Wide pow10(int n) {
  Wide p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

std::string wide_digits(Wide v) {  // Requires: v >= 0
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v > 0);
  return out;
}

// `mantissa` at `scale` decimals, without trailing zeros: "0.25", "3", "-1.5".
std::string render_decimal(Wide mantissa, int scale) {
  std::string digits = wide_digits(mantissa < 0 ? -mantissa : mantissa);
  if (scale > 0) {
    if (digits.size() <= static_cast<std::size_t>(scale)) {
      digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<std::size_t>(scale), ".");
    while (digits.back() == '0') digits.pop_back();
    if (digits.back() == '.') digits.pop_back();
  }
  return (mantissa < 0 ? "-" : "") + digits;
}

// LO..HI[:STEP]; nullopt when `text` is not shaped like a range at all, an error string
// when it is one but a bad one.
std::optional<std::variant<std::vector<std::string>, std::string>> parse_range(std::string_view text) {
  const std::size_t dots = text.find("..");
  if (dots == std::string_view::npos) return std::nullopt;
  const std::string_view lo_text = trim(text.substr(0, dots));
  std::string_view rest = text.substr(dots + 2);
  std::string_view step_text;
  if (const std::size_t colon = rest.find(':'); colon != std::string_view::npos) {
    step_text = trim(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  const std::string_view hi_text = trim(rest);
  using Result = std::variant<std::vector<std::string>, std::string>;
  const auto lo_parsed = parse_decimal(lo_text);
  const auto hi_parsed = parse_decimal(hi_text);
  const auto* lo = std::get_if<Decimal>(&lo_parsed);
  const auto* hi = std::get_if<Decimal>(&hi_parsed);
  // A number too long to count in is a range all the same: say so, never take it as a
  // plain value.
  for (const auto& [end_text, parsed] : {std::pair{lo_text, &lo_parsed}, std::pair{hi_text, &hi_parsed}}) {
    if (const auto* n = std::get_if<NotDecimal>(parsed); n && !n->why.empty()) {
      return Result{"the range's end " + std::string(end_text) + " " + n->why + ": too long to count in"};
    }
  }
  if (!lo || !hi) return std::nullopt;  // "a..b" that is not numeric: a plain value
  if (lo->unit != hi->unit) {
    return Result{"the range's ends have different units (" + std::string(lo_text) + ", " + std::string(hi_text) + ")"};
  }
  Decimal step{1, 0, lo->unit};
  if (!step_text.empty()) {
    const auto parsed = parse_decimal(step_text);
    if (const auto* n = std::get_if<NotDecimal>(&parsed)) {
      return Result{"the step " + std::string(step_text) + " " + (n->why.empty() ? "is not a number" : n->why)};
    }
    const Decimal& st = std::get<Decimal>(parsed);
    if (st.unit.empty() && !lo->unit.empty()) {
      return Result{"the step " + std::string(step_text) +
                    " has no unit; write it in the range's: " + std::string(step_text) + lo->unit};
    }
    if (st.unit != lo->unit) {
      return Result{"the step's unit " + st.unit + " is not the range's (" +
                    (lo->unit.empty() ? std::string("none") : lo->unit) + ")"};
    }
    step = st;
  }
  if (step.mantissa <= 0) return Result{"the step must be > 0"};
  const int scale = std::max({lo->scale, hi->scale, step.scale});
  const Wide a = lo->mantissa * pow10(scale - lo->scale);
  const Wide b = hi->mantissa * pow10(scale - hi->scale);
  const Wide s = step.mantissa * pow10(scale - step.scale);
  if (a > b)
    return Result{"the range runs from " + std::string(lo_text) + " down to " + std::string(hi_text) +
                  "; write it from the smaller value (LO..HI)"};
  const Wide count = (b - a) / s + 1;
  if (count > static_cast<Wide>(kMaxVaryValues)) {
    return Result{"the range has " + wide_digits(count) + " values; at most " + std::to_string(kMaxVaryValues)};
  }
  std::vector<std::string> values;
  values.reserve(static_cast<std::size_t>(count));
  for (Wide k = 0; k < count; ++k) values.push_back(render_decimal(a + k * s, scale) + lo->unit);
  return Result{std::move(values)};
}

}  // namespace

std::variant<Vary, std::string> parse_vary(std::string_view argument, std::string_view flag) {
  const std::string where = std::string(flag) + " " + std::string(argument) + ": ";
  const std::size_t eq = argument.find('=');
  if (eq == std::string_view::npos) return where + "expected PATH=VALUES, e.g. hosts.web.listeners[0].backlog=64,128";
  Vary v;
  v.argument = std::string(argument);
  std::string error;
  const auto path = config::canonical_override_path(trim(argument.substr(0, eq)), error);
  if (!path) return where + error;
  v.path = *path;
  const std::string_view values = trim(argument.substr(eq + 1));
  if (values.empty()) return where + "no values after '='";
  if (auto range = parse_range(values)) {
    if (const auto* e = std::get_if<std::string>(&*range)) return where + *e;
    v.values = std::get<std::vector<std::string>>(std::move(*range));
    v.is_range = true;
    return v;
  }
  for (const std::string_view value : split_values(values)) {
    if (value.empty()) return where + "an empty value (two commas in a row, or a comma at an end)";
    v.values.emplace_back(value);
  }
  if (v.values.size() > kMaxVaryValues) return where + "more than " + std::to_string(kMaxVaryValues) + " values";
  return v;
}

std::size_t grid_size(std::span<const Vary> varies) {
  std::size_t n = 1;
  for (const Vary& v : varies) {
    if (v.values.empty() || n > kMaxVaryValues / v.values.size()) return 0;
    n *= v.values.size();
  }
  return n;
}

std::vector<Point> expand_grid(std::span<const Vary> varies) {
  std::vector<Point> points{Point{}};
  for (const Vary& v : varies) {
    std::vector<Point> next;
    next.reserve(points.size() * v.values.size());
    for (const Point& p : points) {
      for (const std::string& value : v.values) {
        Point q = p;
        // The origin names this value alone: the whole argument in every point would make
        // the grid's memory grow with the square of a long value list.
        q.push_back(config::Override{v.path, value, "--vary " + v.path + "=" + value});
        next.push_back(std::move(q));
      }
    }
    points = std::move(next);
  }
  return points;
}

std::string describe_point(const Point& point) {
  if (point.empty()) return "the scenario as written";
  std::string text;
  for (const config::Override& o : point) {
    if (!text.empty()) text += ", ";
    text += o.path + "=" + o.value;
  }
  return text;
}

std::string point_key(const Point& point) {
  std::vector<std::string> lines;
  lines.reserve(point.size());
  for (const config::Override& o : point) lines.push_back(o.path + "=" + o.value + "\n");
  std::sort(lines.begin(), lines.end());
  std::string key;
  for (const std::string& line : lines) key += line;
  return key;
}

std::uint64_t replication_seed(std::uint64_t scenario_seed, const Point& point, std::uint32_t rep) {
  return sim::derive_seed(scenario_seed, "sweep\n" + point_key(point) + "rep " + std::to_string(rep));
}

}  // namespace cli

// sim/time.h — simulated time as integer nanoseconds.
//
// `Duration` is a span and `Time` an instant since the start of a run; both hold an
// int64 count of nanoseconds and never a floating-point number, so that event order
// and every output are exact and identical on every machine (README, "Determinism").
// Arithmetic saturates: anything past the representable range becomes
// Duration::infinite() / Time::never(), which compare greater than every finite value.
#pragma once

#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>
#include <optional>

namespace sim {

namespace detail {
inline constexpr std::int64_t kMaxNs = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t kMinNs = std::numeric_limits<std::int64_t>::min();

constexpr std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kMaxNs : kMinNs;
  return r;
}
constexpr std::int64_t saturating_sub(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return b < 0 ? kMaxNs : kMinNs;
  return r;
}
constexpr std::int64_t saturating_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return ((a < 0) != (b < 0)) ? kMinNs : kMaxNs;
  return r;
}
}  // namespace detail

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration from_ns(std::int64_t ns) { return Duration(ns); }
  static constexpr Duration zero() { return Duration(0); }
  static constexpr Duration infinite() { return Duration(detail::kMaxNs); }

  constexpr std::int64_t ns() const { return ns_; }
  constexpr bool is_infinite() const { return ns_ == detail::kMaxNs; }
  constexpr double seconds() const { return static_cast<double>(ns_) / 1e9; }  // correctly rounded
  constexpr double millis() const { return static_cast<double>(ns_) / 1e6; }

  constexpr Duration operator+(Duration o) const { return Duration(detail::saturating_add(ns_, o.ns_)); }
  constexpr Duration operator-(Duration o) const { return Duration(detail::saturating_sub(ns_, o.ns_)); }
  constexpr Duration operator*(std::int64_t k) const { return Duration(detail::saturating_mul(ns_, k)); }
  // Requires: k > 0.
  constexpr Duration operator/(std::int64_t k) const { return Duration(ns_ / k); }
  constexpr Duration& operator+=(Duration o) { return *this = *this + o; }
  constexpr Duration& operator-=(Duration o) { return *this = *this - o; }
  constexpr auto operator<=>(const Duration&) const = default;

 private:
  constexpr explicit Duration(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

constexpr Duration nanoseconds(std::int64_t n) { return Duration::from_ns(n); }
constexpr Duration microseconds(std::int64_t n) { return Duration::from_ns(detail::saturating_mul(n, 1'000)); }
constexpr Duration milliseconds(std::int64_t n) { return Duration::from_ns(detail::saturating_mul(n, 1'000'000)); }
constexpr Duration seconds(std::int64_t n) { return Duration::from_ns(detail::saturating_mul(n, 1'000'000'000)); }
constexpr Duration minutes(std::int64_t n) { return seconds(detail::saturating_mul(n, 60)); }
constexpr Duration hours(std::int64_t n) { return seconds(detail::saturating_mul(n, 3600)); }

// Converts a count of seconds to the nearest nanosecond. nullopt for NaN, infinities
// and values outside the int64 nanosecond range: callers turn that into an input error.
inline std::optional<Duration> duration_from_seconds(double s) {
  if (!(s == s)) return std::nullopt;
  const double ns = s * 1e9;
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  if (!(ns > -9223372036854775808.0 && ns < 9223372036854775808.0)) return std::nullopt;
  return Duration::from_ns(std::llround(ns));  // to nearest, halves away from zero
}

class Time {
 public:
  constexpr Time() = default;
  static constexpr Time zero() { return Time(0); }
  static constexpr Time from_ns(std::int64_t ns) { return Time(ns); }
  // An instant after every finite time: "not scheduled", "no deadline".
  static constexpr Time never() { return Time(detail::kMaxNs); }

  constexpr std::int64_t ns() const { return ns_; }
  constexpr double seconds() const { return static_cast<double>(ns_) / 1e9; }  // correctly rounded
  constexpr Duration since_start() const { return Duration::from_ns(ns_); }

  constexpr Time operator+(Duration d) const { return Time(detail::saturating_add(ns_, d.ns())); }
  constexpr Time operator-(Duration d) const { return Time(detail::saturating_sub(ns_, d.ns())); }
  constexpr Duration operator-(Time o) const { return Duration::from_ns(detail::saturating_sub(ns_, o.ns_)); }
  constexpr Time& operator+=(Duration d) { return *this = *this + d; }
  constexpr auto operator<=>(const Time&) const = default;

 private:
  constexpr explicit Time(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

}  // namespace sim

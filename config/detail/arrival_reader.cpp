#include "config/detail/arrival_reader.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/detail/distribution_reader.h"
#include "config/detail/trace_arrivals.h"
#include "config/units.h"
#include "sim/format.h"

namespace config::detail {

namespace {

constexpr std::string_view kRateProcessKeys[] = {"process", "rate"};
constexpr std::string_view kBurstProcessKeys[] = {"process", "count", "at", "over"};
constexpr std::string_view kOnOffProcessKeys[] = {"process", "rate", "off_rate", "on", "off"};
constexpr std::string_view kRampProcessKeys[] = {"process", "from", "to", "over", "start"};
constexpr std::string_view kFlashCrowdProcessKeys[] = {"process", "base", "peak", "at", "rise", "decay"};
constexpr std::string_view kTraceProcessKeys[] = {"process", "csv", "id", "pcap", "port", "time_scale"};
constexpr std::string_view kClosedProcessKeys[] = {"process", "users", "think"};
enum ProcessKind : std::size_t { kPoisson, kConstantRate, kBurst, kOnOff, kRamp, kFlashCrowd, kTrace, kClosed };
constexpr TaggedKind kProcessKinds[] = {{"poisson", kRateProcessKeys}, {"constant", kRateProcessKeys},
                                        {"burst", kBurstProcessKeys},  {"onoff", kOnOffProcessKeys},
                                        {"ramp", kRampProcessKeys},    {"flash_crowd", kFlashCrowdProcessKeys},
                                        {"trace", kTraceProcessKeys},  {"closed", kClosedProcessKeys}};
// A closed population is simulated user by user: a bound keeps its memory reasonable.
constexpr std::int64_t kMaxClosedUsers = 1'000'000;

constexpr std::int64_t kMaxBurstCount = 1'000'000'000;

// Whether the count of a rate (before its '/') is written as zero: "0", "0.0", ".0".
bool is_zero_count(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return !text.empty() && text.find_first_not_of("0.") == std::string_view::npos &&
         text.find('0') != std::string_view::npos && text.find('.') == text.rfind('.');
}

// A rate that may be zero ("0/s"). read_rate refuses zero, which would make a whole process
// silent; one phase of a process (onoff's off state, a ramp's end) may well be.
std::optional<double> read_rate_or_zero(DiagnosticSink& sink, const Field& f) {
  if (f.node.IsScalar()) {
    const std::string& text = f.node.Scalar();
    const std::size_t slash = text.find('/');
    if (slash != std::string::npos && is_zero_count(std::string_view(text).substr(0, slash)) &&
        parse_rate("1/" + text.substr(slash + 1)).ok()) {
      return 0.0;
    }
  }
  return read_rate(sink, f);
}

enum class ZeroRate : bool { kRefused, kAllowed };

// The rate under `key`: when the key is absent, `fallback`, or a "missing key" error if none.
std::optional<double> rate_key(DiagnosticSink& sink, MapReader& m, std::string_view key, ZeroRate zero,
                               std::optional<double> fallback = std::nullopt) {
  const auto f = fallback ? m.get(key) : m.require(key);
  if (!f) return fallback;
  return zero == ZeroRate::kAllowed ? read_rate_or_zero(sink, *f) : read_rate(sink, *f);
}

// The duration under `key`, in `range`: when absent, `fallback`, or a "missing key" error if none.
std::optional<sim::Duration> duration_key(DiagnosticSink& sink, MapReader& m, std::string_view key, DurationRange range,
                                          std::optional<sim::Duration> fallback = std::nullopt) {
  const auto f = fallback ? m.get(key) : m.require(key);
  if (!f) return fallback;
  return read_duration(sink, *f, range);
}

std::string rate_text(double per_s) { return sim::format_number(per_s) + "/s"; }

std::optional<model::ArrivalSpec> read_onoff(ScenarioDraft& draft, MapReader& m) {
  DiagnosticSink& sink = draft.sink;
  const auto on_rate = rate_key(sink, m, "rate", ZeroRate::kRefused);
  const auto off_rate = rate_key(sink, m, "off_rate", ZeroRate::kAllowed, 0.0);
  const auto on = duration_key(sink, m, "on", DurationRange::positive());
  const auto off = duration_key(sink, m, "off", DurationRange::positive());
  if (!on_rate || !off_rate || !on || !off) return std::nullopt;
  return model::OnOffArrivals{*on_rate, *off_rate, *on, *off};
}

std::optional<model::ArrivalSpec> read_ramp(ScenarioDraft& draft, MapReader& m) {
  DiagnosticSink& sink = draft.sink;
  const auto from = rate_key(sink, m, "from", ZeroRate::kAllowed);
  const auto to = rate_key(sink, m, "to", ZeroRate::kAllowed);
  const auto over = duration_key(sink, m, "over", DurationRange::positive());
  const auto start = duration_key(sink, m, "start", {}, sim::Duration::zero());
  if (!from || !to || !over || !start) return std::nullopt;
  if (*from == 0 && *to == 0) {
    const Field tf = *m.get("to");
    sink.error(tf.mark, tf.path, "a ramp from 0/s to 0/s never makes a connection: one of from and to must be > 0");
    return std::nullopt;
  }
  return model::RampArrivals{*from, *to, sim::Time::zero() + *start, *over};
}

std::optional<model::ArrivalSpec> read_flash_crowd(ScenarioDraft& draft, MapReader& m) {
  DiagnosticSink& sink = draft.sink;
  const auto base = rate_key(sink, m, "base", ZeroRate::kAllowed);
  const auto peak = rate_key(sink, m, "peak", ZeroRate::kRefused);
  const auto af = m.require("at");
  const auto at = af ? read_duration(sink, *af) : std::nullopt;
  if (at) draft.starts_before_end(*af, *at, "the flash crowd");
  const auto rise = duration_key(sink, m, "rise", {}, sim::Duration::zero());
  const auto decay = duration_key(sink, m, "decay", DurationRange::positive());
  if (base && peak && *peak < *base) {
    const Field pf = *m.get("peak");
    sink.error(pf.mark, pf.path, "peak (" + rate_text(*peak) + ") must be >= base (" + rate_text(*base) + ")");
    return std::nullopt;
  }
  if (!base || !peak || !at || !rise || !decay) return std::nullopt;
  return model::FlashCrowdArrivals{*base, *peak, sim::Time::zero() + *at, *rise, *decay};
}

std::optional<model::ArrivalSpec> read_closed(ScenarioDraft& draft, MapReader& m) {
  DiagnosticSink& sink = draft.sink;
  const auto uf = m.require("users");
  const auto users = uf ? read_integer(sink, *uf, 1, kMaxClosedUsers) : std::nullopt;
  const auto tf = m.require("think");
  const auto think = tf ? read_distribution(sink, *tf) : std::nullopt;
  if (!users || !think) return std::nullopt;
  return model::ClosedLoopArrivals{*users, *think};
}

}  // namespace

std::optional<model::ArrivalSpec> read_arrivals(ScenarioDraft& draft, const Field& f) {
  DiagnosticSink& sink = draft.sink;
  auto tagged = read_tagged(sink, f, "process", kProcessKinds, "{process: poisson, rate: 1500/s}");
  if (!tagged) return std::nullopt;
  MapReader& m = tagged->reader;
  switch (static_cast<ProcessKind>(tagged->kind)) {
    case kPoisson:
    case kConstantRate: {
      const auto rf = m.require("rate");
      const auto rate = rf ? read_rate(sink, *rf) : std::nullopt;
      if (!rate) return std::nullopt;
      if (tagged->kind == kPoisson) return model::PoissonArrivals{*rate};
      return model::ConstantArrivals{*rate};
    }
    case kBurst: {
      model::BurstArrivals burst;
      const auto cf = m.require("count");
      const auto count = cf ? read_integer(sink, *cf, 1, kMaxBurstCount) : std::nullopt;
      bool ok = count.has_value();
      if (count) burst.count = *count;
      if (const auto af = m.get("at")) {
        const auto at = read_duration(sink, *af);
        ok = ok && at.has_value();
        if (at) burst.at = sim::Time::zero() + *at;
        if (at) draft.starts_before_end(*af, *at, "the burst");
      }
      if (const auto of = m.get("over")) {
        const auto over = read_duration(sink, *of);
        ok = ok && over.has_value();
        if (over) burst.over = *over;
      }
      if (!ok) return std::nullopt;
      return burst;
    }
    case kOnOff: return read_onoff(draft, m);
    case kRamp: return read_ramp(draft, m);
    case kFlashCrowd: return read_flash_crowd(draft, m);
    case kTrace: return read_trace_arrivals(draft, m);
    case kClosed: return read_closed(draft, m);
  }
  return std::nullopt;
}

}  // namespace config::detail

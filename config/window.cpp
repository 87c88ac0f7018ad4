#include "config/window.h"

#include "config/suggest.h"
#include "sim/format.h"

namespace config {

std::string window_problem(sim::Duration from, sim::Duration to, sim::Duration duration) {
  if (to > duration) {
    return "the window ends at " + sim::format_duration(to) + ", after the run (duration " +
           sim::format_duration(duration) + ")";
  }
  if (from >= to) {
    return "the window must start before it ends: from " + sim::format_duration(from) + ", to " +
           sim::format_duration(to);
  }
  return "";
}

ParseResult<model::MeasureWindow> parse_window(std::string_view text, sim::Duration duration) {
  const std::size_t dots = text.find("..");
  if (dots == std::string_view::npos) {
    return {std::nullopt, "expected a window FROM..TO such as 40s..160s, got " + quote(text)};
  }
  const std::string_view from_text = text.substr(0, dots);
  const std::string_view to_text = text.substr(dots + 2);
  sim::Duration from = sim::Duration::zero();
  sim::Duration to = duration;
  if (!from_text.empty()) {
    const ParseResult<sim::Duration> f = parse_duration(from_text);
    if (!f.ok()) return {std::nullopt, "the window's start: " + f.error};
    from = *f.value;
  }
  if (!to_text.empty()) {
    const ParseResult<sim::Duration> t = parse_duration(to_text);
    if (!t.ok()) return {std::nullopt, "the window's end: " + t.error};
    to = *t.value;
  }
  if (std::string problem = window_problem(from, to, duration); !problem.empty()) return {std::nullopt, problem};
  return {model::MeasureWindow{sim::Time::zero() + from, sim::Time::zero() + to}, {}};
}

}  // namespace config

#include "config/detail/measure_reader.h"

#include <string_view>

#include "config/window.h"

namespace config::detail {

namespace {
constexpr std::string_view kMeasureKeys[] = {"from", "to"};
}  // namespace

void read_measure(ScenarioDraft& draft, const Field& f) {
  DiagnosticSink& sink = draft.sink;
  MapReader m(sink, f, kMeasureKeys);
  if (!m.is_map()) return;
  if (!m.get("from") && !m.get("to")) {
    sink.error(f.mark, f.path, "a window needs `from`, `to` or both: measure: {from: 40s, to: 160s}");
    return;
  }
  if (!draft.duration) return;  // the duration's own error says enough
  sim::Duration from = sim::Duration::zero();
  sim::Duration to = *draft.duration;
  bool ok = true;
  if (const auto ff = m.get("from")) {
    const auto d = read_duration(sink, *ff);
    ok = d.has_value();
    if (d) from = *d;
  }
  const auto tf = m.get("to");
  if (tf) {
    const auto d = read_duration(sink, *tf, DurationRange::positive());
    ok = d.has_value() && ok;
    if (d) to = *d;
  }
  if (!ok) return;
  if (const std::string problem = window_problem(from, to, *draft.duration); !problem.empty()) {
    const Field& where = tf ? *tf : *m.get("from");
    sink.error(where.mark, where.path, problem);
    return;
  }
  draft.spec.measure = model::MeasureWindow{sim::Time::zero() + from, sim::Time::zero() + to};
}

}  // namespace config::detail

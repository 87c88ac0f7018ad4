#include "config/detail/trace_arrivals.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "config/detail/text.h"
#include "config/suggest.h"
#include "config/trace_reader.h"
#include "sim/format.h"

namespace config::detail {

namespace {

// A file name in a message: quoted and escaped like any text, but not shortened.
std::string quote_path(const std::string& path) { return quote(path, 1024); }

}  // namespace

std::optional<model::ArrivalSpec> read_trace_arrivals(ScenarioDraft& draft, MapReader& m) {
  DiagnosticSink& sink = draft.sink;
  const auto csv = m.get("csv");
  const auto pcap = m.get("pcap");
  if (csv && pcap) {
    const Field& second = before(csv->mark, pcap->mark) ? *pcap : *csv;
    sink.error(second.mark, second.path, "give either csv (a log of connects) or pcap (a capture), not both");
    return std::nullopt;
  }
  if (!csv && !pcap) {
    m.require("csv", "unless pcap is given");
    return std::nullopt;
  }
  const Field& file_field = csv ? *csv : *pcap;
  bool ok = true;
  std::optional<std::string> id;
  if (const auto idf = m.get("id")) {
    if (pcap) {
      sink.error(idf->mark, idf->path, "id selects lines of a csv trace; a pcap trace selects SYNs by port");
      ok = false;
    } else {
      id = read_string(sink, *idf, "the id of the lines to replay");
      if (id && id->empty()) sink.error(idf->mark, idf->path, "expected the id of the lines to replay, got \"\"");
      ok = ok && id && !id->empty();
    }
  }
  std::optional<std::int64_t> port;
  if (pcap) {
    const auto pf = m.require("port", "with pcap");
    port = pf ? read_port(sink, *pf) : std::nullopt;
    ok = ok && port.has_value();
  } else if (const auto pf = m.get("port")) {
    sink.error(pf->mark, pf->path,
               "port selects the SYNs of a pcap trace; a csv trace has no ports (id selects its lines)");
    ok = false;
  }
  double time_scale = 1.0;
  if (const auto sf = m.get("time_scale")) {
    const auto v = read_number(sink, *sf, NumberRange::above(0));
    if (v) time_scale = *v;
    ok = ok && v.has_value();
  }
  const auto written = read_string(sink, file_field, csv ? "a CSV file name" : "a capture file name");
  if (!written) return std::nullopt;
  if (pcap && !port) return std::nullopt;  // the port picks the SYNs: nothing to read without it

  const std::filesystem::path name(*written);
  const std::string path = (name.is_absolute() || draft.base_dir.empty() ? name : draft.base_dir / name).string();
  TraceRead trace = csv ? read_csv_trace(path, CsvTraceOptions{id, time_scale})
                        : read_pcap_trace(path, PcapTraceOptions{static_cast<int>(port.value_or(0)), time_scale});
  sink.note_input(path);
  if (trace.unreadable) {
    sink.error(file_field.mark, file_field.path,
               "cannot read the trace " + quote_path(path) + ": " + *trace.unreadable);
    return std::nullopt;
  }
  for (TraceProblem& p : trace.problems) {
    sink.error_in_other_file(file_field.mark,
                             Diagnostic{path, p.line, p.column, file_field.path, std::move(p.message)});
  }
  if (!trace.problems.empty() || !ok) return std::nullopt;
  if (trace.times.empty()) {
    if (pcap) {
      sink.error(file_field.mark, file_field.path,
                 "the capture " + quote_path(path) + " has no TCP SYN to port " + std::to_string(*port) + " (" +
                     std::to_string(trace.packets) + " packets read)");
    } else if (id) {
      const Field idf = *m.get("id");
      const std::vector<std::string_view> ids(trace.ids.begin(), trace.ids.end());
      std::string message = "no line of " + quote_path(path) + " has id " + quote(*id);
      const std::string_view match = closest_match(*id, ids);
      if (!match.empty()) {
        message += "; did you mean " + quote(match) + "?";
      } else {
        // Ids are the file's text: each cut short, and the list too.
        std::vector<std::string> quoted;
        for (const std::string_view i : ids) quoted.push_back(quote(i));
        const std::vector<std::string_view> shown_ids(quoted.begin(), quoted.end());
        message += ids.empty() ? " (no line has an id)" : " (ids in the file: " + join_some(shown_ids, 10) + ")";
      }
      sink.error(idf.mark, idf.path, message);
    } else {
      sink.error(file_field.mark, file_field.path,
                 "the trace " + quote_path(path) + " has no arrivals: no line holds a time");
    }
    return std::nullopt;
  }
  if (draft.duration && trace.times.front().since_start() >= *draft.duration) {
    sink.error(file_field.mark, file_field.path,
               "every arrival of the trace is at or after the run's end (duration " +
                   sim::format_duration(*draft.duration) + "): the first is at " +
                   sim::format_duration(trace.times.front().since_start()));
    return std::nullopt;
  }
  return model::TraceArrivals{std::make_shared<const std::vector<sim::Time>>(std::move(trace.times)), *written};
}

}  // namespace config::detail

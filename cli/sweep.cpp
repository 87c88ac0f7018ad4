#include "cli/sweep.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "cli/metrics.h"
#include "cli/output.h"
#include "cli/output_files.h"
#include "cli/progress.h"
#include "cli/replicate.h"
#include "cli/study.h"
#include "config/input_file.h"
#include "sim/format.h"

namespace cli {

namespace {

constexpr std::string_view kFormat = "synstorm-sweep/1";
constexpr double kConfidence = 0.95;
// The largest --resume file read (a sweep's JSON); a larger one is refused.
constexpr std::uint64_t kMaxResumeBytes = std::uint64_t{4} << 30;

// Every replication of one point, all of them done.
struct PointRuns {
  std::vector<std::uint64_t> seeds;
  std::vector<std::uint64_t> digests;
  std::vector<MetricValues> samples;
};

using Runs = std::vector<std::optional<PointRuns>>;  // per point; nullopt: not done

// A point some of whose replications stopped at a limit (the first one's reason).
struct CutPoint {
  std::size_t point;
  model::CutShort why;
  std::uint32_t replications;  // how many of the point's were cut short
};
// The cut-short points stderr lists by name; the JSON lists them all.
constexpr std::size_t kMaxCutPointsListed = 20;

std::vector<double> column(const PointRuns& runs, std::size_t metric) {
  std::vector<double> values;
  values.reserve(runs.samples.size());
  for (const MetricValues& v : runs.samples) values.push_back(v[metric]);
  return values;
}

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::uint64_t parse_hex(const std::string& text) {
  std::uint64_t v = 0;
  std::istringstream in(text);
  in >> std::hex >> v;
  if (!in || !in.eof()) throw std::runtime_error("bad hex number " + text);
  return v;
}

// ---- output ----

nlohmann::json vary_json(const Study& study) {
  nlohmann::json varies = nlohmann::json::array();
  for (const Vary& v : study.varies) {
    varies.push_back({{"argument", v.argument}, {"path", v.path}, {"values", v.values}});
  }
  return varies;
}

// Every metric's name, in MetricValues order: the table's, then the selected ones.
std::vector<std::string> metric_names(std::span<const SelectedMetric> selected) {
  std::vector<std::string> names;
  for (const MetricInfo& m : metric_table()) names.emplace_back(m.name);
  for (const SelectedMetric& s : selected) names.push_back(s.name);
  return names;
}

nlohmann::json point_json(std::size_t index, const Point& point, const PointRuns& runs,
                          std::span<const std::string> names) {
  nlohmann::json values = nlohmann::json::object();
  for (const config::Override& o : point) values[o.path] = o.value;
  nlohmann::json digests = nlohmann::json::array();
  for (const std::uint64_t d : runs.digests) digests.push_back(digest_hex(d));
  nlohmann::json samples = nlohmann::json::object();
  nlohmann::json summary = nlohmann::json::object();
  for (std::size_t m = 0; m < names.size(); ++m) {
    const std::vector<double> xs = column(runs, m);
    nlohmann::json list = nlohmann::json::array();
    for (const double x : xs) list.push_back(number_or_null(x));
    const std::string& name = names[m];
    samples[name] = std::move(list);
    const sim::MeanCI ci = summarize(xs, kConfidence);
    summary[name] = {{"mean", number_or_null(ci.mean)}, {"ci95", number_or_null(ci.half_width)}, {"n", ci.n}};
  }
  return {{"point", index},
          {"values", std::move(values)},
          {"seeds", runs.seeds},
          {"digests", std::move(digests)},
          {"samples", std::move(samples)},
          {"summary", std::move(summary)}};
}

// The --set pins and --crn, as the JSON records them: present only when used, so that a
// sweep without them writes what it always did.
void add_options_json(nlohmann::json& j, const Study& study) {
  if (!study.pins.empty()) {
    nlohmann::json pins = nlohmann::json::object();
    for (const config::Override& o : study.pins) pins[o.path] = o.value;
    j["set"] = std::move(pins);
  }
  if (study.crn) j["crn"] = true;
}

nlohmann::json sweep_json(const SweepOptions& o, const Study& study, const Runs& runs, const std::vector<CutPoint>& cut,
                          bool interrupted, std::span<const SelectedMetric> selected) {
  nlohmann::json j;
  j["format"] = kFormat;
  j["scenario_file"] = o.file;
  j["scenario_fingerprint"] = digest_hex(study.source.fingerprint());
  j["vary"] = vary_json(study);
  add_options_json(j, study);
  j["reps"] = o.reps;
  j["confidence"] = kConfidence;
  const std::vector<std::string> names = metric_names(selected);
  j["metrics"] = names;
  j["interrupted"] = interrupted;
  j["points_total"] = study.points.size();
  nlohmann::json points = nlohmann::json::array();
  for (std::size_t p = 0; p < runs.size(); ++p) {
    if (runs[p]) points.push_back(point_json(p, study.points[p], *runs[p], names));
  }
  j["points_done"] = points.size();
  j["points"] = std::move(points);
  // Present only when some point was stopped at a limit, so that a complete sweep's
  // document is as it always was.
  if (!cut.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const CutPoint& c : cut) {
      nlohmann::json values = nlohmann::json::object();
      for (const config::Override& ov : study.points[c.point]) values[ov.path] = ov.value;
      list.push_back({{"point", c.point},
                      {"values", std::move(values)},
                      {"cut_short", std::string(model::cut_short_name(c.why))},
                      {"replications_cut_short", c.replications}});
    }
    j["points_cut_short"] = std::move(list);
  }
  return j;
}

// The first metric of each distinct reps_column: its n is that column's value.
std::vector<std::size_t> counted_metrics() {
  std::vector<std::size_t> first;
  for (std::size_t m = 0; m < kMetricCount; ++m) {
    const std::string_view c = metric_table()[m].reps_column;
    if (c.empty()) continue;
    bool seen = false;
    for (const std::size_t f : first) seen = seen || metric_table()[f].reps_column == c;
    if (!seen) first.push_back(m);
  }
  return first;
}

// A number as the CSV writes it: shortest round-trip, "inf" for an unbounded half-width,
// an empty cell for a mean with no samples.
void append_cell(std::string& line, double v) {
  line.push_back(',');
  if (!std::isnan(v)) sim::append_number(line, v);
}

void write_csv(std::ostream& out, const Study& study, const Runs& runs, std::span<const SelectedMetric> selected) {
  std::string line = "point";
  for (const Vary& v : study.varies) {
    line.push_back(',');
    sim::append_csv_field(line, v.path);
  }
  line += ",reps";
  const std::vector<std::size_t> counted = counted_metrics();
  for (const std::size_t m : counted) {
    line += ",";
    line += metric_table()[m].reps_column;
  }
  for (const MetricInfo& m : metric_table()) {
    line += ",";
    line += m.name;
    line += "_mean,";
    line += m.name;
    line += "_ci95";
  }
  // Each selected metric after the table's: mean, ci95 and, for a percentile, how many
  // replications had a value.
  for (const SelectedMetric& s : selected) {
    for (const std::string_view suffix : {"_mean", "_ci95", "_n"}) {
      if (suffix == "_n" && metric_table()[s.metric].reps_column.empty()) continue;
      line.push_back(',');
      sim::append_csv_field(line, s.name + std::string(suffix));
    }
  }
  line.push_back('\n');
  out << line;
  for (std::size_t p = 0; p < runs.size(); ++p) {
    if (!runs[p]) continue;
    line = std::to_string(p);
    for (const config::Override& o : study.points[p]) {
      line.push_back(',');
      sim::append_csv_field(line, o.value);
    }
    line += "," + std::to_string(runs[p]->samples.size());
    for (const std::size_t m : counted) line += "," + std::to_string(summarize(column(*runs[p], m), kConfidence).n);
    for (std::size_t m = 0; m < kMetricCount + selected.size(); ++m) {
      const sim::MeanCI ci = summarize(column(*runs[p], m), kConfidence);
      append_cell(line, ci.mean);
      append_cell(line, ci.half_width);
      if (m >= kMetricCount && !metric_table()[selected[m - kMetricCount].metric].reps_column.empty()) {
        line += "," + std::to_string(ci.n);
      }
    }
    line.push_back('\n');
    out << line;
  }
}

// ---- resume ----

// Fills `runs` with the points of a previous sweep's JSON. Returns "" or why it cannot be
// used. `seeds[p]`: point p's scenario seed.
std::string read_resume(const std::string& path, const SweepOptions& o, const Study& study,
                        const std::vector<std::uint64_t>& seeds, std::span<const SelectedMetric> selected, Runs& runs) {
  std::string error;
  const std::optional<std::string> text = config::read_input(path, kMaxResumeBytes, error);
  if (!text) return "cannot read it: " + error;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    return std::string("it is not JSON (") + e.what() + ")";
  }
  try {
    if (!j.is_object() || j.value("format", "") != kFormat) {
      return "it is not a synstorm sweep's JSON (no \"format\": \"" + std::string(kFormat) + "\")";
    }
    if (j.at("scenario_fingerprint").get<std::string>() != digest_hex(study.source.fingerprint())) {
      return "it was made from a different scenario text (the file " + o.file + " has changed since)";
    }
    if (j.at("vary") != vary_json(study)) {
      std::string was;
      for (const auto& v : j.at("vary")) was += " --vary " + v.at("argument").get<std::string>();
      return "it was made with other --vary arguments:" + (was.empty() ? std::string(" none") : was);
    }
    nlohmann::json options = nlohmann::json::object();
    add_options_json(options, study);
    for (const char* key : {"set", "crn"}) {
      const nlohmann::json was = j.contains(key) ? j.at(key) : nlohmann::json();
      const nlohmann::json now = options.contains(key) ? options.at(key) : nlohmann::json();
      if (was != now) {
        return std::string("it was made with other ") + (key == std::string("set") ? "--set pins" : "--crn") + " (" +
               (was.is_null() ? "none" : was.dump()) + "; this sweep: " + (now.is_null() ? "none" : now.dump()) + ")";
      }
    }
    const std::vector<std::string> names = metric_names(selected);
    if (j.at("metrics") != nlohmann::json(names)) {
      return "it was made with other --metrics (its metrics: " + j.at("metrics").dump() + ")";
    }
    if (j.at("reps").get<std::uint32_t>() != o.reps) {
      return "it was made with --reps " + std::to_string(j.at("reps").get<std::uint32_t>()) +
             ", this sweep has --reps " + std::to_string(o.reps);
    }
    for (const auto& pj : j.at("points")) {
      const auto p = pj.at("point").get<std::size_t>();
      const std::string where = "point " + std::to_string(p);
      if (p >= study.points.size() || runs[p]) return where + " is out of range or listed twice";
      nlohmann::json values = nlohmann::json::object();
      for (const config::Override& ov : study.points[p]) values[ov.path] = ov.value;
      if (pj.at("values") != values) return where + " has other values than this sweep's point " + std::to_string(p);
      PointRuns r;
      r.seeds = pj.at("seeds").get<std::vector<std::uint64_t>>();
      if (r.seeds != replication_seeds(study, p, seeds[p], 0, o.reps)) {
        return where + " was run with other seeds (a different scenario seed?)";
      }
      for (const auto& d : pj.at("digests")) r.digests.push_back(parse_hex(d.get<std::string>()));
      r.samples.assign(o.reps, MetricValues(names.size()));
      for (std::size_t m = 0; m < names.size(); ++m) {
        const auto& list = pj.at("samples").at(names[m]);
        if (list.size() != o.reps) return where + " has " + std::to_string(list.size()) + " samples of a metric";
        for (std::size_t k = 0; k < o.reps; ++k)
          r.samples[k][m] = list[k].is_null() ? std::nan("") : list[k].get<double>();
      }
      if (r.digests.size() != o.reps) return where + " has " + std::to_string(r.digests.size()) + " digests";
      runs[p] = std::move(r);
    }
  } catch (const std::exception& e) {
    return std::string("it is malformed (") + e.what() + ")";
  }
  return "";
}

// ---- the sweep ----

// Prints each line of `problems` after "synstorm: "; true when there were none.
bool report(const std::string& problems, std::ostream& err) {
  std::size_t begin = 0;
  while (begin < problems.size()) {
    const std::size_t end = problems.find('\n', begin);
    err << "synstorm: " << problems.substr(begin, end - begin) << "\n";
    begin = end == std::string::npos ? problems.size() : end + 1;
  }
  return problems.empty();
}

// Rank 0's checks of the outputs and the resume file; the points found done there.
// nullopt after printing a problem.
std::optional<Runs> root_checks(const SweepOptions& o, const Study& study, const std::vector<std::uint64_t>& seeds,
                                std::span<const SelectedMetric> selected, const std::vector<std::string>& inputs,
                                OutputFiles& outputs, std::ostream& err) {
  outputs.add("--out", o.csv_path);
  outputs.add("--json", o.json_path);
  if (!report(outputs.prepare(inputs), err)) return std::nullopt;
  Runs runs(study.points.size());
  if (!o.resume) return runs;
  if (o.json_path == "-") {
    err << "synstorm: --resume reads --json's file; standard output (-) cannot be resumed from\n";
    return std::nullopt;
  }
  if (!config::file_id(o.json_path)) {
    err << "synstorm: --resume: " << o.json_path << " does not exist yet; starting from the first point\n";
    return runs;
  }
  const std::string problem = read_resume(o.json_path, o, study, seeds, selected, runs);
  if (!problem.empty()) {
    err << "synstorm: cannot resume from " << o.json_path << ": " << problem
        << "; run the same command as before, or start afresh without --resume\n";
    return std::nullopt;
  }
  const auto done = std::count_if(runs.begin(), runs.end(), [](const auto& r) { return r.has_value(); });
  err << "synstorm: --resume: " << done << " of " << runs.size() << " points already done in " << o.json_path
      << "; running the rest\n";
  return runs;
}

std::string outputs_text(const SweepOptions& o) {
  return o.json_path.empty() ? o.csv_path : o.csv_path + " and " + o.json_path;
}

// --dry-run: the grid's size and an estimate of its time from one pilot replication (point
// 0, replication 0), measured on the wall clock. The estimate is printed, never written.
// Collective: the pilot runs on rank 0; `err` prints on rank 0 only.
int dry_run(const SweepOptions& o, const Study& study, const std::vector<std::uint64_t>& seeds, const SpecLoader& load,
            const Ranks& ranks, std::ostream& err) {
  std::string dims;
  for (const Vary& v : study.varies) {
    dims += (dims.empty() ? "" : " x ") + v.path + ": " + std::to_string(v.values.size()) +
            (v.values.size() == 1 ? " value" : " values");
  }
  const std::uint64_t runs = static_cast<std::uint64_t>(study.points.size()) * o.reps;
  err << "sweep: " << study.points.size() << (study.points.size() == 1 ? " point" : " points")
      << (dims.empty() ? "" : " (" + dims + ")") << " x " << o.reps << (o.reps == 1 ? " replication" : " replications")
      << " = " << runs << (runs == 1 ? " run" : " runs") << "\n";
  const Replication pilot{0, replication_seeds(study, 0, seeds[0], 0, 1).front()};
  const auto start = std::chrono::steady_clock::now();
  const std::vector<ReplicationResult> r = run_replications(
      load, std::span(&pilot, 1), 1, ranks, ReplicationLimits{inflight_limit_per_job(o.max_inflight, 1)});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!r.front().done) {
    err << "synstorm: interrupted during the pilot replication\n";
    return kExitInterrupted;
  }
  const unsigned threads = o.jobs * static_cast<unsigned>(ranks.size());
  char line[160];
  std::snprintf(line, sizeof line, "pilot: point 0, replication 0 took %.3g s (wall clock, this machine)\n", seconds);
  err << line;
  std::snprintf(line, sizeof line,
                "estimate: about %.3g s for %llu runs on %u thread%s (pilot time x runs / threads; points that load "
                "more traffic take longer)\n",
                seconds * static_cast<double>(runs) / threads, static_cast<unsigned long long>(runs), threads,
                threads == 1 ? "" : "s");
  err << line << "dry run: nothing else was run, nothing written\n";
  return kExitOk;
}

}  // namespace

int run_sweep(const SweepOptions& o, const Ranks& ranks, std::ostream& root_err) {
  std::ostream discard(nullptr);
  std::ostream& err = ranks.is_root() ? root_err : discard;
  install_interrupt_handlers();
  if (o.reps < 1) {
    err << "synstorm: --reps must be at least 1\n";
    return kExitBadInput;
  }
  if (o.resume && o.json_path.empty()) {
    err << "synstorm: --resume needs --json FILE: the JSON records what a resumed sweep checks and reuses "
           "(the scenario, the --vary and --reps, every replication's values)\n";
    return kExitBadInput;
  }
  if (o.csv_path.empty() && !o.dry_run) {
    err << "synstorm: --out FILE is required (the CSV of the sweep), unless --dry-run\n";
    return kExitBadInput;
  }
  std::optional<Study> study = prepare_study(o.file, o.vary, err, o.set, o.window);
  if (!agreed(study.has_value(), ranks.all(study.has_value()), err)) return kExitBadInput;
  study->crn = o.crn;

  // Every point is loaded (and so checked) before anything runs; only its seed is kept, so
  // that memory does not grow with the grid: a worker loads a point again when it takes it.
  std::vector<std::uint64_t> seeds;
  seeds.reserve(study->points.size());
  std::vector<std::string> printed;
  std::vector<std::string> inputs;
  std::size_t bad = 0;
  std::optional<std::size_t> first_bad;
  std::vector<SelectedMetric> selected;
  std::string metrics_problem;
  for (std::size_t p = 0; p < study->points.size(); ++p) {
    if (interrupted()) {
      err << "synstorm: interrupted (signal " << interrupt_signal() << ") while loading point " << p << " of "
          << study->points.size() << "; nothing was run or written\n";
      return kExitInterrupted;
    }
    const auto spec = load_point(*study, p, err, printed, inputs);
    if (!spec) {
      ++bad;
      if (!first_bad) first_bad = p;
      seeds.push_back(0);
      continue;
    }
    seeds.push_back(spec->seed);
    // The groups and listeners --metrics names are checked against every point (a --vary
    // could rename one).
    if (!o.metrics.empty() && metrics_problem.empty()) {
      auto parsed = parse_metric_list(o.metrics, *spec);
      if (auto* e = std::get_if<std::string>(&parsed)) {
        metrics_problem = std::move(*e) + (p > 0 ? " (at " + describe_point(study->points[p]) + ")" : "");
      } else if (p == 0) {
        selected = std::get<std::vector<SelectedMetric>>(std::move(parsed));
      }
    }
  }
  if (!agreed(bad == 0, ranks.all(bad == 0), err)) {
    if (bad == 0) return kExitBadInput;
    err << "synstorm: " << bad << " of " << study->points.size() << (study->points.size() == 1 ? " point" : " points")
        << " cannot be loaded (the first: " << describe_point(study->points[*first_bad]) << "); nothing was run\n";
    return kExitBadInput;
  }
  if (!metrics_problem.empty()) {
    err << "synstorm: " << sim::printable(metrics_problem) << "\n";
    return kExitBadInput;
  }
  const SpecLoader load = [&study](std::size_t p) {
    std::ostringstream problems;
    std::vector<std::string> seen;
    std::vector<std::string> read;
    std::optional<model::ScenarioSpec> spec = load_point(*study, p, problems, seen, read);
    // It loaded before; the text is held in memory, so it loads the same again.
    if (!spec) throw std::runtime_error("point " + std::to_string(p) + " no longer loads: " + problems.str());
    return std::move(*spec);
  };
  if (o.dry_run) return dry_run(o, *study, seeds, load, ranks, err);

  // Rank 0 checks the outputs and reads the resume file; every rank learns which points
  // are left to run.
  Runs runs(study->points.size());
  OutputFiles outputs;
  std::vector<std::uint64_t> verdict;  // {ok, points already done...}
  if (ranks.is_root()) {
    std::optional<Runs> found = root_checks(o, *study, seeds, selected, inputs, outputs, err);
    verdict.push_back(found ? 1 : 0);
    if (found) {
      runs = std::move(*found);
      for (std::size_t p = 0; p < runs.size(); ++p) {
        if (runs[p]) verdict.push_back(p);
      }
    }
  }
  verdict = ranks.broadcast(std::move(verdict));
  if (verdict.empty() || verdict[0] == 0) return kExitBadInput;
  std::vector<bool> done_before(study->points.size(), false);
  for (std::size_t k = 1; k < verdict.size(); ++k) done_before[static_cast<std::size_t>(verdict[k])] = true;

  std::vector<Replication> replications;
  std::vector<std::size_t> todo;
  for (std::size_t p = 0; p < study->points.size(); ++p) {
    if (done_before[p]) continue;
    todo.push_back(p);
    for (const std::uint64_t seed : replication_seeds(*study, p, seeds[p], 0, o.reps)) {
      replications.push_back(Replication{p, seed});
    }
  }

  ProgressBar bar(ranks.size() > 1 ? "sweep (rank 0's share)" : "sweep", o.progress && ranks.is_root());
  const ReplicationLimits limits{inflight_limit_per_job(o.max_inflight, o.jobs)};
  const std::vector<ReplicationResult> results =
      run_replications(load, replications, o.jobs, ranks, limits, selected,
                       [&](std::size_t done, std::size_t total) { bar.update(done, total); });
  bar.finish();

  bool interrupted = false;
  std::vector<CutPoint> cut;
  for (std::size_t t = 0; t < todo.size(); ++t) {
    PointRuns r;
    bool complete = true;
    std::optional<CutPoint> cut_here;
    for (std::uint32_t k = 0; k < o.reps; ++k) {
      const Replication& job = replications[t * o.reps + k];
      const ReplicationResult& res = results[t * o.reps + k];
      complete = complete && res.done;
      if (res.done && res.cut_short != model::CutShort::kNo) {
        if (!cut_here) cut_here = CutPoint{todo[t], res.cut_short, 0};
        ++cut_here->replications;
      }
      r.seeds.push_back(job.seed);
      r.digests.push_back(res.digest);
      r.samples.push_back(res.values);
    }
    if (!complete) {
      interrupted = true;
    } else if (cut_here) {
      // A run stopped at a limit covers only part of the scenario: its point is reported
      // as cut short, not summarised (and --resume runs it again).
      cut.push_back(*cut_here);
    } else {
      runs[todo[t]] = std::move(r);
    }
  }
  if (!ranks.is_root()) return interrupted ? kExitInterrupted : kExitOk;

  std::string problem = outputs.write("--out", [&](std::ostream& f) { write_csv(f, *study, runs, selected); });
  if (problem.empty()) {
    problem = outputs.write("--json", [&](std::ostream& f) {
      f << sweep_json(o, *study, runs, cut, interrupted, selected).dump(2) << "\n";
    });
  }
  if (problem.empty()) problem = outputs.commit();
  if (!report(problem, err)) return kExitInternal;
  std::size_t done = 0;
  for (const auto& r : runs) done += r ? 1 : 0;
  if (!cut.empty()) {
    err << "synstorm: " << cut.size() << " of " << runs.size() << (runs.size() == 1 ? " point " : " points ")
        << (cut.size() == 1 ? "was" : "were") << " cut short, and left out of the summaries (--max-inflight "
        << limits.max_inflight << " per replication"
        << (o.max_inflight ? "" : ", by default half the memory shared between the -j threads") << "):\n";
    for (std::size_t k = 0; k < cut.size() && k < kMaxCutPointsListed; ++k) {
      err << "  point " << cut[k].point << " (" << sim::printable(describe_point(study->points[cut[k].point]))
          << "): " << cut[k].replications << " of " << o.reps << " replications stopped: "
          << (cut[k].why == model::CutShort::kStalled ? stalled_reason(model::RunControl{})
                                                      : std::string(model::cut_short_name(cut[k].why)))
          << "\n";
    }
    if (cut.size() > kMaxCutPointsListed) err << "  ... and " << cut.size() - kMaxCutPointsListed << " more\n";
  }
  if (interrupted) {
    err << "synstorm: sweep interrupted: " << done << " of " << runs.size() << " points done, written to "
        << outputs_text(o);
    if (!o.json_path.empty()) err << "; add --resume to the same command to run the rest";
    err << "\n";
    return kExitInterrupted;
  }
  err << "synstorm: sweep of " << runs.size() << (runs.size() == 1 ? " point" : " points") << " x " << o.reps
      << (o.reps == 1 ? " replication" : " replications") << " written to " << outputs_text(o) << "\n";
  return cut.empty() ? kExitOk : kExitCutShort;
}

}  // namespace cli

#include "cli/plan.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "cli/cost.h"
#include "cli/exit_codes.h"
#include "cli/interrupt.h"
#include "cli/metrics.h"
#include "cli/replicate.h"
#include "cli/study.h"
#include "config/suggest.h"
#include "sim/format.h"

namespace cli {

namespace {

// Four significant digits: evidence is for reading; the exact values are a sweep away.
std::string brief(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string_view op_text(Target::Op op) {
  switch (op) {
    case Target::Op::kLessEq: return "<=";
    case Target::Op::kLess: return "<";
    case Target::Op::kGreaterEq: return ">=";
    case Target::Op::kGreater: return ">";
  }
  return "?";
}

std::string_view verdict_text(Verdict v) {
  switch (v) {
    case Verdict::kMeets: return "meets";
    case Verdict::kFails: return "fails";
    case Verdict::kUndecided: return "undecided";
  }
  return "?";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

struct Probe {
  Verdict verdict = Verdict::kUndecided;
  sim::MeanCI ci{};
};

// The bisections of run_plan over positions 0..n-1 in search order (ascending values,
// or descending with --maximize), with every probe's verdict kept.
class Search {
 public:
  Search(const PlanOptions& o, const Target& target, const Study& study, const Ranks& ranks, std::ostream& out,
         std::ostream& err)
      : o_(o), target_(target), study_(study), ranks_(ranks), out_(out), err_(err) {}

  std::ptrdiff_t size() const { return static_cast<std::ptrdiff_t>(study_.points.size()); }
  std::size_t candidate(std::ptrdiff_t pos) const {
    const auto p = static_cast<std::size_t>(pos);
    return o_.maximize ? study_.points.size() - 1 - p : p;
  }
  const std::string& value(std::ptrdiff_t pos) const { return study_.points[candidate(pos)].front().value; }
  const std::map<std::size_t, Probe>& probes() const { return probes_; }
  int status() const { return status_; }

  // The verdict at `pos`, probing it if needed; nullopt (status() says why) when the
  // value cannot be loaded or the plan was interrupted.
  std::optional<Verdict> verdict(std::ptrdiff_t pos) {
    const std::size_t c = candidate(pos);
    if (const auto it = probes_.find(c); it != probes_.end()) return it->second.verdict;
    std::vector<std::string> printed;
    std::vector<std::string> inputs;
    const std::optional<model::ScenarioSpec> spec = load_point(study_, c, err_, printed, inputs);
    if (!spec) {
      status_ = kExitBadInput;
      return std::nullopt;
    }
    std::vector<double> samples;
    Probe probe;
    while (true) {
      const auto first = static_cast<std::uint32_t>(samples.size());
      const std::uint32_t count = std::min(o_.batch, o_.max_reps - first);
      std::vector<Replication> batch;
      for (const std::uint64_t seed : replication_seeds(study_, c, spec->seed, first, count)) {
        batch.push_back(Replication{0, seed});
      }
      const ReplicationLimits limits{inflight_limit_per_job(o_.max_inflight, o_.jobs)};
      const std::span<const SelectedMetric> selected =
          target_.selected ? std::span(&*target_.selected, 1) : std::span<const SelectedMetric>();
      const std::vector<ReplicationResult> results =
          run_replications([&spec](std::size_t) { return *spec; }, batch, o_.jobs, ranks_, limits, selected);
      for (const ReplicationResult& r : results) {
        if (!r.done) {
          status_ = kExitInterrupted;
          return std::nullopt;
        }
        if (r.cut_short != model::CutShort::kNo) {
          err_ << "synstorm: a replication of " << sim::printable(describe_point(study_.points[c]))
               << " was cut short ("
               << (r.cut_short == model::CutShort::kStalled
                       ? stalled_reason(model::RunControl{})
                       : "more than " + std::to_string(limits.max_inflight) + " connections in flight (--max-inflight" +
                             (o_.max_inflight ? "" : ", by default half the memory shared between the -j threads") +
                             ")")
               << "): no verdict can be drawn from it\n";
          status_ = kExitCutShort;
          return std::nullopt;
        }
        samples.push_back(r.values[target_.metric]);
      }
      probe.ci = summarize(samples, o_.confidence);
      probe.verdict = judge(target_, probe.ci.mean, probe.ci.half_width);
      if (probe.verdict != Verdict::kUndecided || samples.size() >= o_.max_reps) break;
    }
    probes_[c] = probe;
    out_ << "probe " << study_.points[c].front().path << "=" << study_.points[c].front().value << ": "
         << describe(probe) << "\n"
         << std::flush;
    return probe.verdict;
  }

  // The first position in (lo, hi) whose verdict passes `pass`, by bisection, assuming it
  // passes from some position on; hi when none does. nullopt when a probe stopped the plan.
  template <class Pass>
  std::optional<std::ptrdiff_t> first_where(std::ptrdiff_t lo, std::ptrdiff_t hi, Pass pass) {
    while (hi - lo > 1) {
      const std::ptrdiff_t m = lo + (hi - lo) / 2;
      const auto v = verdict(m);
      if (!v) return std::nullopt;
      (pass(*v) ? hi : lo) = m;
    }
    return hi;
  }

  std::string describe(const Probe& p) const {
    std::string s = (target_.selected ? target_.selected->name : std::string(metric_table()[target_.metric].name)) +
                    " = " + brief(p.ci.mean) + " ± " + brief(p.ci.half_width) + " (" + brief(100 * o_.confidence) +
                    "% CI, " + std::to_string(p.ci.n) + (p.ci.n == 1 ? " replication" : " replications") +
                    "): " + std::string(verdict_text(p.verdict));
    if (p.verdict == Verdict::kUndecided) {
      s += " (the interval contains " + brief(target_.bound) + " at the cap, --max-reps " +
           std::to_string(o_.max_reps) + ")";
    }
    return s;
  }

 private:
  const PlanOptions& o_;
  const Target& target_;
  const Study& study_;
  const Ranks& ranks_;
  std::ostream& out_;
  std::ostream& err_;
  std::map<std::size_t, Probe> probes_;  // by candidate index
  int status_ = kExitOk;
};

std::string values_text(const Vary& v) {
  if (v.is_range)
    return v.values.front() + ".." + v.values.back() + " (" + std::to_string(v.values.size()) + " values)";
  std::string s;
  for (const std::string& value : v.values) s += (s.empty() ? "" : ", ") + value;
  return s;
}

// The last line: the answer, or why there is none. `fm`: the first position shown to meet
// the target; `fnf`: the first not shown to fail it (both n for none). Returns the answer's
// position, if there is one.
std::optional<std::ptrdiff_t> print_outcome(std::ostream& out, const Search& search, const PlanOptions& o,
                                            const Vary& v, const Target& t, std::ptrdiff_t fm, std::ptrdiff_t fnf) {
  const std::ptrdiff_t n = search.size();
  const std::string goal = o.maximize ? "largest" : "smallest";
  if (fm == fnf && fm < n) {
    out << "answer: " << v.path << "=" << search.value(fm);
    if (fm == 0) {
      out << " (the " << goal << " value tried: the target may also be met beyond it)";
    }
    out << "\n";
    return fm;
  } else if (fnf == n) {
    const std::size_t last = search.candidate(n - 1);
    out << "none: no " << v.path << " in " << values_text(v) << " meets " << t.text;
    if (const auto it = search.probes().find(last); it != search.probes().end()) {
      out << " (" << v.path << "=" << search.value(n - 1) << " gives " << search.describe(it->second) << ")";
    }
    out << "\n";
  } else {
    out << "undecided: the " << goal << " " << v.path << " meeting " << t.text << " is ";
    if (fm < n) {
      out << "between " << search.value(fnf) << " and " << search.value(fm) << "; " << search.value(fm) << " is the "
          << goal << " value shown to meet it";
    } else {
      out << search.value(fnf) << " or beyond; no value was shown to meet it";
    }
    const std::ptrdiff_t last_open = fm - 1;  // the last value not decided either way
    out << "; " << search.value(fnf);
    if (last_open > fnf) out << " to " << search.value(last_open);
    out << " could not be told from the target with " << o.max_reps
        << " replications (raise --max-reps, or lower --confidence)\n";
  }
  return std::nullopt;
}

}  // namespace

std::variant<Target, std::string> parse_target(std::string_view text, const model::ScenarioSpec* spec) {
  const std::string expected = "--target " + std::string(text) +
                               ": expected METRIC OP NUMBER with OP one of <= < >= >, e.g. refusal_rate<=0.001";
  const std::size_t at = text.find_first_of("<>");
  if (at == std::string_view::npos) return expected;
  Target t{};
  std::size_t after = at + 1;
  const bool eq = after < text.size() && text[after] == '=';
  if (eq) ++after;
  t.op = text[at] == '<' ? (eq ? Target::Op::kLessEq : Target::Op::kLess)
                         : (eq ? Target::Op::kGreaterEq : Target::Op::kGreater);
  const std::string_view name = trim(text.substr(0, at));
  const std::string_view number = trim(text.substr(after));
  if (name.find('[') != std::string_view::npos) {
    if (!spec) return "--target " + std::string(text) + ": a metric of one group or listener needs the scenario";
    auto selected = parse_selected_metric(name, *spec);
    if (const auto* e = std::get_if<std::string>(&*selected)) return "--target " + std::string(text) + ": " + *e;
    t.selected = std::get<SelectedMetric>(std::move(*selected));
    t.metric = kMetricCount;
  }
  const auto metric = t.selected ? std::optional<std::size_t>(t.metric) : find_metric(name);
  if (!metric) {
    std::vector<std::string_view> names;
    for (const MetricInfo& m : metric_table()) names.push_back(m.name);
    return "--target " + std::string(text) + ": unknown metric " + config::quote(name) +
           config::suggestion_suffix(name, names);
  }
  t.metric = *metric;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), t.bound);
  if (number.empty() || ec != std::errc{} || end != number.data() + number.size() || !std::isfinite(t.bound)) {
    return expected;
  }
  t.text =
      (t.selected ? t.selected->name : std::string(name)) + std::string(op_text(t.op)) + sim::format_number(t.bound);
  return t;
}

Verdict judge(const Target& target, double mean, double half_width) {
  const double lo = mean - half_width;
  const double hi = mean + half_width;
  const double b = target.bound;
  // NaN (no samples) and an infinite half-width (one sample) compare false everywhere:
  // undecided, as they should be.
  switch (target.op) {
    case Target::Op::kLessEq:
      if (hi <= b) return Verdict::kMeets;
      if (lo > b) return Verdict::kFails;
      break;
    case Target::Op::kLess:
      if (hi < b) return Verdict::kMeets;
      if (lo >= b) return Verdict::kFails;
      break;
    case Target::Op::kGreaterEq:
      if (lo >= b) return Verdict::kMeets;
      if (hi < b) return Verdict::kFails;
      break;
    case Target::Op::kGreater:
      if (lo > b) return Verdict::kMeets;
      if (hi <= b) return Verdict::kFails;
      break;
  }
  return Verdict::kUndecided;
}

int run_plan(const PlanOptions& o, const Ranks& ranks, std::ostream& root_out, std::ostream& root_err) {
  std::ostream discard(nullptr);
  std::ostream& out = ranks.is_root() ? root_out : discard;
  std::ostream& err = ranks.is_root() ? root_err : discard;
  install_interrupt_handlers();
  if (!(o.confidence > 0 && o.confidence < 1)) {
    err << "synstorm: --confidence must be between 0 and 1 (exclusive), e.g. 0.95\n";
    return kExitBadInput;
  }
  if (o.batch < 2 || o.max_reps < o.batch) {
    err << "synstorm: --reps must be at least 2 (a confidence interval needs two replications) and --max-reps at "
           "least --reps\n";
    return kExitBadInput;
  }
  // Every --vary together first: their paths, overlaps and pins are checked as for sweep.
  std::optional<Study> all = prepare_study(o.file, o.vary, err, o.set, o.window);
  if (!agreed(all.has_value(), ranks.all(all.has_value()), err)) return kExitBadInput;
  const Vary& v = all->varies.front();
  const std::vector<Vary> grid_varies(all->varies.begin() + 1, all->varies.end());
  const std::vector<Point> grid = expand_grid(grid_varies);

  // One study per grid point: the searched values, with the pins and the grid point's
  // settings pinned.
  std::vector<Study> studies;
  for (const Point& g : grid) {
    Study s{all->source, {v}, expand_grid(std::span(&v, 1)), all->pins, o.crn, all->window};
    s.pins.insert(s.pins.end(), g.begin(), g.end());
    studies.push_back(std::move(s));
  }

  // A bad value should stop the plan before it runs, not halfway: every listed value is
  // loaded now, and a range's two ends (its values differ only in their digits).
  std::vector<std::string> printed;
  std::vector<std::string> inputs;
  bool loads = true;
  std::optional<model::ScenarioSpec> first_spec;
  for (const Study& study : studies) {
    for (std::size_t i = 0; i < study.points.size(); ++i) {
      if (v.is_range && i != 0 && i + 1 != study.points.size()) continue;
      if (interrupted()) {
        err << "synstorm: interrupted (signal " << interrupt_signal()
            << ") while loading the values; nothing was run\n";
        return kExitInterrupted;
      }
      auto spec = load_point(study, i, err, printed, inputs);
      loads = spec.has_value() && loads;
      if (spec && !first_spec) first_spec = std::move(spec);
    }
  }
  if (!agreed(loads, ranks.all(loads), err)) return kExitBadInput;

  const auto target = parse_target(o.target, &*first_spec);
  if (const auto* e = std::get_if<std::string>(&target)) {
    err << "synstorm: " << sim::printable(*e) << "\n";
    return kExitBadInput;
  }
  const Target& t = std::get<Target>(target);
  std::optional<CostExpr> cost;
  if (!o.cost.empty()) {
    std::vector<std::string> paths;
    for (const Vary& w : all->varies) paths.push_back(w.path);
    auto parsed = CostExpr::parse(o.cost, paths);
    if (const auto* e = std::get_if<std::string>(&parsed)) {
      err << "synstorm: " << sim::printable(*e) << "\n";
      return kExitBadInput;
    }
    cost = std::get<CostExpr>(std::move(parsed));
  }

  const std::string goal = o.maximize ? "largest" : "smallest";
  out << "plan: the " << goal << " " << v.path << " in " << values_text(v) << " meeting " << t.text << " at "
      << brief(100 * o.confidence) << "% confidence; replications in batches of " << o.batch << ", at most "
      << o.max_reps << " per value";
  if (!grid_varies.empty()) {
    out << "; for each of " << grid.size() << " grid points (";
    for (std::size_t k = 0; k < grid_varies.size(); ++k) out << (k ? " x " : "") << values_text(grid_varies[k]);
    out << ")";
  }
  out << "\n";

  // Each grid point's answer, if it has one: the searched value.
  std::vector<std::optional<std::string>> answers;
  for (std::size_t g = 0; g < studies.size(); ++g) {
    if (!grid_varies.empty()) out << "grid " << describe_point(grid[g]) << ":\n";
    Search search(o, t, studies[g], ranks, out, err);
    const std::ptrdiff_t n = search.size();
    const auto stopped = [&]() {
      if (search.status() == kExitInterrupted) {
        out << "interrupted: after " << search.probes().size() << " probes, before an answer\n";
      }
      return search.status();
    };
    // Bisection 1: the first position shown to meet the target (undecided counts as not).
    const auto first_meets = search.first_where(-1, n, [](Verdict verdict) { return verdict == Verdict::kMeets; });
    if (!first_meets) return stopped();
    // Bisection 2: the first position not shown to fail it, at or below that one. It starts
    // above the last failure already seen.
    std::ptrdiff_t last_fail = -1;
    for (const auto& [c, probe] : search.probes()) {
      const auto pos = static_cast<std::ptrdiff_t>(o.maximize ? studies[g].points.size() - 1 - c : c);
      if (probe.verdict == Verdict::kFails && pos < *first_meets) last_fail = std::max(last_fail, pos);
    }
    const auto first_not_failing =
        search.first_where(last_fail, *first_meets, [](Verdict verdict) { return verdict != Verdict::kFails; });
    if (!first_not_failing) return stopped();
    const auto answer = print_outcome(out, search, o, v, t, *first_meets, *first_not_failing);
    answers.push_back(answer ? std::optional<std::string>(search.value(*answer)) : std::nullopt);
  }
  if (grid_varies.empty()) return kExitOk;

  out << "frontier: the " << goal << " " << v.path << " meeting " << t.text << " per grid point\n";
  std::optional<std::size_t> cheapest;
  std::vector<double> costs(grid.size(), 0);
  for (std::size_t g = 0; g < grid.size(); ++g) {
    out << "  " << describe_point(grid[g]) << ": ";
    if (!answers[g]) {
      out << "no answer (see its lines above)\n";
      continue;
    }
    out << v.path << "=" << *answers[g];
    if (cost) {
      std::map<std::string, std::string> values{{v.path, *answers[g]}};
      for (const config::Override& ov : grid[g]) values[ov.path] = ov.value;
      const auto c = cost->evaluate(values);
      if (const auto* e = std::get_if<std::string>(&c)) {
        err << "synstorm: --cost: " << sim::printable(*e) << "\n";
        return kExitBadInput;
      }
      costs[g] = std::get<double>(c);
      out << "  cost " << brief(costs[g]);
      // The first of equal costs, in grid order.
      if (!cheapest || costs[g] < costs[*cheapest]) cheapest = g;
    }
    out << "\n";
  }
  if (cost) {
    if (cheapest) {
      out << "cheapest: " << describe_point(grid[*cheapest]) << ", " << v.path << "=" << *answers[*cheapest]
          << " (cost " << brief(costs[*cheapest]) << " by " << cost->text() << ")\n";
    } else {
      out << "cheapest: none: no grid point has an answer\n";
    }
  }
  return kExitOk;
}

}  // namespace cli

#include "cli/plan.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

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
      for (const std::uint64_t seed : replication_seeds(spec->seed, study_.points[c], first, count)) {
        batch.push_back(Replication{0, seed});
      }
      const ReplicationLimits limits{inflight_limit_per_job(o_.max_inflight, o_.jobs)};
      const std::vector<ReplicationResult> results =
          run_replications(std::span(&*spec, 1), batch, o_.jobs, ranks_, limits);
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
    std::string s = std::string(metric_table()[target_.metric].name) + " = " + brief(p.ci.mean) + " ± " +
                    brief(p.ci.half_width) + " (" + brief(100 * o_.confidence) + "% CI, " + std::to_string(p.ci.n) +
                    (p.ci.n == 1 ? " replication" : " replications") + "): " + std::string(verdict_text(p.verdict));
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
// the target; `fnf`: the first not shown to fail it (both n for none).
void print_outcome(std::ostream& out, const Search& search, const PlanOptions& o, const Vary& v, const Target& t,
                   std::ptrdiff_t fm, std::ptrdiff_t fnf) {
  const std::ptrdiff_t n = search.size();
  const std::string goal = o.maximize ? "largest" : "smallest";
  if (fm == fnf && fm < n) {
    out << "answer: " << v.path << "=" << search.value(fm);
    if (fm == 0) {
      out << " (the " << goal << " value tried: the target may also be met beyond it)";
    }
    out << "\n";
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
}

}  // namespace

std::variant<Target, std::string> parse_target(std::string_view text) {
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
  const auto metric = find_metric(name);
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
  t.text = std::string(name) + std::string(op_text(t.op)) + sim::format_number(t.bound);
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
  const auto target = parse_target(o.target);
  if (const auto* e = std::get_if<std::string>(&target)) {
    err << "synstorm: " << *e << "\n";
    return kExitBadInput;
  }
  const Target& t = std::get<Target>(target);
  const std::vector<std::string> varies{o.vary};
  const std::optional<Study> study = prepare_study(o.file, varies, err, o.window);
  if (!agreed(study.has_value(), ranks.all(study.has_value()), err)) return kExitBadInput;
  const Vary& v = study->varies.front();

  // A bad value should stop the plan before it runs, not halfway: every listed value is
  // loaded now, and a range's two ends (its values differ only in their digits).
  std::vector<std::string> printed;
  std::vector<std::string> inputs;
  bool loads = true;
  for (std::size_t i = 0; i < study->points.size(); ++i) {
    if (v.is_range && i != 0 && i + 1 != study->points.size()) continue;
    if (interrupted()) {
      err << "synstorm: interrupted (signal " << interrupt_signal() << ") while loading the values; nothing was run\n";
      return kExitInterrupted;
    }
    loads = load_point(*study, i, err, printed, inputs).has_value() && loads;
  }
  if (!agreed(loads, ranks.all(loads), err)) return kExitBadInput;

  Search search(o, t, *study, ranks, out, err);
  const std::string goal = o.maximize ? "largest" : "smallest";
  out << "plan: the " << goal << " " << v.path << " in " << values_text(v) << " meeting " << t.text << " at "
      << brief(100 * o.confidence) << "% confidence; replications in batches of " << o.batch << ", at most "
      << o.max_reps << " per value\n";

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
    const auto pos = static_cast<std::ptrdiff_t>(o.maximize ? study->points.size() - 1 - c : c);
    if (probe.verdict == Verdict::kFails && pos < *first_meets) last_fail = std::max(last_fail, pos);
  }
  const auto first_not_failing =
      search.first_where(last_fail, *first_meets, [](Verdict verdict) { return verdict != Verdict::kFails; });
  if (!first_not_failing) return stopped();
  print_outcome(out, search, o, v, t, *first_meets, *first_not_failing);
  return kExitOk;
}

}  // namespace cli

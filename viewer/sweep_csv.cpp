#include "viewer/sweep_csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string_view>

namespace viewer {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A whole field as a number ("1e-3", "inf", " 12 "); nullopt otherwise.
std::optional<double> number(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [s](std::string_view x) { return s == x; });
}

}  // namespace

std::variant<CsvTable, std::string> read_csv(std::istream& in) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;  // inside quotes
  bool any = false;     // the record has a field (or a separator) so far
  std::size_t line = 1, record_line = 1;
  const auto end_record = [&] {
    if (any) {
      record.push_back(std::move(field));
      records.push_back(std::move(record));
    }
    record.clear();
    field.clear();
    any = false;
  };
  char c = 0;
  while (in.get(c)) {
    if (quoted) {
      if (c == '"') {
        if (in.peek() == '"') {
          in.get(c);
          field.push_back('"');
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    switch (c) {
      case '"':
        quoted = true;
        any = true;
        break;
      case ',':
        record.push_back(std::move(field));
        field.clear();
        any = true;
        break;
      case '\r':
        if (in.peek() != '\n') field.push_back(c);
        break;
      case '\n':
        end_record();
        record_line = ++line;
        break;
      default: field.push_back(c); any = true;
    }
  }
  if (quoted) return "line " + std::to_string(record_line) + ": a quoted field is not closed";
  end_record();
  if (records.empty()) return std::string("the file is empty: expected a header line");
  CsvTable t;
  t.columns = std::move(records.front());
  for (std::size_t i = 1; i < records.size(); ++i) {
    if (records[i].size() != t.columns.size()) {
      return "row " + std::to_string(i + 1) + " has " + std::to_string(records[i].size()) + " fields, the header " +
             std::to_string(t.columns.size());
    }
    t.rows.push_back(std::move(records[i]));
  }
  return t;
}

std::variant<CsvTable, std::string> read_csv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot open";
  auto r = read_csv(in);
  if (auto* err = std::get_if<std::string>(&r)) *err = path + ": " + *err;
  return r;
}

SweepColumns classify_sweep_columns(const CsvTable& t) {
  constexpr std::string_view kMean = "_mean";
  SweepColumns c;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    const std::string& name = t.columns[i];
    if (name.size() > kMean.size() && name.ends_with(kMean)) {
      SweepMetric m;
      m.name = name.substr(0, name.size() - kMean.size());
      m.mean = i;
      c.metrics.push_back(std::move(m));
    }
  }
  std::vector<bool> taken(t.columns.size(), false);
  for (SweepMetric& m : c.metrics) {
    taken[m.mean] = true;
    const std::string prefix = m.name + "_";
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      const std::string& name = t.columns[i];
      if (taken[i] || !name.starts_with(prefix)) continue;
      // A longer metric's column ("latency_p99_mean" when this is "latency") is its own.
      bool longer_metric = false;
      for (const SweepMetric& other : c.metrics) {
        longer_metric = longer_metric || (other.name.size() > m.name.size() && name.starts_with(other.name + "_"));
      }
      if (longer_metric) continue;
      taken[i] = true;
      const std::string_view suffix = std::string_view(name).substr(prefix.size());
      if (is_one_of(suffix, {"lo", "low", "lower", "ci_lo", "ci_low", "ci_lower"})) {
        m.lo = i;
      } else if (is_one_of(suffix, {"hi", "high", "upper", "ci_hi", "ci_high", "ci_upper"})) {
        m.hi = i;
      } else if (is_one_of(suffix, {"half_width", "halfwidth", "hw", "ci", "ci95", "ci_half_width", "pm"})) {
        m.half_width = i;
      }
    }
  }
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (!taken[i]) c.parameters.push_back(i);
  }
  return c;
}

std::vector<std::size_t> varying_parameters(const CsvTable& t, const SweepColumns& c) {
  std::vector<std::size_t> out;
  for (const std::size_t p : c.parameters) {
    const bool varies = std::any_of(t.rows.begin(), t.rows.end(), [&](const auto& r) { return r[p] != t.rows[0][p]; });
    if (varies) out.push_back(p);
  }
  return out;
}

std::vector<std::size_t> x_candidates(const CsvTable& t, const SweepColumns& c) {
  const auto bookkeeping = [&](std::size_t col) {
    const std::string& name = t.columns[col];
    if (name == "point" || name == "reps" || name.ends_with("_reps")) return true;
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      if (number(t.rows[r][col]) != static_cast<double>(r)) return false;
    }
    return true;
  };
  std::vector<std::size_t> first, last;
  const std::vector<std::size_t> varying = varying_parameters(t, c);
  for (const std::size_t p : c.parameters) {
    const bool varies = std::find(varying.begin(), varying.end(), p) != varying.end();
    (varies && !bookkeeping(p) ? first : last).push_back(p);
  }
  first.insert(first.end(), last.begin(), last.end());
  return first;
}

std::optional<std::size_t> default_group(const CsvTable& t, const SweepColumns& c, std::size_t x) {
  const auto distinct = [&](std::size_t col) {
    std::set<std::string> values;
    for (const auto& r : t.rows) values.insert(r[col]);
    return values.size();
  };
  const std::size_t xs = distinct(x);
  if (xs == t.rows.size()) return std::nullopt;
  for (const std::size_t p : varying_parameters(t, c)) {
    if (p != x && distinct(p) * xs == t.rows.size()) return p;
  }
  return std::nullopt;
}

MetricRange metric_range(const std::string& name) {
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with("_rate") || ends_with("_fraction")) return {0.0, 1.0};
  return {0.0, std::numeric_limits<double>::infinity()};
}

SweepPlot sweep_plot(const CsvTable& t, std::size_t x, const SweepMetric& metric, std::optional<std::size_t> group) {
  SweepPlot plot;
  const bool numeric_x =
      std::all_of(t.rows.begin(), t.rows.end(), [&](const auto& r) { return number(r[x]).has_value(); });
  std::map<std::string, double> category;  // x value -> its position
  if (!numeric_x) {
    for (const auto& r : t.rows) {
      if (category.emplace(r[x], static_cast<double>(plot.x_labels.size())).second) plot.x_labels.push_back(r[x]);
    }
  }
  // Groups in first-appearance order.
  std::vector<std::string> group_order;
  std::map<std::string, std::size_t> group_index;
  for (const auto& r : t.rows) {
    const std::string key = group ? r[*group] : std::string();
    if (group_index.emplace(key, group_order.size()).second) group_order.push_back(key);
  }
  plot.curves.resize(group_order.size());
  for (std::size_t g = 0; g < group_order.size(); ++g) {
    plot.curves[g].label = group ? t.columns[*group] + "=" + group_order[g] : metric.name;
  }
  struct Point {
    double x, mean, lo, hi;
  };
  std::vector<std::vector<Point>> points(group_order.size());
  for (const auto& r : t.rows) {
    const std::optional<double> mean = number(r[metric.mean]);
    if (!mean || !std::isfinite(*mean)) {
      ++plot.skipped_rows;
      continue;
    }
    Point p{numeric_x ? *number(r[x]) : category.at(r[x]), *mean, kNaN, kNaN};
    if (metric.lo && metric.hi) {
      p.lo = number(r[*metric.lo]).value_or(kNaN);
      p.hi = number(r[*metric.hi]).value_or(kNaN);
    } else if (metric.half_width) {
      const double hw = number(r[*metric.half_width]).value_or(kNaN);
      p.lo = *mean - hw;
      p.hi = *mean + hw;
    }
    if (!std::isfinite(p.lo) || !std::isfinite(p.hi)) {
      p.lo = p.hi = kNaN;
    } else {
      // A symmetric interval (mean ± t·s/√n) can cross the metric's own bounds; nothing
      // outside them is possible.
      const MetricRange range = metric_range(metric.name);
      if (p.lo < range.lo || p.hi > range.hi) ++plot.clipped_points;
      p.lo = std::clamp(p.lo, range.lo, range.hi);
      p.hi = std::clamp(p.hi, range.lo, range.hi);
    }
    points[group_index.at(group ? r[*group] : std::string())].push_back(p);
  }
  for (std::size_t g = 0; g < points.size(); ++g) {
    std::stable_sort(points[g].begin(), points[g].end(), [](const Point& a, const Point& b) { return a.x < b.x; });
    SweepCurve& c = plot.curves[g];
    for (const Point& p : points[g]) {
      c.x.push_back(p.x);
      c.mean.push_back(p.mean);
      c.lo.push_back(p.lo);
      c.hi.push_back(p.hi);
    }
  }
  return plot;
}

std::variant<SweepChoice, std::string> choose_sweep_view(const CsvTable& t, const SweepColumns& c,
                                                         const std::string& metric, const std::string& x,
                                                         const std::string& series) {
  const auto listing = [](const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  SweepChoice choice;
  if (!metric.empty()) {
    std::vector<std::string> names;
    bool found = false;
    for (std::size_t i = 0; i < c.metrics.size() && !found; ++i) {
      names.push_back(c.metrics[i].name);
      if (metric == c.metrics[i].name || metric == c.metrics[i].name + "_mean") choice.metric = i, found = true;
    }
    if (!found) {
      for (std::size_t i = names.size(); i < c.metrics.size(); ++i) names.push_back(c.metrics[i].name);
      return "--metric " + metric + ": no such metric in the sweep; it has " + listing(names);
    }
  }
  const std::vector<std::size_t> xs = x_candidates(t, c);
  choice.x = xs.at(0);
  if (!x.empty()) {
    std::vector<std::string> names;
    for (const std::size_t p : xs) names.push_back(t.columns[p]);
    const auto it = std::find(names.begin(), names.end(), x);
    if (it == names.end()) return "--x " + x + ": no such parameter in the sweep; it has " + listing(names);
    choice.x = xs[static_cast<std::size_t>(it - names.begin())];
  }
  choice.group = default_group(t, c, choice.x);
  if (series == "none") {
    choice.group.reset();
  } else if (!series.empty()) {
    std::vector<std::string> names;
    for (const std::size_t p : varying_parameters(t, c)) {
      if (p == choice.x) continue;
      names.push_back(t.columns[p]);
      if (t.columns[p] == series) {
        choice.group = p;
        return choice;
      }
    }
    names.push_back("none");
    return "--series " + series + ": not a parameter that varies in the sweep (other than x); choose " + listing(names);
  }
  return choice;
}

}  // namespace viewer

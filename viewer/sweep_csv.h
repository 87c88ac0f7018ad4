// viewer/sweep_csv.h — a sweep's CSV (`synstorm sweep --out`), read without knowing its columns.
//
// A sweep writes one row per point: a column per varied scenario PATH (and maybe other
// bookkeeping such as the replication count), and per metric a `<metric>_mean` column with
// its confidence interval as `<metric>_lo` / `<metric>_hi` (or _low/_high, _lower/_upper,
// _ci_lo/_ci_hi) or as a half-width (`<metric>_half_width`, _halfwidth, _hw, _ci, _ci95,
// _pm). The reader takes the header as it comes: a metric is any `<name>_mean` column,
// every other `<name>_...` column belongs to it, and the remaining columns are parameters
// the user may plot a metric against.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace viewer {

struct CsvTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each as long as `columns`
};

// RFC 4180: comma separated, fields optionally double-quoted ("" inside quotes is a quote),
// CRLF or LF line ends; blank lines are skipped. Returns the message for the user on a row
// whose field count differs from the header's, an unterminated quote or an empty input.
std::variant<CsvTable, std::string> read_csv(std::istream& in);
std::variant<CsvTable, std::string> read_csv_file(const std::string& path);

struct SweepMetric {
  std::string name;  // "refusal_rate" for refusal_rate_mean
  std::size_t mean = 0;
  std::optional<std::size_t> lo;  // with hi: the interval's bounds
  std::optional<std::size_t> hi;
  std::optional<std::size_t> half_width;  // else mean ± half_width
  bool has_band() const { return (lo && hi) || half_width; }
};

struct SweepColumns {
  std::vector<SweepMetric> metrics;     // in column order
  std::vector<std::size_t> parameters;  // the other columns, in column order
};
SweepColumns classify_sweep_columns(const CsvTable& t);

// The parameters whose value differs between rows: the ones worth plotting against.
std::vector<std::size_t> varying_parameters(const CsvTable& t, const SweepColumns& c);

// The parameters to offer as the x axis, best first: the varying ones that are not
// bookkeeping, then the others. Bookkeeping is a row index (`point`, or any column holding
// 0, 1, 2, ... in row order) and a replication count (`reps`, `<name>_reps`).
std::vector<std::size_t> x_candidates(const CsvTable& t, const SweepColumns& c);

// A grouping that makes (x, group) a grid of the rows: the first other varying parameter
// whose distinct values times x's equal the row count. None when x alone spans the rows.
std::optional<std::size_t> default_group(const CsvTable& t, const SweepColumns& c, std::size_t x);

// One line of the plot: a metric's means against x for the rows that share the group's
// value, sorted by x. A non-numeric x (an OS name) is plotted by category: x is the index
// of its value in first-appearance order over the whole table and `x_labels` names them.
struct SweepCurve {
  std::string label;  // "group=value", or the metric's name without a group
  std::vector<double> x;
  std::vector<double> mean;
  std::vector<double> lo;  // NaN where the row has no finite interval
  std::vector<double> hi;
};
struct SweepPlot {
  std::vector<SweepCurve> curves;
  std::vector<std::string> x_labels;  // set for a categorical x
  std::size_t skipped_rows = 0;       // rows whose mean (or numeric x) is not a number
  std::size_t clipped_points = 0;     // intervals cut at the metric's range (metric_range)
};

// The values a metric can take: a share (`*_rate`, `*_fraction`) lies in [0, 1]; every
// other metric of a sweep (counts, latencies in ms) is at least 0 (docs/sweeps.md). A
// band is drawn within this range.
struct MetricRange {
  double lo = 0, hi = 0;
};
MetricRange metric_range(const std::string& name);
SweepPlot sweep_plot(const CsvTable& t, std::size_t x, const SweepMetric& metric, std::optional<std::size_t> group);

// What the Sweep view shows: a metric against a parameter, one line per value of another.
struct SweepChoice {
  std::size_t metric = 0;            // into SweepColumns::metrics
  std::size_t x = 0;                 // a column
  std::optional<std::size_t> group;  // a column
};
// The view asked for by name (synstorm-viewer --metric, --x, --series): a metric's name
// (`loss_rate` or `loss_rate_mean`), a parameter column for x and a varying parameter, or
// "none", for the lines. An empty name keeps the default: the first metric, the first of
// x_candidates, default_group for that x. Returns the message for the user, naming the
// choices, when a name is not one of them.
std::variant<SweepChoice, std::string> choose_sweep_view(const CsvTable& t, const SweepColumns& c,
                                                         const std::string& metric, const std::string& x,
                                                         const std::string& series);

}  // namespace viewer

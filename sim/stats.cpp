#include "sim/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <utility>

#include <boost/math/distributions/students_t.hpp>

#include "sim/format.h"

namespace sim {

// ---- TimeWeighted ----

TimeWeighted::TimeWeighted(Time start) : start_(start), last_(start) {}

TimeWeighted::Int128 TimeWeighted::area_through(Time now) const {
  assert(now >= last_);
  return area_ns_ + static_cast<Int128>(level_) * (now - last_).ns();
}

double TimeWeighted::integral(Time now) const {
  // One correctly rounded int128 -> double conversion, then one division: exact inputs,
  // a fixed sequence of operations.
  return static_cast<double>(area_through(now)) / 1e9;
}

double TimeWeighted::full_seconds(Time now) const {
  assert(now >= last_);
  const std::int64_t ns = full_ns_ + (full_ ? (now - last_).ns() : 0);
  return static_cast<double>(ns) / 1e9;
}

double TimeWeighted::mean(Time now) const {
  const std::int64_t elapsed = (now - start_).ns();
  if (elapsed <= 0) return 0.0;
  return static_cast<double>(area_through(now)) / static_cast<double>(elapsed);
}

double TimeWeighted::full_fraction(Time now) const {
  const std::int64_t elapsed = (now - start_).ns();
  if (elapsed <= 0) return 0.0;
  assert(now >= last_);
  const std::int64_t ns = full_ns_ + (full_ ? (now - last_).ns() : 0);
  return static_cast<double>(ns) / static_cast<double>(elapsed);
}

// ---- Histogram ----

Histogram::Histogram(int sub_bits) : sub_bits_(sub_bits) { assert(sub_bits >= 0 && sub_bits <= 16); }

std::int64_t Histogram::negative_to_zero(std::int64_t v) {
  assert(v >= 0 && "Histogram records non-negative values");
  (void)v;
  return 0;
}

double Histogram::mean() const {
  if (count_ == 0) return 0.0;
  return static_cast<double>(sum_) / static_cast<double>(count_);
}

double Histogram::relative_error() const { return std::ldexp(1.0, -(sub_bits_ + 1)); }

std::int64_t Histogram::bucket_midpoint(std::size_t index) const {
  const std::size_t sub_count = std::size_t{1} << sub_bits_;
  if (index < sub_count) return static_cast<std::int64_t>(index);
  // Inverse of bucket_index: index = (shift << sub_bits) + m, m in [2^sub_bits, 2^(sub_bits+1)).
  const auto shift = static_cast<int>((index >> sub_bits_) - 1);
  const std::uint64_t m = index - (static_cast<std::uint64_t>(shift) << sub_bits_);
  const std::uint64_t lo = m << shift;
  const std::uint64_t width = std::uint64_t{1} << shift;
  return static_cast<std::int64_t>(lo + (width - 1) / 2);
}

std::int64_t Histogram::percentile(double q) const {
  assert(q >= 0.0 && q <= 1.0);
  if (count_ == 0) return 0;
  const double count = static_cast<double>(count_);
  const double wanted = std::ceil(q * count);
  // Clamp in double first: the conversion of a value outside uint64 would be UB.
  const std::uint64_t rank = wanted <= 1.0 ? 1 : (wanted >= count ? count_ : static_cast<std::uint64_t>(wanted));
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  std::uint64_t cumulative = 0;
  const std::size_t per_block = std::size_t{1} << sub_bits_;
  for (std::size_t k = 0; k < blocks_.size(); ++k) {
    for (std::size_t j = 0; j < blocks_[k].size(); ++j) {
      const Bucket& b = blocks_[k][j];
      cumulative += b.count;
      if (cumulative >= rank) return std::clamp(bucket_midpoint(k * per_block + j), b.min, b.max);
    }
  }
  assert(false && "bucket counts do not add up to count()");
  return max_;
}

void Histogram::merge(const Histogram& other) {
  assert(other.sub_bits_ == sub_bits_);
  if (other.count_ == 0) return;
  const std::size_t per_block = std::size_t{1} << sub_bits_;
  for (std::size_t k = 0; k < other.blocks_.size(); ++k) {
    for (std::size_t j = 0; j < other.blocks_[k].size(); ++j) {
      const Bucket& o = other.blocks_[k][j];
      if (o.count == 0) continue;
      Bucket& b = bucket(k * per_block + j);
      b.min = b.count == 0 ? o.min : std::min(b.min, o.min);
      b.max = b.count == 0 ? o.max : std::max(b.max, o.max);
      b.count += o.count;
    }
  }
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

void Histogram::clear() {
  for (std::vector<Bucket>& block : blocks_) {
    for (Bucket& b : block) b.count = 0;
  }
  count_ = 0;
  sum_ = 0;
  min_ = 0;
  max_ = 0;
}

// ---- TimeSeries ----

TimeSeries::TimeSeries(std::vector<std::string> columns) : columns_(std::move(columns)) {}

void TimeSeries::append(Time at, std::span<const double> values) {
  assert(values.size() == columns_.size());
  assert(rows_.empty() || at >= rows_.back().at);
  rows_.push_back(Row{at, std::vector<double>(values.begin(), values.end())});
}

void TimeSeries::write_csv(std::ostream& out) const {
  std::string line = "time_s";
  for (const auto& name : columns_) {
    line.push_back(',');
    append_csv_field(line, name);
  }
  line.push_back('\n');
  out << line;
  for (const Row& row : rows_) {
    line = format_seconds(row.at);
    for (const double v : row.values) {
      line.push_back(',');
      append_number(line, v);
    }
    line.push_back('\n');
    out << line;
  }
}

// ---- confidence interval ----

MeanCI mean_confidence_interval(std::span<const double> samples, double confidence) {
  assert(confidence > 0.0 && confidence < 1.0);
  const std::size_t n = samples.size();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (n == 0) return MeanCI{std::numeric_limits<double>::quiet_NaN(), kInf, 0};
  double sum = 0.0;
  for (const double x : samples) sum += x;
  const double mean = sum / static_cast<double>(n);
  if (n < 2) return MeanCI{mean, kInf, n};
  // Two passes: the deviations from the mean, not E[X²]-E[X]², which cancels.
  double sum_sq = 0.0;
  for (const double x : samples) sum_sq += (x - mean) * (x - mean);
  const double s = std::sqrt(sum_sq / static_cast<double>(n - 1));
  const boost::math::students_t t_dist(static_cast<double>(n - 1));
  const double t = boost::math::quantile(t_dist, (1.0 + confidence) / 2.0);
  return MeanCI{mean, t * s / std::sqrt(static_cast<double>(n)), n};
}

}  // namespace sim

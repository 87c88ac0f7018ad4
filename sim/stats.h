// sim/stats.h — the statistics a run reports.
//
// TimeWeighted follows a queue length over simulated time (mean, max, time spent full);
// Histogram records latencies in bounded memory with a stated relative error; TimeSeries
// is the per-interval table behind `--timeseries`; mean_confidence_interval summarises
// replications. Everything is exact integer bookkeeping or a fixed sequence of double
// operations, so the same inputs give the same bits. Recording allocates only the first
// time a histogram meets a new power of two.
#pragma once

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

#include "sim/time.h"

namespace sim {

// Time-weighted statistics of a piecewise-constant integer level (a queue length),
// which is 0 at `start` until the first set(). The integral is kept exactly, as a
// 128-bit sum of level·nanoseconds, so long runs lose nothing to rounding.
class TimeWeighted {
 public:
  explicit TimeWeighted(Time start = Time::zero());

  // From `now` on the level is `level`; `full` says whether the queue is at its limit
  // from now on (the limit rule belongs to the caller).
  // Requires: now >= the time of the previous set() (or start).
  void set(Time now, std::int64_t level, bool full) {
    assert(now >= last_);
    const std::int64_t dt = (now - last_).ns();
    area_ns_ += static_cast<Int128>(level_) * dt;
    if (full_) full_ns_ += dt;
    last_ = now;
    level_ = level;
    full_ = full;
    if (level > max_) max_ = level;
  }

  std::int64_t level() const { return level_; }
  bool full() const { return full_; }
  // The largest level held at any time since start, or since the last reset_max() (0 if
  // never set above 0).
  std::int64_t max() const { return max_; }
  // From now on max() is the largest level held from now: a measurement window's start.
  void reset_max() { max_ = level_; }

  // The following take the current time; each Requires: now >= the time of the last set().
  // ∫ level dt over [start, now], in level·seconds.
  double integral(Time now) const;
  // Seconds spent full in [start, now].
  double full_seconds(Time now) const;
  // integral / elapsed seconds; 0 if no time has elapsed.
  double mean(Time now) const;
  // full_seconds / elapsed seconds; 0 if no time has elapsed.
  double full_fraction(Time now) const;

 private:
  __extension__ typedef __int128 Int128;
  Int128 area_through(Time now) const;

  Time start_;
  Time last_;
  std::int64_t level_ = 0;
  std::int64_t max_ = 0;
  bool full_ = false;
  Int128 area_ns_ = 0;        // Σ level·ns up to last_
  std::int64_t full_ns_ = 0;  // ns spent full up to last_
};

// A log-linear histogram of non-negative int64 values (nanoseconds), in the manner of
// HdrHistogram. Values below 2^(sub_bits+1) have a bucket each (exact); above, every
// power-of-two range [2^e, 2^(e+1)) is split into 2^sub_bits equal buckets. Buckets are
// allocated a power of two at a time (3 KiB at sub_bits 7), when a value first falls in
// it: a histogram that never records costs nothing (a scenario may have 10 000 listeners,
// most of them idle), one of connect latencies between 10 ms and 3 s about 30 KiB rather
// than the 175 KiB of every bucket, and record() is O(1). count, sum, min and max are
// kept exactly.
class Histogram {
 public:
  // Requires: 0 <= sub_bits <= 16.
  explicit Histogram(int sub_bits = 7);

  // Requires: v >= 0 (a negative value is recorded as 0 in release builds).
  void record(std::int64_t v) {
    if (v < 0) v = negative_to_zero(v);
    Bucket& b = bucket(bucket_index(v));
    if (b.count++ == 0) {
      b.min = v;
      b.max = v;
    } else {
      b.min = std::min(b.min, v);
      b.max = std::max(b.max, v);
    }
    ++count_;
    sum_ += v;
    if (count_ == 1 || v < min_) min_ = v;
    if (v > max_) max_ = v;
  }

  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return min_; }
  std::int64_t max() const { return max_; }
  // The exact arithmetic mean (from the exact sum), 0 when empty.
  double mean() const;

  // The q-quantile, for q in [0, 1], 0 when empty. Definition: let r = ceil(q·count)
  // computed in double, clamped to [1, count], the rank of the value asked for in the
  // sorted samples x(1) <= … <= x(count). The result is x(r) itself when r == 1 (min())
  // or r == count (max(): percentile(1.0) == max()), and otherwise the midpoint
  // lo + (width-1)/2 of the bucket [lo, lo+width) holding x(r), clamped to the smallest
  // and largest value recorded in that bucket. So |percentile(q) - x(r)| <=
  // relative_error()·x(r), and a bucket that saw one distinct value reports it exactly
  // (a connect latency of exactly 1 s prints as 1000 ms, not as its bucket's midpoint).
  std::int64_t percentile(double q) const;

  // Adds every sample of `other`. Requires: other.sub_bits() == sub_bits().
  void merge(const Histogram& other);
  // Forgets every sample, keeping the buckets allocated.
  void clear();

  int sub_bits() const { return sub_bits_; }
  // The bound on |reported - true| / true for percentile(): 2^-(sub_bits+1), because a
  // bucket holding values >= 2^e is 2^(e-sub_bits) wide and we report its midpoint.
  double relative_error() const;

 private:
  __extension__ typedef __int128 Int128;
  struct Bucket {
    std::uint64_t count = 0;
    std::int64_t min = 0;  // meaningful where count > 0
    std::int64_t max = 0;
  };
  std::size_t bucket_index(std::int64_t v) const;
  std::int64_t bucket_midpoint(std::size_t index) const;
  static std::int64_t negative_to_zero(std::int64_t v);
  // Bucket `index`, its block allocated if it was not.
  Bucket& bucket(std::size_t index) {
    if (blocks_.empty()) blocks_.resize(static_cast<std::size_t>(64 - sub_bits_));
    std::vector<Bucket>& block = blocks_[index >> sub_bits_];
    if (block.empty()) block.resize(std::size_t{1} << sub_bits_);
    return block[index & ((std::size_t{1} << sub_bits_) - 1)];
  }

  int sub_bits_;
  // Bucket i lives in block i >> sub_bits (one block per power of two of the values, the
  // first holding 0 .. 2^sub_bits - 1), allocated when a value first falls in it: a
  // histogram costs what the range of its values needs, a few KiB a power of two.
  std::vector<std::vector<Bucket>> blocks_;
  std::uint64_t count_ = 0;
  Int128 sum_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
};

inline std::size_t Histogram::bucket_index(std::int64_t v) const {
  const auto u = static_cast<std::uint64_t>(v);
  const std::uint64_t sub_count = std::uint64_t{1} << sub_bits_;
  if (u < sub_count) return static_cast<std::size_t>(u);
  // e = floor(log2 v) >= sub_bits; the range [2^e, 2^(e+1)) starts at bucket
  // (e - sub_bits + 1)·2^sub_bits and its buckets are 2^(e - sub_bits) wide.
  const int e = 63 - std::countl_zero(u);
  const int shift = e - sub_bits_;
  return static_cast<std::size_t>((static_cast<std::uint64_t>(shift) << sub_bits_) + (u >> shift));
}

// A table with named columns and one row per sample interval (the `--timeseries` CSV).
class TimeSeries {
 public:
  struct Row {
    Time at;
    std::vector<double> values;
  };

  explicit TimeSeries(std::vector<std::string> columns);

  // Requires: values.size() == columns().size(); `at` not before the previous row.
  void append(Time at, std::span<const double> values);

  const std::vector<std::string>& columns() const { return columns_; }
  const std::vector<Row>& rows() const { return rows_; }

  // Header `time_s,<columns>` then one line per row, '\n' line ends. Times print as
  // exact decimal seconds, values in shortest round-trip form (sim/format.h); column
  // names holding a comma, quote or line break are quoted as RFC 4180 says.
  void write_csv(std::ostream& out) const;

 private:
  std::vector<std::string> columns_;
  std::vector<Row> rows_;
};

// Student-t confidence interval for the mean of independent samples (replications):
// mean ± t_{(1+c)/2, n-1}·s/√n with s the sample standard deviation. For n < 2 the
// half-width is +infinity (and the mean is NaN when n == 0).
struct MeanCI {
  double mean;
  double half_width;
  std::size_t n;
};

// Requires: 0 < confidence < 1.
MeanCI mean_confidence_interval(std::span<const double> samples, double confidence);

}  // namespace sim

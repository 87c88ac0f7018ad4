// cli/progress.h — a progress bar with an estimate of the time left, for long commands.
//
// On a terminal it draws a bar on stderr; otherwise (a log, a batch job) it writes a plain
// progress line to stderr about every 10 s, so a long sweep shows it is alive without
// filling the log. It never writes to stdout. It is the one place where a sweep reads the
// wall clock, and nothing it computes reaches an output file.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace cli {

class ProgressBar {
 public:
  // `label` opens the line ("sweep"). Draws nothing if `enabled` is false.
  ProgressBar(std::string label, bool enabled);
  // For tests: lines to `sink` (as when it is not a terminal), one per `interval` at most.
  ProgressBar(std::string label, std::FILE* sink, std::chrono::steady_clock::duration interval);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `done` of `total` units finished; redraws at most a few times a second.
  void update(std::size_t done, std::size_t total);
  // Erases the bar (also done by the destructor).
  void finish();

 private:
  std::string label_;
  std::FILE* sink_ = stderr;
  bool active_ = false;
  bool terminal_ = false;  // a bar redrawn in place; otherwise a line per interval_
  std::chrono::steady_clock::duration interval_ = std::chrono::seconds(10);
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace cli

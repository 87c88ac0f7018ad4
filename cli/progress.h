// cli/progress.h — a progress bar with an estimate of the time left, for long commands.
//
// It draws on stderr only when stderr is a terminal, so logs and pipes stay clean. It is
// the one place where a sweep reads the wall clock, and nothing it computes reaches an
// output file.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace cli {

class ProgressBar {
 public:
  // `label` opens the line ("sweep"). Draws nothing if `enabled` is false or stderr is
  // not a terminal.
  ProgressBar(std::string label, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `done` of `total` units finished; redraws at most a few times a second.
  void update(std::size_t done, std::size_t total);
  // Erases the bar (also done by the destructor).
  void finish();

 private:
  std::string label_;
  bool active_ = false;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace cli

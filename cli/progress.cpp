#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace cli {

namespace {

std::string duration_text(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", s);
  }
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(std::string label, bool enabled)
    : label_(std::move(label)),
      active_(enabled),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::ProgressBar(std::string label, std::FILE* sink, std::chrono::steady_clock::duration interval)
    : label_(std::move(label)),
      sink_(sink),
      active_(true),
      interval_(interval),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(std::size_t done, std::size_t total) {
  if (!active_ || total == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (!terminal_) {
    // A line per interval while work is left; none at the end (the command's own last
    // line says what was done).
    if (done >= total || now - last_draw_ < interval_) return;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const std::string eta =
        done > 0 ? duration_text(elapsed * static_cast<double>(total - done) / static_cast<double>(done)) : "--";
    std::fprintf(sink_, "%s: %zu/%zu runs (%d%%), %s elapsed, about %s left\n", label_.c_str(), done, total,
                 static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total)),
                 duration_text(elapsed).c_str(), eta.c_str());
    std::fflush(sink_);
    return;
  }
  if (drawn_ && done < total && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::string eta = "ETA --";
  if (done > 0) eta = "ETA " + duration_text(elapsed * static_cast<double>(total - done) / static_cast<double>(done));
  std::fprintf(sink_, "\r%s [%s] %zu/%zu runs %3d%%  %s  \033[K", label_.c_str(), bar.c_str(), done, total,
               static_cast<int>(fraction * 100), eta.c_str());
  std::fflush(sink_);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!drawn_) return;
  std::fprintf(sink_, "\r\033[K");
  std::fflush(sink_);
  drawn_ = false;
}

}  // namespace cli

// viewer/line_tail.h — an output stream buffer that keeps only the last lines written.
//
// The narration panel shows the last steps of a run that may have written millions of
// lines: report::Narration writes into an std::ostream over a LineTail, which keeps at most
// `max_lines` complete lines (oldest dropped first) and the line being written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <streambuf>
#include <string>

namespace viewer {

class LineTail final : public std::streambuf {
 public:
  // Requires: max_lines > 0.
  explicit LineTail(std::size_t max_lines);

  // The complete lines kept, oldest first, without their '\n'.
  const std::deque<std::string>& lines() const { return lines_; }
  // Complete lines ever written (kept or dropped).
  std::uint64_t total_lines() const { return total_; }
  void clear();

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;

 private:
  void end_line();

  std::size_t max_lines_;
  std::deque<std::string> lines_;
  std::string partial_;
  std::uint64_t total_ = 0;
};

}  // namespace viewer

#include "viewer/line_tail.h"

#include <cassert>
#include <string_view>

namespace viewer {

LineTail::LineTail(std::size_t max_lines) : max_lines_(max_lines) { assert(max_lines > 0); }

void LineTail::clear() {
  lines_.clear();
  partial_.clear();
  total_ = 0;
}

void LineTail::end_line() {
  if (lines_.size() == max_lines_) {
    // Reuse the oldest line's storage for the newest.
    std::string oldest = std::move(lines_.front());
    lines_.pop_front();
    oldest.swap(partial_);
    partial_.clear();
    lines_.push_back(std::move(oldest));
  } else {
    lines_.push_back(std::move(partial_));
    partial_.clear();
  }
  ++total_;
}

LineTail::int_type LineTail::overflow(int_type ch) {
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  const char c = traits_type::to_char_type(ch);
  if (c == '\n') {
    end_line();
  } else {
    partial_.push_back(c);
  }
  return ch;
}

std::streamsize LineTail::xsputn(const char* s, std::streamsize n) {
  std::string_view rest(s, static_cast<std::size_t>(n));
  for (std::size_t nl = rest.find('\n'); nl != std::string_view::npos; nl = rest.find('\n')) {
    partial_.append(rest.substr(0, nl));
    end_line();
    rest.remove_prefix(nl + 1);
  }
  partial_.append(rest);
  return n;
}

}  // namespace viewer

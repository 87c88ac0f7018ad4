// Tests of viewer::LineTail: an ostream that keeps the last lines written.
#include "viewer/line_tail.h"

#include <ostream>

#include <catch2/catch.hpp>

using viewer::LineTail;

TEST_CASE("a line tail keeps the last N complete lines, oldest first", "[viewer][line_tail]") {
  LineTail tail(3);
  std::ostream out(&tail);
  for (int i = 1; i <= 5; ++i) out << "line " << i << "\n";
  REQUIRE(tail.total_lines() == 5);
  REQUIRE(tail.lines() == std::deque<std::string>{"line 3", "line 4", "line 5"});
}

TEST_CASE("a line tail counts a line once its end is written, however it is split", "[viewer][line_tail]") {
  LineTail tail(10);
  std::ostream out(&tail);
  out << "a" << 'b';
  REQUIRE(tail.total_lines() == 0);
  out << "c\nd\n\ne";
  REQUIRE(tail.lines() == std::deque<std::string>{"abc", "d", ""});
  out.put('\n');
  REQUIRE(tail.lines().back() == "e");
  REQUIRE(tail.total_lines() == 4);
  tail.clear();
  REQUIRE(tail.lines().empty());
  REQUIRE(tail.total_lines() == 0);
}

// cli/cost.h — `plan --cost EXPR`: a small arithmetic expression over the varied settings,
// which names the cheapest point of a frontier.
//
// Grammar (parsed strictly; nothing is evaluated but these operations):
//   expr   := term (('+' | '-') term)*
//   term   := factor (('*' | '/') factor)*
//   factor := NUMBER | NAME | '(' expr ')' | '-' factor
// A NAME is a varied setting: its whole path (hosts.web.listeners[0].workers) or its last
// key (workers) when no other varied setting ends with the same key. Its value is the
// number the setting's value starts with, as written (64 for "64", 4 for "4ms"; the unit is
// not converted).
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cli {

class CostExpr {
 public:
  // Parses `text` over the setting paths `paths`; the error says where and what was expected.
  static std::variant<CostExpr, std::string> parse(std::string_view text, std::span<const std::string> paths);

  // The cost at values `values[path]` (YAML text, as the points give them); an error when a
  // value does not start with a number or the result is not finite.
  std::variant<double, std::string> evaluate(const std::map<std::string, std::string>& values) const;

  const std::string& text() const { return text_; }

  struct Node;

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;
};

// The number a setting's value starts with ("4ms" -> 4), or nullopt-like error.
std::variant<double, std::string> leading_number(std::string_view value);

}  // namespace cli

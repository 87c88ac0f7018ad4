#include "cli/cost.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace cli {

struct CostExpr::Node {
  char op = 0;  // 'n' number, 'v' variable, '+', '-', '*', '/', '~' (negation)
  double number = 0;
  std::string path;
  std::shared_ptr<const Node> left, right;
};

namespace {

using NodePtr = std::shared_ptr<const CostExpr::Node>;

class Parser {
 public:
  Parser(std::string_view text, std::span<const std::string> paths) : text_(text), paths_(paths) {}

  std::variant<NodePtr, std::string> parse() {
    NodePtr e = expr();
    if (!error_.empty()) return error_;
    skip();
    if (at_ < text_.size()) {
      fail("unexpected " + std::string(1, text_[at_]));
      return error_;
    }
    return e;
  }

 private:
  void skip() {
    while (at_ < text_.size() && text_[at_] == ' ') ++at_;
  }
  NodePtr fail(const std::string& what) {
    if (error_.empty())
      error_ = "--cost " + std::string(text_) + ": at column " + std::to_string(at_ + 1) + ": " + what;
    return nullptr;
  }
  static NodePtr binary(char op, NodePtr l, NodePtr r) {
    auto n = std::make_shared<CostExpr::Node>();
    n->op = op;
    n->left = std::move(l);
    n->right = std::move(r);
    return n;
  }
  NodePtr expr() {
    NodePtr l = term();
    while (error_.empty()) {
      skip();
      if (at_ >= text_.size() || (text_[at_] != '+' && text_[at_] != '-')) break;
      const char op = text_[at_++];
      l = binary(op, l, term());
    }
    return l;
  }
  NodePtr term() {
    NodePtr l = factor();
    while (error_.empty()) {
      skip();
      if (at_ >= text_.size() || (text_[at_] != '*' && text_[at_] != '/')) break;
      const char op = text_[at_++];
      l = binary(op, l, factor());
    }
    return l;
  }
  NodePtr factor() {
    if (!error_.empty()) return nullptr;
    skip();
    if (at_ >= text_.size()) return fail("expected a number, a varied setting's name or '('");
    const char c = text_[at_];
    if (c == '(') {
      ++at_;
      NodePtr e = expr();
      skip();
      if (at_ >= text_.size() || text_[at_] != ')') return fail("expected ')'");
      ++at_;
      return e;
    }
    if (c == '-') {
      ++at_;
      return binary('~', factor(), nullptr);
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      auto n = std::make_shared<CostExpr::Node>();
      n->op = 'n';
      const auto [end, ec] = std::from_chars(text_.data() + at_, text_.data() + text_.size(), n->number);
      if (ec != std::errc{} || !std::isfinite(n->number)) return fail("a malformed number");
      at_ = static_cast<std::size_t>(end - text_.data());
      return n;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::size_t start = at_;
      while (at_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[at_])) || text_[at_] == '_' ||
                                    text_[at_] == '.' || text_[at_] == '[' || text_[at_] == ']' || text_[at_] == '-')) {
        ++at_;
      }
      const std::string name(text_.substr(start, at_ - start));
      std::vector<std::string> matches;
      for (const std::string& p : paths_) {
        const std::size_t dot = p.find_last_of(".]");
        const std::string last = dot == std::string::npos ? p : p.substr(dot + 1);
        if (p == name) return variable(p);
        if (last == name) matches.push_back(p);
      }
      if (matches.size() == 1) return variable(matches.front());
      at_ = start;
      if (matches.empty()) {
        std::string known;
        for (const std::string& p : paths_) known += (known.empty() ? "" : ", ") + p;
        return fail(name + " is not a varied setting (the varied ones: " + known + ")");
      }
      return fail(name + " names more than one varied setting; write its whole path");
    }
    return fail("unexpected " + std::string(1, c));
  }
  static NodePtr variable(const std::string& path) {
    auto n = std::make_shared<CostExpr::Node>();
    n->op = 'v';
    n->path = path;
    return n;
  }

  std::string_view text_;
  std::span<const std::string> paths_;
  std::size_t at_ = 0;
  std::string error_;
};

std::variant<double, std::string> eval(const CostExpr::Node& n, const std::map<std::string, std::string>& values) {
  if (n.op == 'n') return n.number;
  if (n.op == 'v') {
    const auto it = values.find(n.path);
    if (it == values.end()) return "no value of " + n.path;
    return leading_number(it->second);
  }
  const auto l = eval(*n.left, values);
  if (std::holds_alternative<std::string>(l)) return l;
  if (n.op == '~') return -std::get<double>(l);
  const auto r = eval(*n.right, values);
  if (std::holds_alternative<std::string>(r)) return r;
  const double a = std::get<double>(l);
  const double b = std::get<double>(r);
  switch (n.op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    default: return a / b;
  }
}

}  // namespace

std::variant<double, std::string> leading_number(std::string_view value) {
  double v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc{} || value.empty()) return "the value " + std::string(value) + " does not start with a number";
  return v;
}

std::variant<CostExpr, std::string> CostExpr::parse(std::string_view text, std::span<const std::string> paths) {
  auto root = Parser(text, paths).parse();
  if (auto* e = std::get_if<std::string>(&root)) return std::move(*e);
  CostExpr c;
  c.text_ = std::string(text);
  c.root_ = std::get<NodePtr>(std::move(root));
  return c;
}

std::variant<double, std::string> CostExpr::evaluate(const std::map<std::string, std::string>& values) const {
  auto v = eval(*root_, values);
  if (const double* d = std::get_if<double>(&v); d && !std::isfinite(*d)) {
    return "--cost " + text_ + " is not finite here (a division by zero?)";
  }
  return v;
}

}  // namespace cli

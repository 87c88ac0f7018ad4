// tests/config/expectations.h — the diagnostic a malformed or hostile test file expects.
//
// A file under tests/config/bad/ or tests/config/hostile/ names its expected diagnostic on
// its first line, `# expect: LINE:COL: SUBSTRING` (LINE:COL 1-based; 0:0 for a diagnostic
// without position). Files that cannot carry a comment line (empty files, binary junk,
// UTF-16 text) are listed in tests/config/hostile/expected.txt, one `FILE LINE:COL:
// SUBSTRING` a line. A bad file may say on its second line how many errors it gives in all,
// `# errors: N`. Used by the loader's tests and by the end-to-end tests of the binary.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace synstorm_test {

struct Expectation {
  int line = 0;
  int column = 0;
  std::string text;  // a substring of the formatted diagnostic
};

// "LINE:COL: SUBSTRING", or nullopt when `s` is not of that form.
inline std::optional<Expectation> parse_expectation(std::string_view s) {
  const std::size_t colon1 = s.find(':');
  const std::size_t colon2 = colon1 == std::string_view::npos ? colon1 : s.find(':', colon1 + 1);
  if (colon2 == std::string_view::npos || colon2 + 2 > s.size() || s[colon2 + 1] != ' ') return std::nullopt;
  try {
    Expectation e;
    e.line = std::stoi(std::string(s.substr(0, colon1)));
    e.column = std::stoi(std::string(s.substr(colon1 + 1, colon2 - colon1 - 1)));
    e.text = std::string(s.substr(colon2 + 2));
    if (e.text.empty()) return std::nullopt;
    return e;
  } catch (const std::logic_error&) {
    return std::nullopt;
  }
}

// The expectation on a file's first line, "# expect: LINE:COL: SUBSTRING".
inline std::optional<Expectation> first_line_expectation(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string first_line;
  std::getline(in, first_line);
  constexpr std::string_view kPrefix = "# expect: ";
  if (first_line.rfind(kPrefix, 0) != 0) return std::nullopt;
  return parse_expectation(std::string_view(first_line).substr(kPrefix.size()));
}

// How many errors the file must give in all, from its second line, "# errors: N" (a file
// whose mistake could set off another, misleading one says there is none); nullopt when the
// file does not say.
inline std::optional<std::size_t> expected_error_count(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string line;
  std::getline(in, line);
  std::getline(in, line);
  constexpr std::string_view kPrefix = "# errors: ";
  if (line.rfind(kPrefix, 0) != 0) return std::nullopt;
  try {
    return static_cast<std::size_t>(std::stoul(line.substr(kPrefix.size())));
  } catch (const std::logic_error&) {
    return std::nullopt;
  }
}

struct HostileCase {
  std::filesystem::path file;
  std::optional<Expectation> expected;  // nullopt: the file states none (a test failure)
};

// Every file of the hostile corpus with its expectation: *.yaml from their first line, the
// rest from expected.txt. In name order.
inline std::vector<HostileCase> hostile_cases(const std::filesystem::path& dir) {
  std::vector<HostileCase> cases;
  std::vector<std::string> listed;
  std::ifstream manifest(dir / "expected.txt");
  for (std::string line; std::getline(manifest, line);) {
    if (line.empty() || line.front() == '#') continue;
    const std::size_t space = line.find(' ');
    const std::string name = line.substr(0, space);
    listed.push_back(name);
    cases.push_back({dir / name, space == std::string::npos
                                     ? std::nullopt
                                     : parse_expectation(std::string_view(line).substr(space + 1))});
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == "expected.txt" || std::find(listed.begin(), listed.end(), name) != listed.end()) continue;
    cases.push_back({entry.path(), first_line_expectation(entry.path())});
  }
  std::sort(cases.begin(), cases.end(), [](const HostileCase& a, const HostileCase& b) { return a.file < b.file; });
  return cases;
}

}  // namespace synstorm_test

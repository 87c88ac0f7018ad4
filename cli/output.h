// cli/output.h — how `synstorm run` presents results: the summary table, the JSON
// document and the time-series CSV, and writing files so that none is ever half-written.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "model/results.h"

namespace cli {

// The digest as users see it: 16 lower-case hex digits.
std::string digest_hex(std::uint64_t digest);

// The JSON document of the README's "Outcomes and what is reported". Keys are sorted, numbers are
// printed in shortest round-trip form: the same run gives the same bytes.
nlohmann::json results_json(const model::RunResults& r);

// The human summary: one table for client groups, one for listeners, then the digest.
void print_summary(std::ostream& out, const model::RunResults& r);

// Writes `path` through a temporary file in the same directory and a rename, so readers
// see either the old file or the complete new one. Returns an error message, or "".
std::string write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// Why `path` cannot be written ("directory out does not exist", "is a directory"), or ""
// when it can be: checked before a long run so that it never ends in "cannot write".
std::string output_path_problem(const std::string& path);

}  // namespace cli

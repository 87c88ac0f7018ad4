// cli/output.h — how `synstorm run` presents results: the summary table and the JSON
// document (cli/output_files.h writes them).
#pragma once

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
// Control characters in names are escaped (sim::printable).
void print_summary(std::ostream& out, const model::RunResults& r);

}  // namespace cli

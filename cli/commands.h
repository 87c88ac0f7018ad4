// cli/commands.h — `synstorm sweep` and `synstorm plan` as CLI11 subcommands, so that
// main.cpp only has to add them and dispatch.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/plan.h"
#include "cli/sweep.h"

namespace cli {

// For every unsigned integer flag (--seed, --reps, -j, the limits): digits only (no sign,
// no exponent) and within [min, max]; the message says which of these failed. CLI11 alone
// would wrap "-1" to 2^64 - 1 and saturate a larger number.
std::string unsigned_problem(const std::string& text, std::uint64_t min, std::uint64_t max);
CLI::Validator unsigned_check(std::uint64_t min, std::uint64_t max);

// For every output flag: a file name, or "-" for standard output; "" is refused (an empty
// name is a mistake, never a way to say "no output").
const CLI::Validator& output_path_check();

CLI::App* add_sweep_command(CLI::App& app, SweepOptions& options);
CLI::App* add_plan_command(CLI::App& app, PlanOptions& options);

// Join the MPI job if there is one, run, and return the exit code. An exception ends the
// whole job (MPI_Abort) with exit code 1, so that no rank waits forever for another.
int sweep_command(const SweepOptions& options);
int plan_command(const PlanOptions& options);

}  // namespace cli

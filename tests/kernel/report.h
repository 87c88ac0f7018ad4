// tests/kernel/report.h — the kernel-versus-synstorm comparison, as checks and as a table.
//
// Every comparison a fidelity test makes goes through here: it is checked with Catch2
// (so a disagreement fails the test and prints both values), printed to stdout (so
// `ctest --output-on-failure` shows the whole comparison, not just the failing line),
// and collected for docs/fidelity.md, which the binary writes at exit when the
// environment variable SYNSTORM_FIDELITY_REPORT names a file (scripts/fidelity.sh).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loopback.h"

namespace kernel::report {

// One experiment's comparisons; rows are added in the order the test makes them.
class Experiment {
 public:
  Experiment(std::string id, std::string title);
  ~Experiment();  // prints the table and hands it to the report
  Experiment(const Experiment&) = delete;
  Experiment& operator=(const Experiment&) = delete;

  // The kernel's value must equal synstorm's.
  bool exact(const std::string& parameter, std::int64_t kernel, std::int64_t synstorm);
  // |kernel - synstorm| <= band; `why` says where the band comes from.
  bool within(const std::string& parameter, std::int64_t kernel, std::int64_t synstorm, std::int64_t band,
              const std::string& why);
  // The kernel alone against a fact of the kernel's own code (cited where the test states it), and synstorm against the
  // same.
  bool fact(const std::string& parameter, std::int64_t kernel, std::int64_t synstorm, std::int64_t expected);
  // Shown in the table, not checked (e.g. a counter other processes may also move).
  void shown(const std::string& parameter, const std::string& kernel, const std::string& synstorm,
             const std::string& why);
  // A per-second histogram pair for the report.
  void histogram(const std::string& what, const std::vector<std::int64_t>& kernel,
                 const std::vector<std::int64_t>& synstorm);
  // A sentence for the report's notes on this experiment.
  void note(const std::string& text);

  struct Row {
    std::string parameter, kernel, synstorm, rule;
    int agree;  // 1 yes, 0 no, -1 not checked
  };
  struct Histogram {
    std::string what;
    std::vector<std::int64_t> kernel, synstorm;
  };

 private:
  std::string id_, title_;
  std::vector<Row> rows_;
  std::vector<Histogram> histograms_;
  std::vector<std::string> notes_;
  friend struct Sink;
};

// What the report says about the machine: taken from the first observation.
void environment(const Observation& o);

// The exit code of a test binary whose tests passed but did not all do their work
// (ctest's SKIP_RETURN_CODE, tests/kernel/CMakeLists.txt).
constexpr int kSkipExitCode = 77;
// The test cannot do some or all of its work here; `what` names what was missing and what
// went unchecked. The binary then exits with kSkipExitCode (main.cpp), so ctest says
// "skipped", not "passed". With SYNSTORM_KERNEL_REQUIRED=1 in the environment (.ci/run),
// where the machine is known to be able, it is a failure instead.
void skip(const std::string& what);
// SYNSTORM_KERNEL_REQUIRED=1: every kernel test must do all its work here.
bool required();
// Every skip of this process, in order.
const std::vector<std::string>& skipped();

}  // namespace kernel::report

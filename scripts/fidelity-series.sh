#!/usr/bin/env bash
# scripts/fidelity-series.sh — repeat the banded kernel experiments and record every run.
#
# The bands of tests/kernel/fidelity_test.cpp are derived from this record
# (tests/kernel/series.tsv): N runs of each banded experiment, kernel and synstorm side
# by side, one row per compared figure. Run as root on an idle machine, so that every
# experiment gets its own network namespace (exact counters):
#
#   scripts/fidelity-series.sh [N] [OUTPUT]   # default 10 runs, tests/kernel/series.tsv
#
# About 20 s per run. The file is rewritten, with a header naming the kernel and date.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${PRESET:-ci}
runs=${1:-10}
out=${2:-tests/kernel/series.tsv}
cmake --build --preset "$preset" --target kernel_tests >/dev/null
bin=${KERNEL_TESTS:-build/$preset/tests/kernel/kernel_tests}
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
{
  echo "# scripts/fidelity-series.sh $runs: kernel $(uname -r), $(nproc) CPUs, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'run\texperiment\tparameter\tkernel\tsynstorm\n'
} >"$tmp"
for ((i = 1; i <= runs; ++i)); do
  # The test binary's own table rows: "  parameter: kernel K, synstorm S  [rule] verdict".
  "$bin" "[burst],[steady]" 2>&1 |
    awk -v run="$i" '
      /^== / { sub(/^== /, ""); sub(/:.*/, ""); experiment = $0; next }
      /^  [^ ].*: kernel .*, synstorm .*  \[/ {
        line = substr($0, 3)
        p = index(line, ": kernel "); parameter = substr(line, 1, p - 1); rest = substr(line, p + 9)
        q = index(rest, ", synstorm "); kernel = substr(rest, 1, q - 1); rest = substr(rest, q + 11)
        r = index(rest, "  ["); synstorm = substr(rest, 1, r - 1)
        printf "%s\t%s\t%s\t%s\t%s\n", run, experiment, parameter, kernel, synstorm
      }' >>"$tmp" || true
  echo "fidelity-series.sh: run $i of $runs done" >&2
done
mv "$tmp" "$out"
echo "fidelity-series.sh: wrote $out" >&2

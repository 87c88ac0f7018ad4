#!/usr/bin/env bash
# scripts/fidelity.sh — regenerate docs/fidelity.md: the real kernel against synstorm.
#
# Builds the kernel fidelity tests (tests/kernel) and runs every experiment once, with
# SYNSTORM_FIDELITY_REPORT set so that the binary writes the comparison as markdown.
# Real connection storms on 127.0.0.1, about 40 s; run as root so that each experiment
# gets a network namespace of its own (exact counters, default sysctls).
#
#   scripts/fidelity.sh [OUTPUT]      # default docs/fidelity.md; PRESET=ci by default
#
# The file is written even when the kernel and synstorm disagree (that is what it is
# for); the exit status is then the test binary's, non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${PRESET:-ci}
out=${1:-docs/fidelity.md}

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target kernel_tests

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
status=0
SYNSTORM_FIDELITY_REPORT="$tmp" "build/$preset/tests/kernel/kernel_tests" || status=$?
if [[ ! -s "$tmp" ]]; then
  echo "fidelity.sh: the test binary wrote no report" >&2
  exit 1
fi
mv "$tmp" "$out"
if ((status == 77)); then
  echo "fidelity.sh: wrote $out, but some checks were skipped (see its \"Not checked\" section); run as root" >&2
fi
echo "fidelity.sh: wrote $out (tests exit status $status)"
exit "$status"

#!/usr/bin/env bash
# Builds the libFuzzer target on the scenario loader (CMake preset "fuzz": Clang, ASan +
# UBSan) and runs it for SECONDS (default 60) from a seed corpus of every bundled scenario
# and every malformed and hostile test file. The corpus and the findings live in a
# temporary directory, never in the repository; a finding (crash, leak, timeout, OOM) is
# copied to build/fuzz/findings/ and the script fails.
#
#   scripts/fuzz.sh            # a minute, as .ci/run does
#   scripts/fuzz.sh 3600       # an hour
#   FUZZ_CORPUS=~/synstorm-corpus scripts/fuzz.sh 3600   # keep the grown corpus between runs
#
# Replay one input: build/fuzz/tests/fuzz/loader_fuzz FILE
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
cmake --preset fuzz
cmake --build --preset fuzz -j2

work=$(mktemp -d "${TMPDIR:-/tmp}/synstorm-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
corpus=${FUZZ_CORPUS:-$work/corpus}
mkdir -p "$corpus" "$work/findings"
# Seeds, renamed by their path so that files with the same name do not overwrite each other.
while IFS= read -r -d '' f; do
  cp "$f" "$corpus/seed-$(echo "$f" | tr '/' '_')"
done < <(find scenarios tests/config/bad tests/config/hostile -type f \( -name '*.yaml' -o -name '*.bin' \) -print0)

echo "fuzz: $(find "$corpus" -type f | wc -l) inputs in the corpus; running for ${seconds}s"
status=0
# -timeout: an input that takes longer is a hang; -rss_limit_mb: beyond it, an OOM.
build/fuzz/tests/fuzz/loader_fuzz "$corpus" \
  -dict=tests/fuzz/scenario.dict \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -print_final_stats=1 -artifact_prefix="$work/findings/" || status=$?

if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/findings")" ]; then
  mkdir -p build/fuzz/findings
  cp "$work/findings/"* build/fuzz/findings/ 2>/dev/null || true
  echo "fuzz: FAILED (status $status); the inputs are in build/fuzz/findings/:" >&2
  ls -l build/fuzz/findings >&2
  exit 1
fi
echo "fuzz: no finding in ${seconds}s"

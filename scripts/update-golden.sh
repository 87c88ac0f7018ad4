#!/usr/bin/env bash
# Regenerates tests/golden/ from the bundled scenarios with a built synstorm binary.
# Usage: scripts/update-golden.sh [path/to/synstorm]   (default: build/ci/synstorm)
# Review the diff: a change of output must be one you meant.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/ci/synstorm}
find scenarios -name '*.yaml' | sort | while read -r f; do
  rel=${f#scenarios/}
  out=tests/golden/${rel%.yaml}.json
  mkdir -p "$(dirname "$out")"
  "$bin" run "$f" --quiet --json "$out" >/dev/null
  echo "$out"
done

#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset "fuzz": Clang, ASan + UBSan) and runs each for
# SECONDS (default 60): the scenario loader, the --vary parser, the CSV trace reader and the
# pcap reader, each from a seed corpus (every bundled scenario and every malformed and
# hostile test file; example --vary arguments; the test CSVs; the bundled capture). The
# corpora and the findings live in a temporary directory, never in the repository; a
# finding (crash, leak, timeout, OOM, broken contract) is copied to build/fuzz/findings/
# and the script fails.
#
#   scripts/fuzz.sh            # a minute per target, as .ci/run does
#   scripts/fuzz.sh 3600       # an hour per target
#   FUZZ_CORPUS=~/synstorm-corpus scripts/fuzz.sh 3600   # keep the grown corpora between runs
#   FUZZ_TARGETS="vary_fuzz" scripts/fuzz.sh 600         # some targets only
#
# Replay one input: build/fuzz/tests/fuzz/TARGET FILE
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
cmake --preset fuzz
cmake --build --preset fuzz -j2

work=$(mktemp -d "${TMPDIR:-/tmp}/synstorm-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/findings"
targets=${FUZZ_TARGETS:-loader_fuzz vary_fuzz csv_trace_fuzz pcap_trace_fuzz}

# Seeds, renamed by their path so that files with the same name do not overwrite each other.
seed_files() {  # TARGET CORPUS
  case $1 in
    loader_fuzz)
      while IFS= read -r -d '' f; do
        cp "$f" "$2/seed-$(echo "$f" | tr '/' '_')"
      done < <(find scenarios tests/config/bad tests/config/hostile -type f \( -name '*.yaml' -o -name '*.bin' \) -print0) ;;
    vary_fuzz)
      local i=0
      for a in 'hosts.web.listeners[0].backlog=64,128' 'seed=18446744073709551610..18446744073709551615' \
               'clients.c.arrivals.rate=1000/s..4000/s:500/s' 'x=0..1:0.25' 'x=5ms..20ms:5ms' 'x=-2..2:2' \
               'a.service={dist: constant, value: 1ms},{dist: exponential, mean: 2ms}' 'a="x,y",z' 'x=1..2:0.000001'; do
        printf '%s' "$a" > "$2/seed-$((i++))"
      done ;;
    csv_trace_fuzz)
      for f in tests/config/bad/*.csv; do { printf '\001'; cat "$f"; } > "$2/seed-$(basename "$f")"; done
      printf '\000# comment\n0\n0.5,web\n1.25,api\n' > "$2/seed-inline"
      printf '\003\xef\xbb\xbf0,web\r\n1,web\r\n' > "$2/seed-bom" ;;
    pcap_trace_fuzz)
      cp scenarios/captures/storm.pcap "$2/seed-storm.pcap"
      head -c 4096 scenarios/captures/storm.pcap > "$2/seed-storm-cut.pcap" ;;
  esac
}

status=0
for target in $targets; do
  corpus=${FUZZ_CORPUS:+$FUZZ_CORPUS/$target}
  corpus=${corpus:-$work/corpus-$target}
  mkdir -p "$corpus"
  seed_files "$target" "$corpus"
  dict=()
  [ "$target" = loader_fuzz ] && dict=(-dict=tests/fuzz/scenario.dict)
  echo "fuzz: $target: $(find "$corpus" -type f | wc -l) inputs in the corpus; running for ${seconds}s"
  # -timeout: an input that takes longer is a hang; -rss_limit_mb: beyond it, an OOM.
  build/fuzz/tests/fuzz/$target "$corpus" "${dict[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$work/findings/$target-" || status=$?
done

if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/findings")" ]; then
  mkdir -p build/fuzz/findings
  cp "$work/findings/"* build/fuzz/findings/ 2>/dev/null || true
  echo "fuzz: FAILED (status $status); the inputs are in build/fuzz/findings/:" >&2
  ls -l build/fuzz/findings >&2
  exit 1
fi
echo "fuzz: no finding in ${seconds}s per target ($targets)"

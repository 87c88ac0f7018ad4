#!/usr/bin/env bash
# Writes a scenario with many client groups to stdout: what the per-group state (outcome
# counts, a connect-latency histogram each) costs in memory (README, "Performance"):
#   bench/make-groups.sh > /tmp/groups.yaml && /usr/bin/time -f '%M KiB' build/release/synstorm run /tmp/groups.yaml --quiet
# GROUPS client groups (default 1000), each sending RATE connects/s (default 10) as a
# Poisson stream to one Linux server with room for all of them (64 workers, 1 ms mean
# service, backlog 4096), for 10 s.
set -euo pipefail
groups=${1:-1000}
rate=${2:-10}
echo "name: groups-$groups"
echo "seed: 1"
echo "duration: 10s"
echo "sample_interval: 1s"
echo "hosts:"
echo "  web: {os: linux, listeners: [{port: 80, backlog: 4096, workers: 64, service: {dist: exponential, mean: 1ms}}]}"
echo "clients:"
for ((g = 0; g < groups; g++)); do
  echo "  g$g: {target: web:80, arrivals: {process: poisson, rate: $rate/s}, connect_timeout: 5s}"
done

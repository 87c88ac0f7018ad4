#!/usr/bin/env bash
# Writes a scenario with a 10 000-host topology to stdout (bench/, issue notes):
#   bench/make-topology.sh > /tmp/topology-10k.yaml && build/release/bench/run_bench /tmp/topology-10k.yaml 1
# 10 000 Linux hosts in 100 racks of 100; each rack's hosts hang off a rack router, the
# rack routers off one core router (0.1 ms and 1 ms links); 100 client groups, one per
# rack, sit behind the core (5 ms) and each sends 100 connects/s to one host of its rack.
set -euo pipefail
hosts=${1:-10000}
racks=${2:-100}
per_rack=$((hosts / racks))
echo "name: topology-10k"
echo "seed: 1"
echo "duration: 10s"
echo "sample_interval: 1s"
echo "hosts:"
for ((h = 0; h < hosts; h++)); do
  echo "  h$h: {os: linux, listeners: [{port: 80, backlog: 128, workers: 4, service: {dist: exponential, mean: 5ms}}]}"
done
echo "clients:"
for ((r = 0; r < racks; r++)); do
  echo "  c$r: {target: h$((r * per_rack)):80, arrivals: {process: poisson, rate: 100/s}, connect_timeout: 5s}"
done
echo "network:"
echo -n "  routers: [core"
for ((r = 0; r < racks; r++)); do echo -n ", rack$r"; done
echo "]"
echo "  links:"
for ((r = 0; r < racks; r++)); do
  echo "    - {a: core, b: rack$r, latency: 1ms}"
  echo "    - {a: c$r, b: core, latency: 5ms}"
  for ((i = 0; i < per_rack; i++)); do
    echo "    - {a: rack$r, b: h$((r * per_rack + i)), latency: 100us}"
  done
done

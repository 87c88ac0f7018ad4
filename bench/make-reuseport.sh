#!/usr/bin/env bash
# Writes R1's storm against a Linux port 80 of N SO_REUSEPORT sockets to stdout: the check
# that a group's cost per SYN does not grow with its size (README, "Performance"):
#   for n in 0 1 4 16 64; do bench/make-reuseport.sh $n > /tmp/rp$n.yaml
#     valgrind --tool=callgrind --callgrind-out-file=/dev/null build/ci/synstorm run /tmp/rp$n.yaml --quiet; done
# Poisson 10 000 connects/s for 20 s (199 799 attempts), exponential 8 ms service, 64
# workers and 1024 accept-queue places in all, shared evenly by the N sockets (N divides
# 64); N = 0 is one plain socket (no `reuseport:`). The same 64 workers at every N keep
# the same number of service completions pending, so what changes with N is the group.
set -euo pipefail
n=${1:-8}
if ((n < 0 || n > 64 || (n > 0 && 64 % n != 0))); then
  echo "usage: $0 N   (0, or a divisor of 64)" >&2
  exit 2
fi
sockets=$((n > 0 ? n : 1))
reuseport=""
((n > 0)) && reuseport=", reuseport: $n"
echo "name: r1-reuseport-$n"
echo "seed: 1"
echo "duration: 20s"
echo "sample_interval: 10s"
echo "hosts:"
echo "  server:"
echo "    os: linux"
echo "    listeners:"
echo "      - {port: 80, backlog: $((1024 / sockets)), workers: $((64 / sockets)), service: {dist: exponential, mean: 8ms}$reuseport}"
echo "clients:"
echo "  load:"
echo "    os: linux"
echo "    target: server:80"
echo "    arrivals: {process: poisson, rate: 10000/s}"
echo "    syn_retries: 0"

#!/usr/bin/env bash
# Installs every Debian 12 package that synstorm's build, tests and benchmarks need.
# Idempotent: packages already present are not reinstalled. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-graph-dev libyaml-cpp-dev catch2 libcli11-dev nlohmann-json3-dev
  libpcap-dev libbenchmark-dev hyperfine
  # `run --pcap`'s test reads the capture back with tcpdump
  tcpdump
  # the fuzzer (scripts/fuzz.sh): Clang and its runtimes, libFuzzer among them
  clang libclang-rt-14-dev
  libopenmpi-dev openmpi-bin
  # synstorm-viewer (ImGui 1.86 with its GLFW and OpenGL3 backends, stb_image_write) and its
  # headless test: an X server in memory with Mesa's software OpenGL
  libimgui-dev libglfw3-dev libgl-dev libstb-dev xvfb xauth libgl1-mesa-dri
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
echo "setup: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

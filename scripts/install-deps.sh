#!/usr/bin/env bash
# Installs what lockstep needs to build and test on Debian 12, with apt-get. Idempotent and
# quiet when everything is already there. Runs apt-get through sudo when not root.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ccache
  libeigen3-dev libtbb-dev libdnnl-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev zlib1g-dev python3-torch libopenblas0-openmp
  libcli11-dev python3-matplotlib clang-format
  # scripts/fuzz.sh: clang with libFuzzer, its sanitizer runtimes and its OpenMP runtime
  clang-14 libfuzzer-14-dev libclang-rt-14-dev libomp-14-dev
  # the data tests: the real Fashion-MNIST files (/usr/share/datasets/fashion-mnist/*.gz)
  dataset-fashion-mnist
  # the CLI tests: unshare and mount (private read-only and tiny tmpfs mounts)
  util-linux mount
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Builds and runs the whole test suite: a Release build (with the examples and the install
# test), then AddressSanitizer+UBSan and ThreadSanitizer builds of the library and its tests.
# Last, the fuzz configuration builds the libFuzzer targets with clang and runs each for 30 s
# (scripts/fuzz.sh 30). First it checks that every C++ source is clang-formatted
# (scripts/check-format.sh).
# Usage: scripts/test.sh [release|asan|tsan|fuzz]...   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/check-format.sh

jobs=$(nproc)
# ccache: paths below this checkout are hashed relative to it, so a fresh clone elsewhere (as CI
# makes) reuses what an earlier build on this machine compiled.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=(release asan tsan fuzz)

for config in "${configs[@]}"; do
  case "$config" in
    release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
    # Sanitizer builds: -O1 with line tables only (-g1) compiles Eigen-heavy code much faster
    # than full debug info and still gives file:line in every report.
    asan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
                 -DLOCKSTEP_SANITIZE=address -DLOCKSTEP_BUILD_BENCHMARKS=OFF) ;;
    tsan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
                 -DLOCKSTEP_SANITIZE=thread -DLOCKSTEP_BUILD_BENCHMARKS=OFF) ;;
    # Its own build (clang 14, build/fuzz) and runs: scripts/fuzz.sh.
    fuzz) scripts/fuzz.sh 30; continue ;;
    *) echo "test.sh: unknown configuration '$config' (release, asan, tsan, fuzz)" >&2; exit 2 ;;
  esac
  # ccache (when installed) makes rebuilds of unchanged files nearly free.
  command -v ccache >/dev/null && flags+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  start=$(date +%s)
  echo "=== $config: build"
  cmake -S . -B "build/$config" -G Ninja "${flags[@]}" >/dev/null
  cmake --build "build/$config" -j "$jobs"
  echo "=== $config: test"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/sanitizers/tsan.supp"
  ctest --test-dir "build/$config" --output-on-failure -j "$jobs" --timeout 300
  echo "=== $config: done in $(( $(date +%s) - start )) s"
done

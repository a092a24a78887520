#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang 14 (library and targets under ASan+UBSan,
# build/fuzz) and runs each for SECONDS (default 30) on a copy of its seed corpus
# fuzz/corpus/<target>: what the run adds stays in build/fuzz/run/<target>/corpus, never in
# the repository. Any finding (crash, sanitizer report, an exception other than
# lockstep::Error escaping, a timeout, RSS over 2 GB or one allocation over 1 GB) fails the
# script, naming the input that caused it (reproduce: build/fuzz/fuzz/<target> <input>).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]    (default: 30 s each, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

seconds=${1:-30}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_csv fuzz_npy fuzz_idx fuzz_safetensors fuzz_model_file
                                     fuzz_checkpoint fuzz_json_config)

# -O1 with line tables, as the sanitizer builds of scripts/test.sh; no tests or examples here.
flags=(-DCMAKE_CXX_COMPILER=clang++-14 -DLOCKSTEP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
       "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DLOCKSTEP_BUILD_TESTS=OFF
       -DLOCKSTEP_BUILD_EXAMPLES=OFF -DLOCKSTEP_BUILD_BENCHMARKS=OFF)
command -v ccache >/dev/null && flags+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
start=$(date +%s)
echo "=== fuzz: build"
cmake -S . -B build/fuzz -G Ninja "${flags[@]}" >/dev/null
cmake --build build/fuzz -j "$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
failed=()
for t in "${targets[@]}"; do
  run=build/fuzz/run/$t
  rm -rf "$run" && mkdir -p "$run/corpus" "$run/findings"
  cp fuzz/corpus/"$t"/* "$run/corpus/"
  # Targets whose input holds JSON also get the JSON tokens.
  cat fuzz/dict/"$t".dict > "$run/dict"
  case $t in fuzz_csv|fuzz_npy|fuzz_idx) ;; *) cat fuzz/dict/json.dict >> "$run/dict" ;; esac
  echo "=== fuzz: $t for $seconds s"
  # A fixed seed (LOCKSTEP_FUZZ_SEED, default 1; 0 lets libFuzzer pick one): a CI run explores
  # the same inputs each time, so it fails on a change, not on a coin toss.
  if ! build/fuzz/fuzz/"$t" -seed="${LOCKSTEP_FUZZ_SEED:-1}" -max_total_time="$seconds" \
         -timeout=10 -rss_limit_mb=2048 \
         -malloc_limit_mb=1024 -dict="$run/dict" -artifact_prefix="$run/findings/" \
         -print_final_stats=1 "$run/corpus" > "$run/log" 2>&1; then
    tail -n 60 "$run/log"
    for input in "$run"/findings/*; do
      [ -e "$input" ] && echo "fuzz.sh: $t: finding, input $input (log: $run/log)" >&2
    done
    failed+=("$t")
  else
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)" "$run/log" | tr '\n' ' '
    echo
  fi
done
echo "=== fuzz: done in $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: findings in ${failed[*]}" >&2
  exit 1
fi

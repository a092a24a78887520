#!/usr/bin/env bash
# Fails, listing the files, when a tracked C++ source is not as clang-format (the repository's
# .clang-format, Debian 12's clang-format 14) would write it. The generated golden headers
# (tests/golden/golden_*.hpp, written by the scripts beside them) are left as generated.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=()
while IFS= read -r f; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.cpp' '*.hpp' | grep -v '^tests/golden/golden_')
if [ ${#bad[@]} -gt 0 ]; then
  echo "check-format: not clang-formatted (run: clang-format -i FILE):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi

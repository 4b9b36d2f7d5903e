#!/usr/bin/env bash
# Builds the fuzz configuration and runs every libFuzzer target for a fixed time.
# Usage: scripts/fuzz.sh [SECONDS]   (default 60 seconds per target)
#
# Each target fuzz/fuzz_<name>.cpp runs on a COPY of fuzz/corpus/<name>/ in a temporary
# directory (the repository is never written), with fuzz/<name>.dict. Prints one line per target:
#   fuzz <name>: N executions in S s, 0 crashes
# and exits non-zero if any target crashed, timed out, leaked, ran out of memory or a sanitizer
# reported something. The offending input is printed (base64 and escaped) so it can be
# reproduced with `build-sanitize/fuzz/fuzz_<name> <file>`; the temporary directory is kept then.
#
# Environment: CILIUMC_FUZZ_BUILD_DIR=<dir> uses an already built fuzz configuration instead of
# running `scripts/build.sh sanitize fuzz_<name>...` for every target (build-sanitize/); CILIUMC_JOBS is passed to it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS]  (a positive number of seconds per target)" >&2
  exit 2
fi

if [[ -n "${CILIUMC_FUZZ_BUILD_DIR:-}" ]]; then
  build="$CILIUMC_FUZZ_BUILD_DIR"
else
  targets_to_build=()
  for src in "$root"/fuzz/fuzz_*.cpp; do targets_to_build+=("$(basename "$src" .cpp)"); done
  "$root/scripts/build.sh" sanitize "${targets_to_build[@]}"
  build="$root/build-sanitize"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/ciliumc-fuzz.XXXXXX")"
keep_work=0
cleanup() { if [[ $keep_work -eq 0 ]]; then rm -rf "$work"; fi; }
trap cleanup EXIT

# The value of a `stat::<name>: <value>` line of libFuzzer's final stats, or "?".
final_stat() {
  local value
  value="$(sed -n "s/^stat::$1: *\([0-9][0-9]*\).*/\1/p" "$2" | tail -n 1)"
  echo "${value:-?}"
}

# Prints one failing input so it can be reproduced without the temporary directory.
show_input() {
  local file="$1"
  echo "---- $(basename "$file") ($(stat -c %s "$file") bytes), kept at $file"
  echo "base64 (decode with: base64 -d > input):"
  base64 "$file"
  echo "as text (at most 4 KiB; control bytes as ^X, bytes above 127 as M-x):"
  head -c 4096 "$file" | cat -v
  echo
}

# Lines of a sanitizer or libFuzzer failure report: what and where.
failure_pattern='ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|fuzz invariant violated|ALARM: working on the last Unit|out-of-memory|==[0-9]+== ?ERROR'

failed=0
targets=()
for src in "$root"/fuzz/fuzz_*.cpp; do
  name="$(basename "$src" .cpp)"
  targets+=("${name#fuzz_}")
done

for target in "${targets[@]}"; do
  binary="$build/fuzz/fuzz_$target"
  if [[ ! -x "$binary" ]]; then
    echo "fuzz $target: $binary was not built" >&2
    failed=1
    continue
  fi
  corpus="$work/$target/corpus"
  artifacts="$work/$target/artifacts"
  log="$work/$target/fuzz.log"
  mkdir -p "$corpus" "$artifacts"
  cp -R "$root/fuzz/corpus/$target/." "$corpus/"

  status=0
  started=$SECONDS
  # Run inside the work directory: loaders resolve relative paths (test files, inventories)
  # against the current directory, and nothing may land in the repository.
  (cd "$work/$target" && "$binary" "$corpus" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -dict="$root/fuzz/$target.dict" -print_final_stats=1 \
      -artifact_prefix="$artifacts/" >"$log" 2>&1) || status=$?

  elapsed=$((SECONDS - started))
  executions="$(final_stat number_of_executed_units "$log")"
  mapfile -t failures < <(find "$artifacts" -type f \( -name 'crash-*' -o -name 'timeout-*' \
      -o -name 'leak-*' -o -name 'oom-*' \) | sort)
  reported=0
  if grep -Eq "$failure_pattern" "$log"; then reported=1; fi
  crashes=${#failures[@]}
  if [[ $crashes -eq 0 && ( $status -ne 0 || $reported -eq 1 ) ]]; then crashes=1; fi

  echo "fuzz $target: $executions executions in $elapsed s, $crashes crashes"
  if [[ $crashes -ne 0 ]]; then
    failed=1
    keep_work=1
    echo "==== fuzz $target failed (exit status $status); log: $log"
    if [[ $reported -eq 1 ]]; then
      grep -E -A 40 "$failure_pattern" "$log" | head -n 120 || true
    else
      tail -n 60 "$log"
    fi
    for file in "${failures[@]}"; do show_input "$file"; done
    echo "reproduce: $binary <input file>"
  fi
done

if [[ $keep_work -eq 1 ]]; then echo "fuzz: failing inputs and logs kept in $work"; fi
exit "$failed"

#!/usr/bin/env bash
# Configures and builds ciliumc. Usage: scripts/build.sh [release|sanitize] [ninja targets...]
#   release  -> build/          g++, RelWithDebInfo (the default)
#   sanitize -> build-sanitize/ clang-19 with AddressSanitizer + UndefinedBehaviorSanitizer on
#               everything, plus the libFuzzer targets (fuzz/): one instrumented build serves
#               both the sanitizer test run and the fuzzers (no benchmarks: meaningless there).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kind="${1:-release}"
shift || true
jobs="${CILIUMC_JOBS:-$(nproc)}"
case "$kind" in
  release)  dir="$root/build";          flags=() ;;
  sanitize) dir="$root/build-sanitize"; flags=(-DCILIUMC_FUZZ=ON -DCILIUMC_BENCH=OFF -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19) ;;
  *) echo "usage: $0 [release|sanitize] [targets...]" >&2; exit 2 ;;
esac
cmake -S "$root" -B "$dir" -G Ninja "${flags[@]}" >/dev/null
ninja -C "$dir" -j "$jobs" "$@"

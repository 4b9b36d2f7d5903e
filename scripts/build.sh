#!/usr/bin/env bash
# Configures and builds ciliumc. Usage: scripts/build.sh [release|sanitize|fuzz]
#   release  -> build/          (RelWithDebInfo; the default)
#   sanitize -> build-sanitize/ (AddressSanitizer + UndefinedBehaviorSanitizer)
#   fuzz     -> build-fuzz/     (clang-19, libFuzzer targets, ASan+UBSan)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kind="${1:-release}"
jobs="${CILIUMC_JOBS:-$(nproc)}"
case "$kind" in
  release)  dir="$root/build";          flags=() ;;
  sanitize) dir="$root/build-sanitize"; flags=(-DCILIUMC_SANITIZE=ON) ;;
  fuzz)     dir="$root/build-fuzz";     flags=(-DCILIUMC_FUZZ=ON -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19) ;;
  *) echo "usage: $0 [release|sanitize|fuzz]" >&2; exit 2 ;;
esac
cmake -S "$root" -B "$dir" -G Ninja "${flags[@]}" >/dev/null
ninja -C "$dir" -j "$jobs"

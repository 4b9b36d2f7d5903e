#!/usr/bin/env bash
# Runs every test: installs dependencies; builds the release configuration (g++) and runs ctest
# there (unit, lit, conformance, examples); builds the sanitizer configuration (clang-19,
# ASan+UBSan, libFuzzer-instrumented) and runs ctest again; then runs each fuzz target for a
# bounded time (CILIUMC_FUZZ_SECONDS, default 60). Exits non-zero on any failure.
#
# CILIUMC_REQUIRE_PRIVILEGED=1 (set by .ci/run) turns every test that would skip for lack of
# privileges (kernel BPF, network namespaces, etcd) into a failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"

echo "== release build (g++)"
"$root/scripts/build.sh" release
(cd "$root/build" && ctest --output-on-failure -j "$(nproc)")

echo "== sanitizer build (clang-19, ASan + UBSan)"
"$root/scripts/build.sh" sanitize
(cd "$root/build-sanitize" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$(nproc)")

echo "== fuzzing (bounded)"
CILIUMC_FUZZ_BUILD_DIR="$root/build-sanitize" "$root/scripts/fuzz.sh" "${CILIUMC_FUZZ_SECONDS:-60}"

#!/usr/bin/env bash
# Runs every test: installs dependencies, builds the release and the sanitizer (ASan+UBSan)
# configurations and runs ctest in both (unit, lit, conformance, examples), then runs each
# libFuzzer target for a bounded time. Exit non-zero on any failure.
#
# CILIUMC_REQUIRE_PRIVILEGED=1 (set by .ci/run) turns every test that would skip for lack of
# privileges (kernel BPF, network namespaces, etcd) into a failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"

echo "== release build"
"$root/scripts/build.sh" release
(cd "$root/build" && ctest --output-on-failure -j "$(nproc)")

echo "== sanitizer build (ASan + UBSan)"
"$root/scripts/build.sh" sanitize
(cd "$root/build-sanitize" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$(nproc)")

echo "== fuzzing (bounded)"
"$root/scripts/fuzz.sh" "${CILIUMC_FUZZ_SECONDS:-60}"

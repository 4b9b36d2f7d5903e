#!/bin/sh
# Runs a command that needs BPF privileges (root: CAP_BPF + CAP_NET_ADMIN). Without them the
# test is skipped with a message (ctest SKIP_RETURN_CODE 77) — unless CILIUMC_REQUIRE_PRIVILEGED
# is set (by .ci/run), which turns the skip into a failure.
if [ "$(id -u)" != 0 ]; then
  if [ -n "$CILIUMC_REQUIRE_PRIVILEGED" ] && [ "$CILIUMC_REQUIRE_PRIVILEGED" != 0 ]; then
    echo "error: needs root for BPF, and CILIUMC_REQUIRE_PRIVILEGED forbids skipping: $*" >&2
    exit 1
  fi
  echo "skipped: needs root for BPF (run as root or under .ci/run): $*" >&2
  exit 77
fi
exec "$@"

#!/usr/bin/env bash
# The main job, end to end: install dependencies, build, check the examples, show verdicts
# with the rules that decided them, and run the examples' policy tests.
# (Later milestones add: compile to BPF and enforce on veth devices.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release
ciliumc="$root/build/cli/ciliumc"
shop="$root/examples/shop"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "check the policies (language and Kubernetes/Cilium YAML)"
"$ciliumc" check "$shop/policy" "$shop/k8s" --inventory "$shop/inventory.yaml"

step "the same YAML, converted to the policy language"
"$ciliumc" convert "$shop/k8s" | head -40

step "explain: an allowed flow"
"$ciliumc" explain "$shop/policy" --inventory "$shop/inventory.yaml" \
  --from shop/frontend --to shop/api --proto tcp --port 8080 || true

step "explain: a denied flow"
"$ciliumc" explain "$shop/policy" --inventory "$shop/inventory.yaml" \
  --from shop/frontend --to shop/db --proto tcp --port 5432 || true

step "policy unit tests of the examples"
"$ciliumc" test "$root/examples"

#!/usr/bin/env bash
# The main job, end to end: install dependencies, build, check the examples, show verdicts with
# the rules that decided them, run the examples' policy tests — then run the shop as a cluster:
#   - etcd (Debian's etcd-server) on loopback, two nodes (network namespaces joined by a link),
#     ciliumd on each (its node namespace holds the host side of its endpoints' veths);
#   - the shop's policies imported with ciliumctl on node-1 (stored in etcd, enforced by both);
#   - endpoints created like a CNI plugin does (a namespace + veth pair, then `ciliumctl
#     endpoint create`): IPAM addresses, identities allocated through etcd, programs attached;
#   - real traffic compared with `ciliumc explain`, flow by flow, also across nodes; drops seen
#     by `ciliumctl monitor` with the policy and rule that decided them;
#   - a policy change and its removal, a new endpoint, and `kill -9` of the agent while the
#     programs keep enforcing, then its restart adopting the pinned state.
# Everything it creates (agents, etcd, namespaces, a private bpffs mount, a temporary
# directory) is removed on exit, also on failure or Ctrl-C. Every network wait is bounded
# (CILIUMC_DEMO_TIMEOUT seconds per flow, default 0.5).
#
# CILIUMC_PREBUILT=DIR skips installing and building and uses the binaries of that build tree;
# by default the script installs and builds like a fresh clone needs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -n "${CILIUMC_PREBUILT:-}" ]; then
  build="$CILIUMC_PREBUILT"
else
  "$root/scripts/install-deps.sh"
  "$root/scripts/build.sh" release ciliumc ciliumd ciliumctl
  build="$root/build"
fi
ciliumc="$build/cli/ciliumc"
ciliumd="$build/agent/ciliumd"
ciliumctl="$build/cli/ciliumctl/ciliumctl"
shop="$root/examples/shop"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "check the policies (language and Kubernetes/Cilium YAML)"
"$ciliumc" check "$shop/policy" "$shop/k8s" --inventory "$shop/inventory.yaml"

step "explain: an allowed flow"
"$ciliumc" explain "$shop/policy" --inventory "$shop/inventory.yaml" \
  --from shop/frontend --to shop/api --proto tcp --port 8080 || true

step "explain: a denied flow"
"$ciliumc" explain "$shop/policy" --inventory "$shop/inventory.yaml" \
  --from shop/frontend --to shop/db --proto tcp --port 5432 || true

step "policy unit tests of the examples"
"$ciliumc" test "$root/examples"

# ---- the cluster -------------------------------------------------------------------------------

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: the cluster part (BPF, network namespaces, tc) needs root: run scripts/demo.sh as root" >&2
  exit 1
fi

prefix="cdemo$$"
work="$(mktemp -d /tmp/ciliumc-demo.XXXXXX)"
bpffs="$work/bpffs"
inventory="$shop/inventory.yaml"
declare -A pid_of=()  # etcd, node-1, node-2

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  for pid in "${pid_of[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pid_of[@]}"; do timeout 10 tail --pid="$pid" -f /dev/null 2>/dev/null; done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-"); do
    ip netns del "$ns" 2>/dev/null
  done
  mountpoint -q "$bpffs" 2>/dev/null && umount -R "$bpffs"
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted" >&2; exit 130' INT
trap 'echo; echo "demo: terminated" >&2; exit 143' TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Waits (bounded: 10 s) until COMMAND... succeeds.
wait_for() {
  local what="$1"; shift
  for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "demo: $what did not come up" >&2
  return 1
}
ctl() { local node="$1"; shift; "$ciliumctl" --socket "$work/$node.sock" "$@"; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

step "etcd (Debian's etcd-server) on loopback"
client_port=$(free_port); peer_port=$(free_port)
etcd --name demo --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$client_port" \
  --advertise-client-urls "http://127.0.0.1:$client_port" --listen-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" --initial-cluster "demo=http://127.0.0.1:$peer_port" \
  >"$work/etcd.log" 2>&1 &
pid_of[etcd]=$!
wait_for etcd python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$client_port/health', timeout=1)"
echo "  etcd pid ${pid_of[etcd]} on 127.0.0.1:$client_port"

step "two nodes (namespaces joined by a link, addresses from the inventory), ciliumd on each"
mkdir -p "$bpffs"
mount -t bpf bpf "$bpffs"
ip netns add "$prefix-node-1"
ip netns add "$prefix-node-2"
ip link add "$prefix-l1" netns "$prefix-node-1" type veth peer name "$prefix-l2" netns "$prefix-node-2"
node_address() { [ "$1" = node-1 ] && echo "192.168.10.1 fd00:192:168:10::1" || echo "192.168.10.2 fd00:192:168:10::2"; }
run_agent() {  # NODE: starts ciliumd in the background and waits until it answers
  local node="$1" index="${1#node-}" v4 v6
  read -r v4 v6 < <(node_address "$node")
  "$ciliumd" --etcd-endpoints "127.0.0.1:$client_port" --node-name "$node" --cluster-name prod-eu-1 \
    --ipv4-pod-cidr "10.11.$index.0/24" --ipv6-pod-cidr "fd00:11:$index::/112" --node-address "$v4,$v6" \
    --state-dir "$work/state-$node" --bpffs "$bpffs/$node" --node-netns "$prefix-$node" \
    --socket "$work/$node.sock" >>"$work/$node.log" 2>&1 &
  pid_of[$node]=$!
  wait_for "ciliumd on $node" ctl "$node" status
}
for node in node-1 node-2; do
  read -r v4 v6 < <(node_address "$node")
  link="$prefix-l${node#node-}"
  ip -n "$prefix-$node" link set lo up
  ip -n "$prefix-$node" addr add "$v4/24" dev "$link"
  ip -n "$prefix-$node" addr add "$v6/64" dev "$link" nodad
  ip -n "$prefix-$node" link set "$link" up
  run_agent "$node"
  echo "  $node: ciliumd pid ${pid_of[$node]}, pods 10.11.${node#node-}.0/24 and fd00:11:${node#node-}::/112, address $v4"
done
ctl node-1 status

step "import the shop's policies on node-1 (stored in etcd; every node enforces them)"
revision=0
for file in "$shop"/policy/*.policy; do
  out=$(ctl node-1 policy import "$file")
  echo "  $(basename "$file"): $out"
  revision=$(echo "$out" | awk '/Revision:/ {print $2}')
done
for node in node-1 node-2; do echo "  $node: $(ctl "$node" policy wait "$revision" --timeout 30)"; done

# Endpoints, created as a CNI plugin would: a namespace, a veth pair whose host side lives in the
# node's namespace, then the agent does the rest (addresses, identity, programs).
: >"$work/hosts"
add_endpoint() {  # NODE REF
  local node="$1" ref="$2" index
  index=$(wc -l <"$work/hosts")
  local ns="$prefix-ep$index" device="lxcdemo$index"
  ip netns add "$ns"
  ip link add "$device" netns "$prefix-$node" type veth peer name eth0 netns "$ns"
  ctl "$node" -o json endpoint create --name "${ref/\//-}" \
    --labels "$(python3 "$root/scripts/demo_cluster.py" labels "$inventory" "$ref")" \
    --netns "$ns" --interface "$device" >"$work/endpoint.json"
  local v4 v6
  v4=$(json_field '.get("ipv4") or "-"' <"$work/endpoint.json")
  v6=$(json_field '.get("ipv6") or "-"' <"$work/endpoint.json")
  echo "$ref $ns $device $v4 $v6" >>"$work/hosts"
  printf '  %-22s on %s: %s %s, identity %s\n' "$ref" "$node" "$v4" "$v6" "$(json_field '["identity"]' <"$work/endpoint.json")"
}

step "endpoints: five on node-1, prometheus on node-2"
for ref in shop/frontend shop/api shop/db kube-system/kube-dns staging/frontend; do add_endpoint node-1 "$ref"; done
add_endpoint node-2 monitoring/prometheus
ctl node-1 endpoint list
echo
ctl node-2 identity list

# `ciliumc explain` evaluates the same policies over an inventory of the running cluster.
mkdir -p "$work/policy"
cp "$shop"/policy/*.policy "$work/policy/"
hosts_for_flows() { cat "$work/hosts"; echo "node-1 $prefix-node-1 - 169.254.1.1 -"; }
refresh_inventory() {
  python3 "$root/scripts/demo_cluster.py" inventory "$inventory" "$work/hosts" "$work/inventory.yaml"
  hosts_for_flows >"$work/flow-hosts"
}
refresh_inventory
run_flows() {  # FLOWS ("FROM TO PROTO PORT [ipv6]" lines)
  echo "$1" | python3 "$root/scripts/demo_flows.py" "$ciliumc" "$work/policy" "$work/inventory.yaml" \
    "$work/flow-hosts" enforced "$work/denied"
}

step "real traffic vs. \`ciliumc explain\` (prometheus -> api crosses nodes: its identity came through etcd)"
ctl node-1 monitor --type drop >"$work/monitor.txt" 2>&1 &
monitor=$!
sleep 0.3
run_flows "
shop/frontend          shop/api              tcp    8080
shop/frontend          shop/api              tcp    8080  ipv6
shop/frontend          shop/api              tcp    8081
shop/frontend          shop/db               tcp    5432
shop/api               shop/db               tcp    5432
shop/api               shop/frontend         tcp    443
shop/db                shop/api              tcp    8080
shop/frontend          kube-system/kube-dns  udp    53
shop/api               kube-system/kube-dns  udp    53    ipv6
shop/db                kube-system/kube-dns  udp    5353
staging/frontend       shop/api              tcp    8080
monitoring/prometheus  shop/api              tcp    9102
monitoring/prometheus  shop/db               tcp    5432
monitoring/prometheus  shop/api              icmp   8
shop/frontend          shop/api              icmp   8
node-1                 shop/api              tcp    8080"
sleep 0.3
kill "$monitor" 2>/dev/null
wait "$monitor" 2>/dev/null || true

step "ciliumctl monitor --type drop on node-1, meanwhile (the policy drops)"
# (It also shows IPv6 multicast listener reports from link-local addresses dropped as spoofed
# sources: a known gap, docs/agent.md.)
grep "Policy denied" "$work/monitor.txt" | head -6 | cut -c1-200

step "what node-1 loaded for shop/db (ciliumctl bpf policy get)"
db_id=$(ctl node-1 -o json endpoint list | python3 -c 'import json,sys; print(next(e["id"] for e in json.load(sys.stdin) if e["name"] == "shop-db"))')
ctl node-1 bpf policy get "$db_id"

step "a policy change: the frontend may now reach the database directly"
cat >"$work/policy/migration.policy" <<'POLICY'
policy migration-db {
  namespace shop
  select { app = db }
  ingress { allow from { app = frontend } on tcp/5432 }
}
policy migration-frontend {
  namespace shop
  select { app = frontend }
  egress { allow to { app = db } on tcp/5432 }
}
POLICY
out=$(ctl node-1 policy import "$work/policy/migration.policy"); echo "  $out"
ctl node-1 policy wait "$(echo "$out" | awk '/Revision:/ {print $2}')" --timeout 30
change_flows="
shop/frontend shop/db tcp 5432
shop/api      shop/db tcp 5432"
run_flows "$change_flows"
step "... and its removal"
out=$(ctl node-1 policy delete migration); echo "  $out"
ctl node-1 policy wait "$(echo "$out" | awk '/Revision:/ {print $2}')" --timeout 30
rm "$work/policy/migration.policy"
run_flows "$change_flows"

step "a new endpoint, shop/cache: its identity reaches the loaded programs as a map update"
compiles() { ctl node-1 -o json status | json_field '["compiles"]'; }
before=$(compiles)
add_endpoint node-1 shop/cache
echo "  LLVM compiles on node-1: $before before, $(compiles) after (a new policy shape needs one; a known one does not)"
refresh_inventory
run_flows "
shop/api      shop/cache tcp 6379
shop/frontend shop/cache tcp 6379"

step "kill -9 the agent on node-1: the programs keep enforcing without it"
kill -9 "${pid_of[node-1]}"
wait "${pid_of[node-1]}" 2>/dev/null || true
ctl node-1 status 2>&1 | head -2 || true
run_flows "
shop/frontend shop/api tcp 8080
shop/frontend shop/db  tcp 5432"

step "restart it: it adopts its endpoints and their pinned programs"
run_agent node-1
ctl node-1 endpoint list
run_flows "
shop/frontend shop/api tcp 8080
shop/frontend shop/db  tcp 5432"

step "done: agents, etcd, namespaces and the bpffs mount are removed on exit"

#!/usr/bin/env bash
# The main job, end to end: install dependencies, build, check the examples, show verdicts
# with the rules that decided them, run the examples' policy tests — then compile the shop
# example to BPF, enforce it in the kernel on a small network of namespaces, and compare real
# traffic with what `ciliumc explain` says, flow by flow.
#
# The enforcement part needs root (BPF, network namespaces, tc). It builds, in Cilium's layout:
#   one "node" namespace that routes (and owns the node's address from the inventory),
#   one namespace per endpoint below, joined to the node by a veth pair whose endpoint side has
#   the endpoint's inventory addresses (/32, /128) and whose host side ("lxc...") carries the
#   endpoint's two programs (`ciliumc load --side host`).
# Everything it creates (namespaces, a private bpffs mount, a temporary directory) is removed on
# exit, also on failure or Ctrl-C; nothing is pinned under /sys/fs/bpf. Every network wait is
# bounded (CILIUMC_DEMO_TIMEOUT seconds per flow, default 0.5).
#
# CILIUMC_PREBUILT=DIR skips installing and building and uses DIR/cli/ciliumc (a build tree of
# your own); by default the script installs and builds like a fresh clone needs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -n "${CILIUMC_PREBUILT:-}" ]; then
  ciliumc="$CILIUMC_PREBUILT/cli/ciliumc"
else
  "$root/scripts/install-deps.sh"
  "$root/scripts/build.sh" release
  ciliumc="$root/build/cli/ciliumc"
fi
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

# ---- enforcement in the kernel ------------------------------------------------------------------

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: the enforcement part (BPF, network namespaces, tc) needs root: run scripts/demo.sh as root" >&2
  exit 1
fi

# The endpoints that get a namespace (the inventory gives their addresses) and the node.
endpoints=(shop/frontend shop/api shop/db kube-system/kube-dns monitoring/prometheus staging/frontend)
prefix="ciliumc-demo-$$"
node_ns="$prefix-node"
work="$(mktemp -d /tmp/ciliumc-demo.XXXXXX)"
bpffs="$work/bpffs"
loaded=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  if [ -n "$loaded" ]; then
    timeout 20 "$ciliumc" unload --all --netns "$node_ns" --bpffs "$bpffs" >/dev/null 2>&1
  fi
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-"); do
    ip netns del "$ns" 2>/dev/null
  done
  mountpoint -q "$bpffs" 2>/dev/null && umount "$bpffs"
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted" >&2; exit 130' INT
trap 'echo; echo "demo: terminated" >&2; exit 143' TERM

step "compile examples/shop to BPF: one object per endpoint, plus manifest.json"
"$ciliumc" compile "$shop/policy" --inventory "$shop/inventory.yaml" -o "$work/objects"
ls "$work/objects"

# "REF NETNS HOST-DEVICE IPV4 IPV6" per endpoint ("-" for a missing family), read from the
# inventory so the namespaces carry exactly the addresses the policy was compiled for; and the
# local node's addresses.
python3 - "$shop/inventory.yaml" "$prefix" "${endpoints[@]}" >"$work/hosts" <<'EOF'
import ipaddress, sys, yaml
inventory = yaml.safe_load(open(sys.argv[1]))
prefix = sys.argv[2]
def families(ips):
    v4 = [str(ip) for ip in ips if ipaddress.ip_address(str(ip)).version == 4]
    v6 = [str(ip) for ip in ips if ipaddress.ip_address(str(ip)).version == 6]
    return (v4[0] if v4 else "-"), (v6[0] if v6 else "-")
for index, ref in enumerate(sys.argv[3:]):
    namespace, name = ref.split("/")
    endpoint = next(e for e in inventory["endpoints"] if e["name"] == name and e.get("namespace") == namespace)
    print(ref, f"{prefix}-ep{index}", f"lxcdemo{index}", *families(endpoint["ips"]))
node = next(n for n in inventory["nodes"] if n.get("local"))
print(node["name"], f"{prefix}-node", "-", *families(node["ips"]))
EOF

step "a node namespace routing to one namespace per endpoint (addresses from the inventory)"
ip netns add "$node_ns"
ip netns exec "$node_ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
  net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip -n "$node_ns" link set lo up
attach=()
while read -r ref ns lxc v4 v6; do
  if [ "$lxc" = "-" ]; then  # the node itself: its address on its loopback
    [ "$v4" = "-" ] || ip -n "$node_ns" addr add "$v4/32" dev lo
    [ "$v6" = "-" ] || ip -n "$node_ns" addr add "$v6/128" dev lo
    printf '  %-22s %-16s %s %s (namespace %s)\n' "$ref" "node" "$v4" "$v6" "$ns"
    continue
  fi
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip -n "$ns" link set lo up
  ip link add "$lxc" netns "$node_ns" type veth peer name eth0 netns "$ns"
  ip -n "$node_ns" link set "$lxc" up
  ip -n "$ns" link set eth0 up
  # Gateway addresses every host-side device carries; the endpoint's routes point at them.
  ip -n "$node_ns" addr add 169.254.1.1/32 dev "$lxc"
  ip -n "$node_ns" addr add fe80::1/64 dev "$lxc" nodad
  ip -n "$ns" route add 169.254.1.1 dev eth0 scope link
  ip -n "$ns" route add default via 169.254.1.1 dev eth0
  ip -n "$ns" -6 route add default via fe80::1 dev eth0
  if [ "$v4" != "-" ]; then
    ip -n "$ns" addr add "$v4/32" dev eth0
    ip -n "$node_ns" route add "$v4/32" dev "$lxc"
  fi
  if [ "$v6" != "-" ]; then
    ip -n "$ns" addr add "$v6/128" dev eth0 nodad
    ip -n "$node_ns" -6 route add "$v6/128" dev "$lxc"
  fi
  attach+=(--attach "$ref=$lxc")
  printf '  %-22s %-16s %s %s (namespace %s)\n' "$ref" "$lxc" "$v4" "$v6" "$ns"
done <"$work/hosts"

step "ciliumc load: pin every endpoint's programs, attach ${#endpoints[@]} of them to their lxc devices"
mkdir -p "$bpffs"
mount -t bpf bpf "$bpffs"
loaded=yes
"$ciliumc" load "$work/objects" --netns "$node_ns" --side host --bpffs "$bpffs" "${attach[@]}"

# The flow runner: for each flow, `ciliumc explain` (the reference evaluator) and real sockets
# (TCP connect + request + response, UDP request + response, ICMP/ICMPv6 echo), side by side.
# Sockets are created inside the endpoint's namespace (setns on this thread, then back), so one
# process drives every namespace; every wait ends at a deadline.
cat >"$work/flows.py" <<'EOF'
import ctypes, os, re, select, socket, struct, subprocess, sys, time

# mode: "enforced" compares with `ciliumc explain` and writes the flows it saw denied to
# DENIED_FILE; "unloaded" expects every flow to get through.
ciliumc, policy, inventory, hosts_file, mode, denied_file = sys.argv[1:7]
denied = []
timeout = float(os.environ.get("CILIUMC_DEMO_TIMEOUT", "0.5"))
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)

hosts = {}
for line in open(hosts_file):
    ref, ns, _lxc, v4, v6 = line.split()
    hosts[ref] = {"ns": "/var/run/netns/" + ns, 4: None if v4 == "-" else v4, 6: None if v6 == "-" else v6}

def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")

def socket_in(host, family, kind, proto=0):
    fd = os.open(host["ns"], os.O_RDONLY)
    try:
        setns(fd)
        return socket.socket(family, kind, proto)
    finally:
        setns(home)
        os.close(fd)

def wait(sock, writable, deadline):
    left = max(0.0, deadline - time.monotonic())
    r, w, _ = select.select([] if writable else [sock], [sock] if writable else [], [], left)
    return bool(r or w)

def tcp(src, dst, family, port, deadline):
    fam = socket.AF_INET if family == 4 else socket.AF_INET6
    with socket_in(dst, fam, socket.SOCK_STREAM) as server, socket_in(src, fam, socket.SOCK_STREAM) as client:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((dst[family], port)); server.listen(4); server.setblocking(False)
        client.bind((src[family], 0)); client.setblocking(False)
        client.connect_ex((dst[family], port))
        if not wait(client, True, deadline): return "no connection"
        if client.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR): return "connection refused"
        if not wait(server, False, deadline): return "not accepted"
        conn, _ = server.accept()
        with conn:
            client.send(b"request")
            if not wait(conn, False, deadline) or conn.recv(64) != b"request": return "request lost"
            conn.send(b"response")
            if not wait(client, False, deadline) or client.recv(64) != b"response": return "response lost"
    return ""

def udp(src, dst, family, port, deadline):
    fam = socket.AF_INET if family == 4 else socket.AF_INET6
    with socket_in(dst, fam, socket.SOCK_DGRAM) as server, socket_in(src, fam, socket.SOCK_DGRAM) as client:
        server.bind((dst[family], port)); client.bind((src[family], 0))
        try: client.sendto(b"request", (dst[family], port))
        except OSError: pass  # a drop at the sender's own device may fail the send: nothing arrives either way
        if not wait(server, False, deadline): return "request lost"
        data, sender = server.recvfrom(64)
        server.sendto(b"response", sender)
        if not wait(client, False, deadline) or client.recv(64) != b"response": return "response lost"
    return ""

def checksum(data):
    data += b"\0" * (len(data) % 2)
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16: total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff

def echo(src, dst, family, _port, deadline):
    v4 = family == 4
    fam = socket.AF_INET if v4 else socket.AF_INET6
    with socket_in(src, fam, socket.SOCK_RAW, socket.IPPROTO_ICMP if v4 else socket.IPPROTO_ICMPV6) as sock:
        sock.bind((src[family], 0))
        ident = os.getpid() & 0xffff
        request = struct.pack("!BBHHH", 8 if v4 else 128, 0, 0, ident, 1) + b"ciliumc!"
        if v4:  # the kernel computes the ICMPv6 checksum itself
            request = request[:2] + struct.pack("!H", checksum(request)) + request[4:]
        try: sock.sendto(request, (dst[family], 0))
        except OSError: pass
        for _ in range(64):
            if not wait(sock, False, deadline): return "no echo reply"
            packet, sender = sock.recvfrom(2048)
            icmp = packet[(packet[0] & 0xf) * 4:] if v4 else packet
            if len(icmp) >= 8 and icmp[0] == (0 if v4 else 129) and struct.unpack("!H", icmp[4:6])[0] == ident \
                    and sender[0] == dst[family]:
                return ""
    return "no echo reply"

def explain(src, dst, family, proto, port):
    # Endpoints by name over IPv4; IPv6 flows and the node by the addresses the packets carry.
    name = lambda ref: ref if family == 4 and "/" in ref else hosts[ref][family]
    command = [ciliumc, "explain", policy, "--inventory", inventory, "--from", name(src), "--to", name(dst),
               "--proto", proto]
    command += ["--type", "echo-request"] if proto.startswith("icmp") else ["--port", str(port)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    first = result.stdout.split(":", 1)[0].strip()
    if first not in ("ALLOWED", "DENIED"):
        sys.exit("demo: unexpected `ciliumc explain` output:\n" + result.stdout + result.stderr)
    # The sides that deny ("  egress  of shop/db:  deny  - ..."), for the table.
    deciders = [m.group(1) + " of " + m.group(2)
                for m in re.finditer(r"^\s*(egress|ingress)\s+of (\S+):\s+deny", result.stdout, re.M)]
    return first, ", ".join(deciders)

run = {"tcp": tcp, "udp": udp, "icmp": echo, "icmpv6": echo}
mismatches = 0
print("  %-50s %-8s %-8s %-10s %s" % ("flow", "explain", "observed", "", "denied by (explain)" if mode == "enforced"
                                      else "(no programs attached)"))
try:
    for line in sys.stdin:
        line = line.split("#", 1)[0].split()
        if not line: continue
        src, dst, proto, port, note = line[0], line[1], line[2], int(line[3]), " ".join(line[4:])
        family = 6 if proto == "icmpv6" or note.startswith("ipv6") else 4
        what = "%s -> %s %s" % (src, dst, proto if proto.startswith("icmp") else "%s/%d" % (proto, port))
        if family == 6 and not proto.startswith("icmp"): what += " (IPv6)"
        expected, deciders = explain(src, dst, family, proto, port) if mode == "enforced" else ("ALLOWED", "")
        start = time.monotonic()
        stopped = run[proto](hosts[src], hosts[dst], family, port, start + timeout)
        took = (time.monotonic() - start) * 1000
        observed = "ALLOWED" if not stopped else "DENIED"
        ok = observed == expected
        mismatches += not ok
        if stopped: denied.append(" ".join(line))
        print("  %-50s %-8s %-8s %-10s %s" % (what, expected if mode == "enforced" else "-", observed,
                                             "ok" if ok else "MISMATCH", deciders), flush=True)
        if not ok:
            print("  %50s   ^ observed %s after %.1f ms%s" % ("", observed, took, ": " + stopped if stopped else ""))
except KeyboardInterrupt:
    sys.exit(130)
if mode == "enforced":
    open(denied_file, "w").write("".join(flow + "\n" for flow in denied))
if mismatches:
    print("\n  !!! %d flow(s) did not behave as `ciliumc explain` says !!!" % mismatches)
    sys.exit(1)
EOF

# FROM TO PROTO PORT [ipv6]: flows from examples/shop/tests that real sockets can reproduce here
# (world/CIDR peers have no namespace in this topology). The node row is the local node's
# address (kubelet probes are allowed: allow-localhost).
flows=$(cat <<'EOF'
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
monitoring/prometheus  shop/frontend         icmpv6 128
shop/frontend          shop/api              icmp   8
node-1                 shop/api              tcp    8080
EOF
)

step "real traffic under the compiled policy vs. \`ciliumc explain\`"
echo "$flows" | python3 "$work/flows.py" "$ciliumc" "$shop/policy" "$shop/inventory.yaml" "$work/hosts" \
  enforced "$work/denied"

step "ciliumc unload: detach and unpin everything"
"$ciliumc" unload --all --netns "$node_ns" --bpffs "$bpffs"
loaded=""

step "the flows that were denied, again without the programs: they get through now"
python3 "$work/flows.py" "$ciliumc" "$shop/policy" "$shop/inventory.yaml" "$work/hosts" unloaded - <"$work/denied"

step "done: namespaces and the bpffs mount are removed on exit"

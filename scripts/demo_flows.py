#!/usr/bin/env python3
# The demo's flow runner: for each flow (stdin: FROM TO PROTO PORT [ipv6]), what `ciliumc explain`
# (the reference evaluator) says and what real sockets observe (TCP connect + request + response,
# UDP request + response, ICMP/ICMPv6 echo), side by side. Sockets are created inside the
# endpoint's namespace (setns on this thread, then back), so one process drives every namespace;
# every wait ends at a deadline (CILIUMC_DEMO_TIMEOUT seconds, default 0.5).
# Usage: demo_flows.py CILIUMC POLICY INVENTORY HOSTS MODE DENIED_FILE
#   HOSTS: "REF NETNS-NAME DEVICE IPV4 IPV6" per line ("-" for a missing family)
#   MODE:  "enforced" compares with explain (exit 1 on a mismatch) and writes the denied flows to
#          DENIED_FILE; "open" expects every flow to get through.
import ctypes, os, re, select, socket, struct, subprocess, sys, time

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

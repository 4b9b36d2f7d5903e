"""Checks a `ciliumc compile -o DIR` output: every object exists and is an ELF for BPF, the
manifest's endpoints, ipcache and rule references are consistent. Prints one line per check."""
import json
import os
import sys

out = sys.argv[1]
manifest = json.load(open(os.path.join(out, "manifest.json")))
endpoints = manifest["endpoints"]
written = [e for e in endpoints if e["object"]]
for e in written:
    data = open(os.path.join(out, e["object"]), "rb").read()
    assert data[:4] == b"\x7fELF", e["object"]
    assert int.from_bytes(data[18:20], "little") == 247, "e_machine is not EM_BPF"
print("objects", len(written), "ok")
for e in endpoints:
    print("endpoint", (e["namespace"] + "/" if e["namespace"] else "") + e["name"], "identity", e["identity"],
          "ipv4", e["ipv4"])
ipcache = {ip for ip, _ in manifest["node_maps"]["ciliumc_ipcache"]}
assert all(e[f] in ipcache for e in endpoints for f in ("ipv4", "ipv6") if e[f]), "endpoint address missing"
print("ipcache has every endpoint address")
rules = {r["id"] for r in manifest["rules"]}
for shape in manifest["shapes"]:
    for direction in ("ingress", "egress"):
        for row in shape[direction]["rows"]:
            for rule, reason, deny in row:
                assert rule == 0 or rule in rules, rule
print("every rule id in a verdict cell is in the rule table")

#!/usr/bin/env python3
# The demo's bridge between examples/shop/inventory.yaml and the running agents.
#   labels INVENTORY REF     the labels a CNI would give the pod REF ("ns/name"), comma separated:
#                            its own labels plus what Kubernetes/Cilium derive (namespace, the
#                            namespace's labels, cluster), all with source k8s
#   inventory INVENTORY HOSTS OUT
#                            the inventory `ciliumc explain` should evaluate the running cluster
#                            with: the demo's endpoints at the addresses the agents gave them
#                            (HOSTS: "REF NETNS DEVICE IPV4 IPV6"), the nodes with their addresses
#                            and node-1's endpoint gateway address (traffic from it is the host)
import sys, yaml

def load(path):
    return yaml.safe_load(open(path))

def endpoint_of(inventory, ref):
    namespace, name = ref.split("/")
    return next(e for e in inventory["endpoints"] if e["name"] == name and e.get("namespace") == namespace)

def labels(inventory, ref):
    namespace, _ = ref.split("/")
    endpoint = endpoint_of(inventory, ref)
    result = ["k8s:%s=%s" % (k, v) for k, v in sorted((endpoint.get("labels") or {}).items())]
    result.append("k8s:io.kubernetes.pod.namespace=" + namespace)
    ns = next((n for n in inventory.get("namespaces", []) if n["name"] == namespace), {"labels": {}})
    ns_labels = dict(ns.get("labels") or {})
    ns_labels["kubernetes.io/metadata.name"] = namespace
    result += ["k8s:io.cilium.k8s.namespace.labels.%s=%s" % (k, v) for k, v in sorted(ns_labels.items())]
    result.append("k8s:io.cilium.k8s.policy.cluster=" + inventory.get("cluster", "default"))
    if endpoint.get("serviceAccount"):
        result.append("k8s:io.cilium.k8s.policy.serviceaccount=" + endpoint["serviceAccount"])
    return ",".join(result)

def explain_inventory(inventory, hosts_path, out):
    addresses = {}
    for line in open(hosts_path):
        ref, _ns, _dev, v4, v6 = line.split()
        addresses[ref] = [ip for ip in (v4, v6) if ip != "-"]
    endpoints = []
    for ref, ips in addresses.items():
        if "/" not in ref:
            continue
        endpoint = dict(endpoint_of(inventory, ref))
        endpoint["ips"] = ips
        endpoints.append(endpoint)
    inventory = dict(inventory)
    inventory["endpoints"] = endpoints
    for node in inventory.get("nodes", []):
        if node.get("local"):
            node["ips"] = list(node["ips"]) + ["169.254.1.1"]
    yaml.safe_dump(inventory, open(out, "w"), sort_keys=False)

if sys.argv[1] == "labels":
    print(labels(load(sys.argv[2]), sys.argv[3]))
elif sys.argv[1] == "inventory":
    explain_inventory(load(sys.argv[2]), sys.argv[3], sys.argv[4])
else:
    sys.exit("usage: demo_cluster.py labels INVENTORY REF | inventory INVENTORY HOSTS OUT")

/* Baseline for bench/backend_speed.cpp: Cilium's shape of a policy decision, compiled at build
 * time (clang -O2 -g -target bpf) and loaded in the same run as ciliumc's objects:
 * parse, LPM-trie lookup of the peer (source) address in an IP cache (the bench fills 10,000
 * prefixes) giving the peer identity, then one hash lookup of (identity, port, protocol,
 * direction) in a policy map. Cilium does more per packet (conntrack, L3-only and L4-only
 * wildcard lookups, metrics); this is the smallest program of that shape, so it flatters the
 * baseline. */
#include "ciliumc_bpf.h"
#include "baseline_parse.h"

char _license[] SEC("license") = "GPL";

struct bench_ipcache_key {
  __u32 prefixlen;
  __u32 addr; /* network byte order */
};

struct bench_policy_key {
  __u32 identity;
  __u16 dport;
  __u8 proto;
  __u8 direction;
};

struct bench_policy_value {
  __u32 allow;
};

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 16384);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct bench_ipcache_key);
  __type(value, __u32);
} bench_ipcache SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, struct bench_policy_key);
  __type(value, struct bench_policy_value);
} bench_policy SEC(".maps");

SEC("tc") int bench_cilium(struct __sk_buff *skb) {
  struct bench_flow flow = {};
  if (bench_parse(skb, &flow) < 0)
    return TC_ACT_SHOT;
  struct bench_ipcache_key ipkey = {.prefixlen = 32, .addr = flow.saddr};
  __u32 *identity = bpf_map_lookup_elem(&bench_ipcache, &ipkey);
  struct bench_policy_key key = {
      .identity = identity ? *identity : 2 /* world */,
      .dport = flow.dport,
      .proto = flow.proto,
      .direction = 0,
  };
  struct bench_policy_value *verdict = bpf_map_lookup_elem(&bench_policy, &key);
  return verdict && verdict->allow ? TC_ACT_OK : TC_ACT_SHOT;
}

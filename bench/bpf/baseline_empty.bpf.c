/* Baseline for bench/backend_speed.cpp: a tc program that returns TC_ACT_OK and does nothing
 * else — the floor of BPF_PROG_TEST_RUN itself (running a program on an skb, timing it).
 * Compiled at build time (clang -O2 -g -target bpf), loaded in the same run as ciliumc's. */
#include "ciliumc_bpf.h"

char _license[] SEC("license") = "GPL";

SEC("tc") int bench_empty(struct __sk_buff *skb) {
  (void)skb;
  return TC_ACT_OK;
}

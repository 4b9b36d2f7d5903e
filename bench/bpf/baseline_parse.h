/* Packet parsing shared by the baseline programs of bench/backend_speed.cpp (restricted C, clang
 * -target bpf): Ethernet + IPv4 + TCP/UDP into a small flow record, every read bounds-checked as
 * the verifier demands. Deliberately minimal (no IPv6, no fragments, no IP options beyond IHL):
 * the baselines stand for "the least a policy program must do", so they must not be slower than
 * necessary. Needs runtime/ciliumc_bpf.h first. */
#ifndef BENCH_BASELINE_PARSE_H
#define BENCH_BASELINE_PARSE_H

struct bench_flow {
  __u32 saddr; /* network byte order */
  __u32 daddr;
  __u16 sport; /* host byte order */
  __u16 dport;
  __u8 proto;
  __u8 pad[3];
};

/* 0 on success, -1 for anything that is not IPv4 TCP/UDP with complete headers. */
static __always_inline int bench_parse(struct __sk_buff *skb, struct bench_flow *flow) {
  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct ciliumc_ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end || eth->proto != ciliumc_ntohs(CILIUMC_ETH_P_IP))
    return -1;
  struct ciliumc_ipv4hdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > data_end)
    return -1;
  __u32 header_len = (ip->version_ihl & 0xf) * 4;
  if (header_len < sizeof(*ip))
    return -1;
  flow->saddr = ip->saddr;
  flow->daddr = ip->daddr;
  flow->proto = ip->protocol;
  struct ciliumc_udphdr *l4 = (void *)ip + header_len; /* ports are at the same place in TCP */
  if ((void *)(l4 + 1) > data_end)
    return -1;
  if (ip->protocol != CILIUMC_IPPROTO_TCP && ip->protocol != CILIUMC_IPPROTO_UDP)
    return -1;
  flow->sport = ciliumc_ntohs(l4->source);
  flow->dport = ciliumc_ntohs(l4->dest);
  return 0;
}

#endif

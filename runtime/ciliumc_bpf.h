/* The few kernel and libbpf definitions the runtime needs, written out so that the runtime (and
 * the single C file `--emit=c` produces from it) compiles with a bare `clang -target bpf` and no
 * kernel headers. Every value here is fixed kernel UAPI (include/uapi/linux/bpf.h, if_ether.h,
 * in.h, ip.h, ipv6.h, tcp.h, udp.h, icmp.h) or libbpf convention (bpf_helpers.h).
 *
 * Include this before ciliumc_abi.h: it defines the __u* types, so the ABI header's
 * <linux/types.h> is only needed when the build adds the multiarch include directory (the
 * identical typedefs are then repeated, which C11 allows). */
#ifndef CILIUMC_BPF_H
#define CILIUMC_BPF_H

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;

/* ---- libbpf conventions: BTF-defined maps, sections, inlining ---- */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) __typeof__(val) *name
#define SEC(name) __attribute__((section(name), used))
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* ---- include/uapi/linux/bpf.h ---- */
enum {
  BPF_MAP_TYPE_HASH = 1,
  BPF_MAP_TYPE_ARRAY = 2,
  BPF_MAP_TYPE_LRU_HASH = 9,
  BPF_MAP_TYPE_LPM_TRIE = 11,
  BPF_MAP_TYPE_RINGBUF = 27,
};
#define BPF_F_NO_PREALLOC 1u
#define BPF_ANY 0ull
#define BPF_NOEXIST 1ull
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

/* struct __sk_buff up to the last field the runtime reads. The verifier checks context accesses
 * by offset and size, and recognises the context argument by the struct's name, so the prefix is
 * all the layout that matters (offsets as in the UAPI header: data 76, data_end 80). */
struct __sk_buff {
  __u32 len;
  __u32 pkt_type;
  __u32 mark;
  __u32 queue_mapping;
  __u32 protocol;
  __u32 vlan_present;
  __u32 vlan_tci;
  __u32 vlan_proto;
  __u32 priority;
  __u32 ingress_ifindex;
  __u32 ifindex;
  __u32 tc_index;
  __u32 cb[5];
  __u32 hash;
  __u32 tc_classid;
  __u32 data;
  __u32 data_end;
};

/* Helpers, called through their fixed ids (the libbpf bpf_helper_defs.h idiom). */
static void *(*const bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*const bpf_map_update_elem)(void *map, const void *key, const void *value,
                                         __u64 flags) = (void *)2;
static __u64 (*const bpf_ktime_get_ns)(void) = (void *)5;
static long (*const bpf_skb_pull_data)(struct __sk_buff *skb, __u32 len) = (void *)39;
static long (*const bpf_ringbuf_output)(void *ringbuf, void *data, __u64 size,
                                        __u64 flags) = (void *)130;

/* ---- byte order (BPF runs in host byte order; the packet is big-endian) ---- */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ciliumc_ntohs(x) __builtin_bswap16(x)
#else
#define ciliumc_ntohs(x) (x)
#endif

/* ---- packet headers ----
 * Addresses are 32-bit words so that they are copied with word loads: the IP header follows the
 * 14-byte Ethernet header, so these loads are only 2-byte aligned, which the verifier accepts
 * wherever the architecture has efficient unaligned access (x86-64, arm64), as for the kernel's
 * own struct iphdr. */
#define CILIUMC_ETH_P_IP 0x0800
#define CILIUMC_ETH_P_IPV6 0x86DD

#define CILIUMC_IPPROTO_HOPOPTS 0
#define CILIUMC_IPPROTO_ICMP 1
#define CILIUMC_IPPROTO_TCP 6
#define CILIUMC_IPPROTO_UDP 17
#define CILIUMC_IPPROTO_ROUTING 43
#define CILIUMC_IPPROTO_FRAGMENT 44
#define CILIUMC_IPPROTO_AH 51
#define CILIUMC_IPPROTO_ICMPV6 58
#define CILIUMC_IPPROTO_DSTOPTS 60
#define CILIUMC_IPPROTO_SCTP 132

struct ciliumc_ethhdr {
  __u8 dst[6];
  __u8 src[6];
  __be16 proto;
};

struct ciliumc_ipv4hdr {
  __u8 version_ihl; /* version << 4 | header length in 32-bit words */
  __u8 tos;
  __be16 tot_len;
  __be16 id;
  __be16 frag_off;  /* flags << 13 | fragment offset in 8-byte units */
  __u8 ttl;
  __u8 protocol;
  __be16 check;
  __be32 saddr;
  __be32 daddr;
};
#define CILIUMC_IPV4_FRAG_OFFSET_MASK 0x1fff

struct ciliumc_ipv6hdr {
  __u8 version_tc_flow[4]; /* version << 28 | traffic class | flow label */
  __be16 payload_len;
  __u8 nexthdr;
  __u8 hop_limit;
  __be32 saddr[4];
  __be32 daddr[4];
};

/* The first 8 bytes of an IPv6 extension header. Total length: hop-by-hop, routing and
 * destination options (hdrlen + 1) * 8; AH (hdrlen + 2) * 4 (RFC 4302); fragment 8. */
struct ciliumc_ipv6_exthdr {
  __u8 nexthdr;
  __u8 hdrlen;
  __be16 frag_off; /* fragment header only: offset << 3 | flags */
  __u8 rest[4];
};
#define CILIUMC_IPV6_FRAG_OFFSET_MASK 0xfff8

struct ciliumc_tcphdr {
  __be16 source;
  __be16 dest;
  __be32 seq;
  __be32 ack_seq;
  __u8 doff_res;
  __u8 flags;
  __be16 window;
  __be16 check;
  __be16 urg_ptr;
};
#define CILIUMC_TCP_FLAG_SYN 0x02
#define CILIUMC_TCP_FLAG_ACK 0x10

struct ciliumc_udphdr {
  __be16 source;
  __be16 dest;
  __be16 len;
  __be16 check;
};

struct ciliumc_sctphdr {
  __be16 source;
  __be16 dest;
  __be32 vtag;
  __be32 checksum;
};

/* ICMP and ICMPv6 share the first 8 bytes' layout; id is meaningful for echo messages. */
struct ciliumc_icmphdr {
  __u8 type;
  __u8 code;
  __be16 checksum;
  __be16 id;
  __be16 sequence;
};
#define CILIUMC_ICMP_ECHO_REPLY 0
#define CILIUMC_ICMP_ECHO_REQUEST 8
#define CILIUMC_ICMPV6_ECHO_REQUEST 128
#define CILIUMC_ICMPV6_ECHO_REPLY 129
#define CILIUMC_ICMPV6_ND_FIRST 133 /* router solicitation */
#define CILIUMC_ICMPV6_ND_LAST 137  /* redirect */

#endif /* CILIUMC_BPF_H */

/* The contract between the compiler, the loader and the BPF runtime: map keys and values, the
 * event record, verdict cells and the L4 key encoding. Plain C so that both the BPF runtime
 * (clang -target bpf) and the C++ side include it; every layout is fixed-size and padded
 * explicitly, and changing one is an ABI change (bump CILIUMC_ABI_VERSION).
 *
 * Datapath per packet (see docs/architecture.md, "Back end"):
 *   peer address --exact hash--> identity   (ciliumc_ipcache, node-wide)
 *   miss: identity = world-ipv4/-ipv6, and if the shape has CIDR peers in that direction
 *         peer address --LPM--> peer class  (ciliumc_cidr, per shape)
 *   identity --array--> peer class          (ciliumc_class, per shape, 16 identities a slot)
 *   (l4 kind, port or ICMP type) --generated compare tree--> column index
 *                                   (direction * stride + global range of the compile plan)
 *   ciliumc_column[column index] --> port class   (per shape)
 *   ciliumc_verdict[direction base + class * port classes + port class] --> verdict cell
 * The generated code is the same for every shape of one compile plan: everything that differs
 * between shapes is in .rodata (struct ciliumc_shape_config) or in the per-shape maps.
 */
#ifndef CILIUMC_ABI_H
#define CILIUMC_ABI_H

#include <linux/types.h>

#define CILIUMC_ABI_VERSION 2

enum ciliumc_direction { CILIUMC_INGRESS = 0, CILIUMC_EGRESS = 1 };

/* Identities index ciliumc_class directly: 0..65535 (reserved < 256, cluster 256..65535).
 * A peer whose identity is outside this range is dropped (reason CILIUMC_REASON_BAD_IDENTITY). */
#define CILIUMC_MAX_IDENTITY 65536u
#define CILIUMC_CLASS_SLOT_IDS 16u
#define CILIUMC_CLASS_SLOTS (CILIUMC_MAX_IDENTITY / CILIUMC_CLASS_SLOT_IDS)

/* ciliumc_class value: the peer class of 16 consecutive identities, per direction.
 * Class 0 is the class of an identity nobody classified: it matches no peer (only entries
 * that allow or deny every peer apply to it). */
struct ciliumc_class_slot {
  __u16 cls[CILIUMC_CLASS_SLOT_IDS][2]; /* [identity % 16][direction] */
};

/* L4 key: what a port class is a range of. kind << 16 | value, where value is the destination
 * port (TCP/UDP/SCTP) or the ICMP type. CILIUMC_L4_NONE covers packets without usable L4
 * information: other IP protocols and non-first fragments; only entries without an L4 part
 * (which allow or deny every protocol) match it. */
enum ciliumc_l4_kind {
  CILIUMC_L4_TCP = 0,
  CILIUMC_L4_UDP = 1,
  CILIUMC_L4_SCTP = 2,
  CILIUMC_L4_ICMP = 3,
  CILIUMC_L4_ICMPV6 = 4,
  CILIUMC_L4_NONE = 5,
};
#define CILIUMC_L4_KEY(kind, value) (((__u32)(kind) << 16) | (__u32)(value))
#define CILIUMC_L4_KEY_END CILIUMC_L4_KEY(CILIUMC_L4_NONE + 1, 0) /* exclusive upper bound */

/* Why a side decided what it decided. Values 0..5 mirror ir/evaluator.h SideVerdict::Reason
 * (the differential test compares them); the rest are datapath-only. */
enum ciliumc_reason {
  CILIUMC_REASON_NO_POLICY = 0,
  CILIUMC_REASON_DEFAULT_ALLOW = 1,
  CILIUMC_REASON_DEFAULT_DENY = 2,
  CILIUMC_REASON_ALLOWED_BY_RULE = 3,
  CILIUMC_REASON_DENIED_BY_RULE = 4,
  CILIUMC_REASON_ALLOW_LOCALHOST = 5,
  CILIUMC_REASON_REPLY = 16,          /* allowed: reply of a connection this side allowed */
  CILIUMC_REASON_NOT_IP = 17,         /* allowed: ARP and other non-IP frames */
  CILIUMC_REASON_NEIGHBOR_DISCOVERY = 18, /* allowed: ICMPv6 133..137, never subject to policy */
  CILIUMC_REASON_MALFORMED = 32,      /* dropped: truncated or inconsistent headers */
  CILIUMC_REASON_SPOOFED_SOURCE = 33, /* dropped: egress packet not from the endpoint's address */
  CILIUMC_REASON_BAD_IDENTITY = 34,   /* dropped: identity >= CILIUMC_MAX_IDENTITY */
  CILIUMC_REASON_BAD_CLASS = 35,      /* dropped: peer class beyond the verdict table */
};

/* ciliumc_verdict value. The compiler fills every cell; the runtime drops when `deny` is set.
 * `rule` is the provenance id of the deciding rule (the manifest's "rules" table), 0 = none. */
struct ciliumc_verdict_cell {
  __u32 rule;
  __u8 reason; /* enum ciliumc_reason */
  __u8 deny;   /* 1 = drop */
  __u16 pad;
};

/* Addresses: IPv4 in addr[0..3], rest zero. */
struct ciliumc_ipcache_key {
  __u8 family; /* 4 or 6 */
  __u8 pad[3];
  __u8 addr[16];
};
struct ciliumc_ipcache_value {
  __u32 identity;
};

/* ciliumc_cidr (LPM trie): prefixlen counts the family byte: 8 + prefix length. */
struct ciliumc_cidr_key {
  __u32 prefixlen;
  __u8 family; /* 4 or 6 */
  __u8 addr[16];
  __u8 pad[3];
};
struct ciliumc_cidr_value {
  __u16 cls[2]; /* [direction]; only meaningful for the directions whose shape has CIDR peers */
};

/* Connection tracking (LRU hash, node-wide): one entry per endpoint, direction and flow that
 * this side's policy allowed; a packet the policy denies is still allowed when it is the reply
 * of such a flow. Keys are written in the direction of the allowed (original) packet. */
struct ciliumc_ct_key {
  __u32 endpoint;
  __u8 direction;
  __u8 family;
  __u8 protocol; /* IP protocol number */
  __u8 pad;
  __u16 sport;   /* TCP/UDP/SCTP ports; ICMP echo: id in sport, 0 in dport */
  __u16 dport;
  __u8 saddr[16];
  __u8 daddr[16];
};
struct ciliumc_ct_value {
  __u64 created_ns;
  __u32 rule;
  __u32 pad;
};

/* Node-wide settings (ciliumc_config, array of 1). */
#define CILIUMC_CONFIG_EMIT_ALLOW_EVENTS 1u
struct ciliumc_config {
  __u32 flags;
  __u32 pad;
};

/* ciliumc_column (array, per shape, u32 -> u32): index direction * stride + g, where g is a
 * global L4 key range of the compile plan (the generated compare tree's answer) and stride the
 * plan's largest range count of a direction; value: the shape's port class of that range.
 * The object's .rodata also holds `ciliumc_range_starts` (const __u32[2 * stride]): the first L4
 * key of each global range (CILIUMC_NO_RANGE for the unused tail of a direction), from which the
 * loader computes the columns of any shape of the plan. */
#define CILIUMC_NO_RANGE 0xffffffffu

/* ciliumc_port_table (array, BPF_F_MMAPABLE, CILIUMC_L4_KEY_END entries, key: an L4 key): the second lowering of
 * port classification, for plans with many global ranges in a direction. Value: per direction,
 * the ciliumc_column index (direction * stride + g) of the key's global range. Present in an
 * object only when some direction uses it; the generated ciliumc_port_tree_<direction> then does
 * one lookup in it instead of a compare tree. Plan-wide: the loader fills it from
 * ciliumc_range_starts and shares it between every object with the same range starts. */
struct ciliumc_port_table_entry {
  __u32 range[2]; /* [direction] */
};

/* The per-shape constants of the generated code (.rodata, inside ciliumc_endpoint). The verifier
 * treats frozen .rodata as known values, so branches on them are resolved at load time. */
struct ciliumc_shape_config {
  __u32 verdict_base[2];  /* [direction]: first cell of the direction in ciliumc_verdict */
  __u32 port_classes[2];  /* [direction]: cells per peer class */
  __u32 class_capacity;   /* peer classes with cells; a larger class drops (BAD_CLASS) */
  __u8 cidr[2];           /* [direction]: consult ciliumc_cidr when the ipcache misses */
  __u8 track[2];          /* [direction]: create conntrack entries for allowed connections */
};

/* Per-endpoint constants (.rodata, `ciliumc_endpoint`): written into each endpoint's object by
 * the compiler (ELF patch) or set by the loader before load. A zero address skips source
 * validation for that family. `shape`: the constants of the endpoint's policy shape. */
struct ciliumc_endpoint_config {
  __u32 endpoint_id;
  __u32 identity;
  __u8 ipv4[4];
  __u8 ipv6[16];
  struct ciliumc_shape_config shape;
};

/* Ring-buffer record (ciliumc_events), one per drop and, when enabled, per allow. */
struct ciliumc_event {
  __u64 timestamp_ns;
  __u32 endpoint_id;
  __u32 identity;      /* the endpoint's own identity */
  __u32 peer_identity;
  __u32 rule;          /* provenance id, 0 = none */
  __u8 direction;
  __u8 reason;         /* enum ciliumc_reason */
  __u8 deny;
  __u8 family;         /* 4, 6, or 0 for non-IP */
  __u8 protocol;
  __u8 l4_kind;        /* enum ciliumc_l4_kind */
  __u16 pad;
  __u16 sport;
  __u16 dport;         /* or ICMP type */
  __u8 saddr[16];
  __u8 daddr[16];
};

#endif /* CILIUMC_ABI_H */

/* The fixed BPF side of every ciliumc object: packet parsing, the identity and class lookups, the
 * verdict lookup, connection tracking and event emission. Compiled once at build time to LLVM
 * bitcode (clang -O2 -g -target bpf -emit-llvm) and linked into every generated module; the
 * generated code (backend_bpf/) supplies what depends on the compile plan (the same code for
 * every shape of the plan; per-shape values are .rodata constants and map contents):
 *   - the per-shape maps ciliumc_verdict, ciliumc_cidr and ciliumc_column (sized per shape by
 *     the loader), and the .rodata array ciliumc_range_starts,
 *   - ciliumc_port_class(direction, l4 key): the compare trees over the plan's global L4 key
 *     ranges, answering an index into ciliumc_column,
 *   - the two programs (section "tc"), each one call of ciliumc_enforce() with the direction and
 *     the maps. ciliumc_enforce is always inlined, so the direction is a constant in each
 *     program, and the shape constants (ciliumc_endpoint.shape, frozen .rodata) are known to
 *     the verifier, which prunes the branches they rule out.
 *
 * Per packet, for one endpoint and one direction (ingress = traffic to the endpoint, the peer is
 * the source; egress = traffic from the endpoint, the peer is the destination):
 *   parse -> [not IP: allow NOT_IP] [malformed: drop MALFORMED]
 *         -> [ICMPv6 133..137: allow NEIGHBOR_DISCOVERY, never subject to policy]
 *         -> [egress, source is not the endpoint's address: drop SPOOFED_SOURCE]
 *         -> peer identity (ipcache; miss: world-ipv4/-ipv6, then the CIDR trie when used)
 *         -> peer class (ciliumc_class) -> port class (generated tree) -> verdict cell
 *         -> allow: open a connection-tracking entry when the packet opens a connection
 *            deny: allow anyway (REPLY) when the packet answers a tracked connection
 *         -> event (every drop; allows when enabled) -> TC_ACT_OK / TC_ACT_SHOT.
 *
 * Everything the verifier must see as bounded is checked against data_end right before the
 * access; lengths from headers are also checked against the IP packet's own length.
 *
 * IP fragments: the first fragment (offset 0) is parsed like an unfragmented packet; later
 * fragments carry no L4 header and get L4 kind NONE, which only entries without an L4 part match
 * (the same rule as any other non-TCP/UDP/SCTP/ICMP protocol). A first fragment too short to hold
 * its L4 header is MALFORMED. */
#include "ciliumc_bpf.h"
#include "ciliumc_abi.h"

/* ciliumc_enforce and ciliumc_port_class cross the runtime/generated-code boundary. In the
 * bitcode they have external linkage (clang would not emit an unreferenced static function; the
 * code generator makes them internal and always-inline after linking). In the single C file of
 * --emit=c, which defines CILIUMC_SINGLE_FILE, they are ordinary static inline functions. */
#ifdef CILIUMC_SINGLE_FILE
#define CILIUMC_SHARED static __always_inline
#else
#define CILIUMC_SHARED
#endif

char _license[] SEC("license") = "GPL";

/* ---- node-wide maps (libbpf shares them between objects by name + pinning, see loader/) ---- */

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct ciliumc_ipcache_key);
  __type(value, struct ciliumc_ipcache_value);
} ciliumc_ipcache SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct ciliumc_ct_key);
  __type(value, struct ciliumc_ct_value);
} ciliumc_ct SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} ciliumc_events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ciliumc_config);
} ciliumc_config SEC(".maps");

/* ---- per-shape map with a fixed size: identity -> peer class, 16 identities a slot ---- */

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, CILIUMC_CLASS_SLOTS);
  __type(key, __u32);
  __type(value, struct ciliumc_class_slot);
} ciliumc_class SEC(".maps");

/* ---- per-endpoint constants: patched into the ELF (.rodata) or set by the loader ---- */

const volatile struct ciliumc_endpoint_config ciliumc_endpoint = {0};

/* ---- defined by the generated code ---- */

/* The ciliumc_column index of an L4 key (CILIUMC_L4_KEY) in a direction. */
CILIUMC_SHARED __u32 ciliumc_port_class(__u32 direction, __u32 l4key);

/* ---- per-packet state ----
 * The event record doubles as the parse result and the decision: parsing fills family,
 * protocol, l4_kind, ports (dport = ICMP type) and addresses; the decision fills
 * peer_identity, rule, reason and deny; the report adds the rest. Keeping the state in the one
 * stack object whose address the ring buffer helper takes leaves it in memory, so every early
 * exit is a jump to the report (as SSA values, each exit would carry a dozen of them). */
struct ciliumc_packet {
  struct ciliumc_event ev;
  __u16 icmp_id; /* ICMP/ICMPv6 echo request/reply identifier, else 0 */
  __u8 tcp_flags;
};

enum ciliumc_parse_result {
  CILIUMC_PARSE_IP = 0,
  CILIUMC_PARSE_NOT_IP = 1,
  CILIUMC_PARSE_MALFORMED = 2,
};

/* Headers deeper than this many bytes from the start of the frame must be in the linear part of
 * the skb: Ethernet + IPv6 + a fragment header + a small option header + TCP is 98. */
#define CILIUMC_PARSE_BYTES 128u
/* IPv6 extension headers walked before giving up (MALFORMED). */
#define CILIUMC_MAX_IPV6_EXTENSIONS 4

/* ---- parsing ---- */

static __always_inline int ciliumc_is_icmp_echo(__u8 l4_kind, __u8 type) {
  return (l4_kind == CILIUMC_L4_ICMP &&
          (type == CILIUMC_ICMP_ECHO_REQUEST || type == CILIUMC_ICMP_ECHO_REPLY)) ||
         (l4_kind == CILIUMC_L4_ICMPV6 &&
          (type == CILIUMC_ICMPV6_ECHO_REQUEST || type == CILIUMC_ICMPV6_ECHO_REPLY));
}

/* The L4 header at `l4`, of which `room` bytes belong to the IP packet. */
static __always_inline int ciliumc_parse_l4(struct ciliumc_packet *pkt, void *l4, void *data_end,
                                            __u32 room) {
  struct ciliumc_event *ev = &pkt->ev;
  switch (ev->protocol) {
  case CILIUMC_IPPROTO_TCP: {
    struct ciliumc_tcphdr *tcp = l4;
    if ((void *)(tcp + 1) > data_end || room < sizeof(*tcp))
      return CILIUMC_PARSE_MALFORMED;
    ev->l4_kind = CILIUMC_L4_TCP;
    ev->sport = ciliumc_ntohs(tcp->source);
    ev->dport = ciliumc_ntohs(tcp->dest);
    pkt->tcp_flags = tcp->flags;
    return CILIUMC_PARSE_IP;
  }
  case CILIUMC_IPPROTO_UDP: {
    struct ciliumc_udphdr *udp = l4;
    if ((void *)(udp + 1) > data_end || room < sizeof(*udp))
      return CILIUMC_PARSE_MALFORMED;
    ev->l4_kind = CILIUMC_L4_UDP;
    ev->sport = ciliumc_ntohs(udp->source);
    ev->dport = ciliumc_ntohs(udp->dest);
    return CILIUMC_PARSE_IP;
  }
  case CILIUMC_IPPROTO_SCTP: {
    struct ciliumc_sctphdr *sctp = l4;
    if ((void *)(sctp + 1) > data_end || room < sizeof(*sctp))
      return CILIUMC_PARSE_MALFORMED;
    ev->l4_kind = CILIUMC_L4_SCTP;
    ev->sport = ciliumc_ntohs(sctp->source);
    ev->dport = ciliumc_ntohs(sctp->dest);
    return CILIUMC_PARSE_IP;
  }
  case CILIUMC_IPPROTO_ICMP:
  case CILIUMC_IPPROTO_ICMPV6: {
    struct ciliumc_icmphdr *icmp = l4;
    if ((void *)(icmp + 1) > data_end || room < sizeof(*icmp))
      return CILIUMC_PARSE_MALFORMED;
    ev->l4_kind = ev->protocol == CILIUMC_IPPROTO_ICMP ? CILIUMC_L4_ICMP : CILIUMC_L4_ICMPV6;
    ev->dport = icmp->type;
    if (ciliumc_is_icmp_echo(ev->l4_kind, icmp->type))
      pkt->icmp_id = ciliumc_ntohs(icmp->id);
    return CILIUMC_PARSE_IP;
  }
  default:
    ev->l4_kind = CILIUMC_L4_NONE;
    return CILIUMC_PARSE_IP;
  }
}

/* `ip_room`: bytes of the frame after the Ethernet header (skb->len - 14), linear or not. */
static __always_inline int ciliumc_parse_ipv4(struct ciliumc_packet *pkt, void *data,
                                              void *data_end, __u32 ip_room) {
  struct ciliumc_ipv4hdr *ip = data + sizeof(struct ciliumc_ethhdr);
  if ((void *)(ip + 1) > data_end || (ip->version_ihl >> 4) != 4)
    return CILIUMC_PARSE_MALFORMED;
  __u32 header_len = (ip->version_ihl & 0xf) * 4;
  __u32 total_len = ciliumc_ntohs(ip->tot_len);
  if (header_len < sizeof(*ip) || total_len < header_len || total_len > ip_room)
    return CILIUMC_PARSE_MALFORMED;
  struct ciliumc_event *ev = &pkt->ev;
  ev->protocol = ip->protocol;
  __builtin_memcpy(ev->saddr, &ip->saddr, 4);
  __builtin_memcpy(ev->daddr, &ip->daddr, 4);
  if (ciliumc_ntohs(ip->frag_off) & CILIUMC_IPV4_FRAG_OFFSET_MASK) {
    ev->l4_kind = CILIUMC_L4_NONE; /* not the first fragment: no L4 header */
    return CILIUMC_PARSE_IP;
  }
  return ciliumc_parse_l4(pkt, (void *)ip + header_len, data_end, total_len - header_len);
}

static __always_inline int ciliumc_is_ipv6_extension(__u8 nexthdr) {
  return nexthdr == CILIUMC_IPPROTO_HOPOPTS || nexthdr == CILIUMC_IPPROTO_ROUTING ||
         nexthdr == CILIUMC_IPPROTO_FRAGMENT || nexthdr == CILIUMC_IPPROTO_DSTOPTS ||
         nexthdr == CILIUMC_IPPROTO_AH;
}

static __always_inline int ciliumc_parse_ipv6(struct ciliumc_packet *pkt, void *data,
                                              void *data_end, __u32 ip_room) {
  struct ciliumc_ipv6hdr *ip6 = data + sizeof(struct ciliumc_ethhdr);
  if ((void *)(ip6 + 1) > data_end || (ip6->version_tc_flow[0] >> 4) != 6)
    return CILIUMC_PARSE_MALFORMED;
  __u32 total_len = sizeof(*ip6) + ciliumc_ntohs(ip6->payload_len);
  if (total_len > ip_room)
    return CILIUMC_PARSE_MALFORMED;
  struct ciliumc_event *ev = &pkt->ev;
  __builtin_memcpy(ev->saddr, ip6->saddr, 16);
  __builtin_memcpy(ev->daddr, ip6->daddr, 16);

  __u8 nexthdr = ip6->nexthdr;
  __u32 offset = sizeof(*ip6); /* from the start of the IPv6 header */
#pragma unroll
  for (int i = 0; i < CILIUMC_MAX_IPV6_EXTENSIONS; i++) {
    if (!ciliumc_is_ipv6_extension(nexthdr))
      break;
    struct ciliumc_ipv6_exthdr *ext = (void *)ip6 + offset;
    if ((void *)(ext + 1) > data_end || offset + sizeof(*ext) > total_len)
      return CILIUMC_PARSE_MALFORMED;
    if (nexthdr == CILIUMC_IPPROTO_FRAGMENT) {
      if (ciliumc_ntohs(ext->frag_off) & CILIUMC_IPV6_FRAG_OFFSET_MASK) {
        ev->protocol = ext->nexthdr;
        ev->l4_kind = CILIUMC_L4_NONE; /* not the first fragment: no L4 header */
        return CILIUMC_PARSE_IP;
      }
      offset += sizeof(*ext);
    } else if (nexthdr == CILIUMC_IPPROTO_AH) {
      offset += ((__u32)ext->hdrlen + 2) * 4;
    } else {
      offset += ((__u32)ext->hdrlen + 1) * 8;
    }
    nexthdr = ext->nexthdr;
  }
  if (ciliumc_is_ipv6_extension(nexthdr) || offset > total_len)
    return CILIUMC_PARSE_MALFORMED;
  ev->protocol = nexthdr;
  return ciliumc_parse_l4(pkt, (void *)ip6 + offset, data_end, total_len - offset);
}

static __always_inline int ciliumc_parse(struct __sk_buff *skb, struct ciliumc_packet *pkt) {
  /* Make the headers linear when they are not (rare: the stack usually has them in the head).
   * The helper invalidates packet pointers, so they are read after it. */
  __u32 frame_len = skb->len;
  __u32 wanted = frame_len < CILIUMC_PARSE_BYTES ? frame_len : CILIUMC_PARSE_BYTES;
  if ((void *)(long)skb->data + wanted > (void *)(long)skb->data_end)
    bpf_skb_pull_data(skb, wanted);

  void *data = (void *)(long)skb->data;
  void *data_end = (void *)(long)skb->data_end;
  struct ciliumc_ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end)
    return CILIUMC_PARSE_MALFORMED;
  __u32 ip_room = frame_len - sizeof(*eth);
  /* The family is known from here on, also for events about malformed packets. */
  if (eth->proto == ciliumc_ntohs(CILIUMC_ETH_P_IP)) {
    pkt->ev.family = 4;
    return ciliumc_parse_ipv4(pkt, data, data_end, ip_room);
  }
  if (eth->proto == ciliumc_ntohs(CILIUMC_ETH_P_IPV6)) {
    pkt->ev.family = 6;
    return ciliumc_parse_ipv6(pkt, data, data_end, ip_room);
  }
  return CILIUMC_PARSE_NOT_IP; /* ARP and anything else that is not IP (VLAN tags included) */
}

/* ---- connection tracking ----
 * Entries are keyed in the direction of the original packet and scoped by endpoint and
 * direction: when endpoint E's egress policy allows E -> B:80, E's egress creates
 * {E, egress, E's address, B, sport, 80}; the reply B:80 -> E seen by E's ingress looks up the
 * reversed tuple under {E, egress}. ICMP echo keys carry the identifier in sport and 0 in dport
 * on both sides (requests and replies share them).
 *
 * Cost per packet: nothing for a packet the policy allows unless it opens a connection (TCP SYN
 * without ACK: one update; ICMP echo request: one update; UDP/SCTP, which have no opening
 * packet: one lookup, and an update only when the flow is new); one lookup for a packet the
 * policy denies that could be a reply (TCP except a pure SYN, UDP, SCTP, ICMP echo reply).
 * Entries are only created when the opposite direction's policy can deny at all (a shape
 * constant: ciliumc_endpoint.shape.track), since otherwise no reply would ever need one. Entries expire
 * only by LRU eviction (no timeouts, no TCP state machine): a reply is recognised as long as
 * its flow's entry survives. Not handled: ICMP errors related to a tracked flow. */

static __always_inline void ciliumc_ct_key_of(struct ciliumc_ct_key *key,
                                              const struct ciliumc_packet *pkt,
                                              __u32 owner_direction, int reversed) {
  const struct ciliumc_event *ev = &pkt->ev;
  key->endpoint = ciliumc_endpoint.endpoint_id;
  key->direction = owner_direction;
  key->family = ev->family;
  key->protocol = ev->protocol;
  if (ev->l4_kind == CILIUMC_L4_ICMP || ev->l4_kind == CILIUMC_L4_ICMPV6) {
    key->sport = pkt->icmp_id;
    key->dport = 0;
  } else {
    key->sport = reversed ? ev->dport : ev->sport;
    key->dport = reversed ? ev->sport : ev->dport;
  }
  __builtin_memcpy(key->saddr, reversed ? ev->daddr : ev->saddr, 16);
  __builtin_memcpy(key->daddr, reversed ? ev->saddr : ev->daddr, 16);
}

static __always_inline int ciliumc_is_pure_syn(const struct ciliumc_packet *pkt) {
  return (pkt->tcp_flags & (CILIUMC_TCP_FLAG_SYN | CILIUMC_TCP_FLAG_ACK)) == CILIUMC_TCP_FLAG_SYN;
}

/* Records a connection this direction's policy allowed (rule: the allowing rule). */
static __always_inline void ciliumc_ct_open(const struct ciliumc_packet *pkt, __u32 direction,
                                            __u32 rule) {
  int opens;
  switch (pkt->ev.l4_kind) {
  case CILIUMC_L4_TCP: opens = ciliumc_is_pure_syn(pkt); break;
  case CILIUMC_L4_UDP:
  case CILIUMC_L4_SCTP: opens = 1; break;
  case CILIUMC_L4_ICMP: opens = pkt->ev.dport == CILIUMC_ICMP_ECHO_REQUEST; break;
  case CILIUMC_L4_ICMPV6: opens = pkt->ev.dport == CILIUMC_ICMPV6_ECHO_REQUEST; break;
  default: opens = 0; break;
  }
  if (!opens)
    return;
  struct ciliumc_ct_key key = {};
  ciliumc_ct_key_of(&key, pkt, direction, 0);
  int connectionless = pkt->ev.l4_kind == CILIUMC_L4_UDP || pkt->ev.l4_kind == CILIUMC_L4_SCTP;
  if (connectionless && bpf_map_lookup_elem(&ciliumc_ct, &key))
    return;
  struct ciliumc_ct_value value = {};
  value.created_ns = bpf_ktime_get_ns();
  value.rule = rule;
  bpf_map_update_elem(&ciliumc_ct, &key, &value, BPF_ANY);
}

/* The entry of the connection this packet replies to, created by the opposite direction of
 * this endpoint; NULL when there is none or the packet cannot be a reply. */
static __always_inline struct ciliumc_ct_value *ciliumc_ct_reply_of(const struct ciliumc_packet *pkt,
                                                                    __u32 direction) {
  int may_reply;
  switch (pkt->ev.l4_kind) {
  case CILIUMC_L4_TCP: may_reply = !ciliumc_is_pure_syn(pkt); break;
  case CILIUMC_L4_UDP:
  case CILIUMC_L4_SCTP: may_reply = 1; break;
  case CILIUMC_L4_ICMP: may_reply = pkt->ev.dport == CILIUMC_ICMP_ECHO_REPLY; break;
  case CILIUMC_L4_ICMPV6: may_reply = pkt->ev.dport == CILIUMC_ICMPV6_ECHO_REPLY; break;
  default: may_reply = 0; break;
  }
  if (!may_reply)
    return 0;
  struct ciliumc_ct_key key = {};
  ciliumc_ct_key_of(&key, pkt, direction == CILIUMC_INGRESS ? CILIUMC_EGRESS : CILIUMC_INGRESS, 1);
  return bpf_map_lookup_elem(&ciliumc_ct, &key);
}

/* ---- the decision ---- */

/* Records the reason and the verdict; returns `deny` (1 = drop). */
static __always_inline int ciliumc_decide_as(struct ciliumc_packet *pkt, __u8 reason, __u8 deny) {
  pkt->ev.reason = reason;
  pkt->ev.deny = deny;
  return deny;
}

static __always_inline int ciliumc_is_own_address(const struct ciliumc_packet *pkt) {
  /* ciliumc_endpoint is in .rodata, frozen at load: the verifier sees these as constants. */
  __u32 source[4];
  __builtin_memcpy(source, pkt->ev.saddr, sizeof(source));
  if (pkt->ev.family == 4) {
    __u32 own = *(const volatile __u32 *)ciliumc_endpoint.ipv4;
    return own == 0 || source[0] == own;
  }
  __u32 differs = 0, any = 0;
#pragma unroll
  for (int i = 0; i < 4; i++) {
    __u32 own = ((const volatile __u32 *)ciliumc_endpoint.ipv6)[i];
    any |= own;
    differs |= own ^ source[i];
  }
  return any == 0 || differs == 0;
}

/* The peer's identity (into pkt->ev.peer_identity) and class, or -1 after deciding a drop. */
static __always_inline long ciliumc_peer_class(struct ciliumc_packet *pkt, __u32 direction,
                                               void *cidr_map) {
  struct ciliumc_event *ev = &pkt->ev;
  const __u8 *peer = direction == CILIUMC_INGRESS ? ev->saddr : ev->daddr;
  struct ciliumc_ipcache_key ipcache_key __attribute__((aligned(8))) = {};
  ipcache_key.family = ev->family;
  __builtin_memcpy(ipcache_key.addr, peer, 16);
  struct ciliumc_ipcache_value *known = bpf_map_lookup_elem(&ciliumc_ipcache, &ipcache_key);
  __u32 identity = ev->family == 4 ? 9 /* world-ipv4 */ : 10 /* world-ipv6 */;
  if (known) {
    identity = known->identity;
  } else if (ciliumc_endpoint.shape.cidr[direction & 1]) {
    struct ciliumc_cidr_key cidr_key = {};
    cidr_key.prefixlen = 8 + (ev->family == 4 ? 32 : 128);
    cidr_key.family = ev->family;
    __builtin_memcpy(cidr_key.addr, peer, 16);
    struct ciliumc_cidr_value *range = bpf_map_lookup_elem(cidr_map, &cidr_key);
    if (range) {
      ev->peer_identity = identity;
      return range->cls[direction & 1];
    }
  }
  ev->peer_identity = identity;
  if (identity >= CILIUMC_MAX_IDENTITY) {
    ciliumc_decide_as(pkt, CILIUMC_REASON_BAD_IDENTITY, 1);
    return -1;
  }
  __u32 slot_index = identity / CILIUMC_CLASS_SLOT_IDS;
  struct ciliumc_class_slot *slot = bpf_map_lookup_elem(&ciliumc_class, &slot_index);
  if (!slot) {
    ciliumc_decide_as(pkt, CILIUMC_REASON_BAD_CLASS, 1);
    return -1;
  }
  return slot->cls[identity % CILIUMC_CLASS_SLOT_IDS][direction & 1];
}

/* Parses and decides (pkt->ev: reason, deny, rule, peer_identity); returns 1 to drop. */
static __always_inline int ciliumc_decide(struct __sk_buff *skb, struct ciliumc_packet *pkt,
                                          __u32 direction, void *verdict_map, void *cidr_map,
                                          void *column_map) {
  /* The shape's constants (frozen .rodata: known to the verifier). */
  __u32 verdict_base = ciliumc_endpoint.shape.verdict_base[direction & 1];
  __u32 port_classes = ciliumc_endpoint.shape.port_classes[direction & 1];
  __u32 class_capacity = ciliumc_endpoint.shape.class_capacity;
  __u32 track_connections = ciliumc_endpoint.shape.track[direction & 1];
  int parsed = ciliumc_parse(skb, pkt);
  if (parsed == CILIUMC_PARSE_NOT_IP)
    return ciliumc_decide_as(pkt, CILIUMC_REASON_NOT_IP, 0);
  if (parsed != CILIUMC_PARSE_IP)
    return ciliumc_decide_as(pkt, CILIUMC_REASON_MALFORMED, 1);
  struct ciliumc_event *ev = &pkt->ev;
  if (ev->family == 6 && ev->l4_kind == CILIUMC_L4_ICMPV6 &&
      ev->dport >= CILIUMC_ICMPV6_ND_FIRST && ev->dport <= CILIUMC_ICMPV6_ND_LAST)
    return ciliumc_decide_as(pkt, CILIUMC_REASON_NEIGHBOR_DISCOVERY, 0);
  if (direction == CILIUMC_EGRESS && !ciliumc_is_own_address(pkt))
    return ciliumc_decide_as(pkt, CILIUMC_REASON_SPOOFED_SOURCE, 1);

  long peer_class = ciliumc_peer_class(pkt, direction, cidr_map);
  if (peer_class < 0)
    return 1;
  if ((__u32)peer_class >= class_capacity)
    return ciliumc_decide_as(pkt, CILIUMC_REASON_BAD_CLASS, 1);
  __u32 column_index = ciliumc_port_class(direction, CILIUMC_L4_KEY(ev->l4_kind, ev->dport));
  __u32 *column = bpf_map_lookup_elem(column_map, &column_index);
  if (!column)
    return ciliumc_decide_as(pkt, CILIUMC_REASON_BAD_CLASS, 1);
  __u32 port_class = *column;
  __u32 cell_index = verdict_base + (__u32)peer_class * port_classes + port_class;
  struct ciliumc_verdict_cell *cell = bpf_map_lookup_elem(verdict_map, &cell_index);
  if (!cell)
    return ciliumc_decide_as(pkt, CILIUMC_REASON_BAD_CLASS, 1);
  ev->rule = cell->rule;
  if (!cell->deny) {
    if (track_connections)
      ciliumc_ct_open(pkt, direction, cell->rule);
    return ciliumc_decide_as(pkt, cell->reason, 0);
  }
  struct ciliumc_ct_value *connection = ciliumc_ct_reply_of(pkt, direction);
  if (connection) {
    ev->rule = connection->rule;
    return ciliumc_decide_as(pkt, CILIUMC_REASON_REPLY, 0);
  }
  return ciliumc_decide_as(pkt, cell->reason, 1);
}

/* ---- events ---- */

static __always_inline int ciliumc_report(struct ciliumc_packet *pkt, __u32 direction, int deny) {
  if (!deny) {
    __u32 zero = 0;
    struct ciliumc_config *config = bpf_map_lookup_elem(&ciliumc_config, &zero);
    if (!config || !(config->flags & CILIUMC_CONFIG_EMIT_ALLOW_EVENTS))
      return TC_ACT_OK;
  }
  struct ciliumc_event *ev = &pkt->ev;
  ev->timestamp_ns = bpf_ktime_get_ns();
  ev->endpoint_id = ciliumc_endpoint.endpoint_id;
  ev->identity = ciliumc_endpoint.identity;
  ev->direction = direction;
  /* A full ring buffer loses the event, never the verdict. */
  bpf_ringbuf_output(&ciliumc_events, ev, sizeof(*ev), 0);
  return deny ? TC_ACT_SHOT : TC_ACT_OK;
}

/* The whole per-packet path. direction: enum ciliumc_direction. verdict_map, cidr_map,
 * column_map: the shape's ciliumc_verdict, ciliumc_cidr (consulted only in the directions
 * ciliumc_endpoint.shape.cidr names) and ciliumc_column. The table geometry and whether to track
 * connections come from ciliumc_endpoint.shape. */
CILIUMC_SHARED int ciliumc_enforce(struct __sk_buff *skb, __u32 direction, void *verdict_map,
                                   void *cidr_map, void *column_map) {
  struct ciliumc_packet pkt = {};
  int deny = ciliumc_decide(skb, &pkt, direction, verdict_map, cidr_map, column_map);
  return ciliumc_report(&pkt, direction, deny);
}

// The core of normalize-l4, exposed for tests.
#pragma once
#include "ir/l4.h"

namespace ciliumc {

// The canonical form of an L4 match with the same meaning (L4Match::matches agrees on every
// protocol and port): `any` expanded to tcp, udp and sctp; port ranges sorted by protocol and
// start, overlapping or adjacent ones merged; ICMP types sorted and unique. A wildcard stays a
// wildcard and a non-wildcard stays a non-wildcard.
L4Match canonicalL4(const L4Match& l4);

}  // namespace ciliumc

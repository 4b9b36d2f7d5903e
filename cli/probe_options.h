// Parsing a probe's L4 from command-line or test-file words: protocol name plus a port
// (tcp/udp/sctp) or an ICMP type (number or name).
#pragma once
#include <string>

#include "ir/l4.h"
#include "support/expected.h"

namespace ciliumc::cli {

struct ProbeL4 {
  Protocol protocol = Protocol::TCP;
  uint16_t portOrType = 0;
};

// `proto` is tcp/udp/sctp/icmp/icmpv6; `port` a number 1..65535 for tcp/udp/sctp; `icmpType` a
// number 0..255 or a name for icmp/icmpv6.
Expected<ProbeL4> parseProbeL4(const std::string& proto, const std::string& port, const std::string& icmpType);

}  // namespace ciliumc::cli

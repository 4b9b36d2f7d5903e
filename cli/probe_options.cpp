#include "cli/probe_options.h"

#include "support/strings.h"

namespace ciliumc::cli {

Expected<ProbeL4> parseProbeL4(const std::string& proto, const std::string& port, const std::string& icmpType) {
  auto protocol = protocolFromName(proto);
  if (!protocol || *protocol == Protocol::Any)
    return Error{"--proto `" + proto + "` is not a protocol a packet can have", 0,
                 "use one of tcp, udp, sctp, icmp, icmpv6" +
                     [&] {
                       std::string guess = closestMatch(proto, {"tcp", "udp", "sctp", "icmp", "icmpv6"});
                       return guess.empty() ? std::string() : " (did you mean `" + guess + "`?)";
                     }()};
  ProbeL4 l4{*protocol, 0};
  if (*protocol == Protocol::ICMP || *protocol == Protocol::ICMPv6) {
    const std::string& type = icmpType.empty() ? port : icmpType;
    if (type.empty()) return Error{"--type is required for " + proto + " (a number or a name like echo-request)"};
    unsigned long number = 0;
    if (parseUnsigned(type, 255, number)) {
      l4.portOrType = static_cast<uint16_t>(number);
    } else if (auto named = icmpTypeFromName(*protocol, type)) {
      l4.portOrType = *named;
    } else {
      std::string guess = closestMatch(type, icmpTypeNames(*protocol));
      return Error{"unknown " + proto + " type `" + type + "`", 0,
                   guess.empty() ? "use a number 0-255 or a name like echo-request" : "did you mean `" + guess + "`?"};
    }
    return l4;
  }
  if (!icmpType.empty()) return Error{"--type applies to icmp and icmpv6 only; use --port for " + proto};
  unsigned long number = 0;
  if (port.empty()) return Error{"--port is required for " + proto};
  if (!parseUnsigned(port, 65535, number) || number == 0)
    return Error{"port `" + port + "` is not a number between 1 and 65535"};
  l4.portOrType = static_cast<uint16_t>(number);
  return l4;
}

}  // namespace ciliumc::cli

#include "ir/l4.h"

#include <algorithm>
#include <array>

#include "support/strings.h"

namespace ciliumc {

namespace {

struct NamedProtocol {
  Protocol protocol;
  std::string_view name;
};

// Order matters only for "did you mean" ties: `icmp6` should suggest `icmpv6`, not `icmp`.
constexpr std::array<NamedProtocol, 6> kProtocols = {{
    {Protocol::TCP, "tcp"},
    {Protocol::UDP, "udp"},
    {Protocol::SCTP, "sctp"},
    {Protocol::Any, "any"},
    {Protocol::ICMPv6, "icmpv6"},
    {Protocol::ICMP, "icmp"},
}};

struct NamedIcmpType {
  uint8_t type;
  std::string_view name;
};

// IANA ICMP type numbers; names are Cilium's CamelCase names in kebab-case.
constexpr std::array<NamedIcmpType, 13> kIcmpV4Types = {{
    {0, "echo-reply"},
    {3, "destination-unreachable"},
    {5, "redirect"},
    {8, "echo-request"},
    {9, "router-advertisement"},
    {10, "router-selection"},
    {11, "time-exceeded"},
    {12, "parameter-problem"},
    {13, "timestamp"},
    {14, "timestamp-reply"},
    {40, "photuris"},
    {42, "extended-echo-request"},
    {43, "extended-echo-reply"},
}};

constexpr std::array<NamedIcmpType, 27> kIcmpV6Types = {{
    {1, "destination-unreachable"},
    {2, "packet-too-big"},
    {3, "time-exceeded"},
    {4, "parameter-problem"},
    {128, "echo-request"},
    {129, "echo-reply"},
    {130, "multicast-listener-query"},
    {131, "multicast-listener-report"},
    {132, "multicast-listener-done"},
    {133, "router-solicitation"},
    {134, "router-advertisement"},
    {135, "neighbor-solicitation"},
    {136, "neighbor-advertisement"},
    {137, "redirect-message"},
    {138, "router-renumbering"},
    {139, "icmp-node-information-query"},
    {140, "icmp-node-information-response"},
    {141, "inverse-neighbor-discovery-solicitation"},
    {142, "inverse-neighbor-discovery-advertisement"},
    {144, "home-agent-address-discovery-request"},
    {145, "home-agent-address-discovery-reply"},
    {146, "mobile-prefix-solicitation"},
    {147, "mobile-prefix-advertisement"},
    {157, "duplicate-address-request-code-suffix"},
    {158, "duplicate-address-confirmation-code-suffix"},
    {160, "extended-echo-request"},
    {161, "extended-echo-reply"},
}};

template <class F>
void forEachIcmpType(Protocol family, F&& f) {
  if (family == Protocol::ICMPv6) {
    for (const auto& t : kIcmpV6Types) f(t);
  } else {
    for (const auto& t : kIcmpV4Types) f(t);
  }
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

// `echo-request`, `EchoRequest` and `ECHO-REQUEST` all fold to `echorequest`.
std::string foldIcmpName(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '-') out += lower(c);
  return out;
}

bool isPortProtocol(Protocol p) {
  return p == Protocol::Any || p == Protocol::TCP || p == Protocol::UDP || p == Protocol::SCTP;
}

std::vector<std::string> protocolNames() {
  std::vector<std::string> names;
  for (const auto& p : kProtocols) names.emplace_back(p.name);
  return names;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// One decimal port number at `offset` of the whole spec.
Expected<uint16_t> parsePort(std::string_view digits, size_t offset) {
  if (digits.empty()) return Error{"port number missing", offset, ""};
  for (size_t i = 0; i < digits.size(); ++i)
    if (!isDigit(digits[i]))
      return Error{"unexpected `" + std::string(1, digits[i]) + "` in port number", offset + i,
                   "ports are numbers 1-65535, ranges are written `80-90`"};
  unsigned long value = 0;
  if (!parseUnsigned(digits, 65535, value))
    return Error{"port " + std::string(digits) + " is out of range (ports are 0-65535)", offset, ""};
  return static_cast<uint16_t>(value);
}

Expected<PortRange> parsePortRange(Protocol protocol, std::string_view text, size_t offset) {
  size_t dash = text.find('-');
  auto first = parsePort(text.substr(0, dash), offset);
  if (!first) return first.error();
  PortRange range{protocol, *first, *first};
  if (dash != std::string_view::npos) {
    auto last = parsePort(text.substr(dash + 1), offset + dash + 1);
    if (!last) return last.error();
    if (*last < *first)
      return Error{"port range " + std::string(text) + " ends before it starts", offset + dash + 1,
                   "write the lower port first: `" + protocolName(protocol) + "/" + std::to_string(*last) +
                       "-" + std::to_string(*first) + "`"};
    range.last = *last;
  }
  // Port 0 means every port, as in Cilium.
  if (range.first == 0 && range.last == 0) range.last = 65535;
  return range;
}

Expected<IcmpType> parseIcmpType(Protocol family, std::string_view text, size_t offset) {
  std::string familyName = protocolName(family);
  if (text.empty())
    return Error{"ICMP type missing after `" + familyName + "/`", offset,
                 "write a type number or name, e.g. `" + familyName + "/echo-request`"};
  if (std::all_of(text.begin(), text.end(), isDigit)) {
    unsigned long value = 0;
    if (!parseUnsigned(text, 255, value))
      return Error{"ICMP type " + std::string(text) + " is out of range (0-255)", offset, ""};
    return IcmpType{family, static_cast<uint8_t>(value)};
  }
  if (auto type = icmpTypeFromName(family, text)) return IcmpType{family, *type};
  Protocol other = family == Protocol::ICMP ? Protocol::ICMPv6 : Protocol::ICMP;
  std::string hint;
  if (icmpTypeFromName(other, text))
    hint = "`" + std::string(text) + "` is an " + (other == Protocol::ICMP ? "ICMPv4" : "ICMPv6") +
           " type: did you mean `" + protocolName(other) + "/" + std::string(text) + "`?";
  else if (auto guess = closestMatch(lowercase(text), icmpTypeNames(family)); !guess.empty())
    hint = "did you mean `" + guess + "`?";
  return Error{"unknown " + familyName + " type `" + std::string(text) + "`", offset, hint};
}

}  // namespace

std::string protocolName(Protocol p) {
  for (const auto& entry : kProtocols)
    if (entry.protocol == p) return std::string(entry.name);
  return std::to_string(static_cast<int>(p));
}

std::optional<Protocol> protocolFromName(std::string_view name) {
  std::string folded = lowercase(name);
  for (const auto& entry : kProtocols)
    if (entry.name == folded) return entry.protocol;
  return std::nullopt;
}

bool PortRange::matches(Protocol p, uint16_t port) const {
  bool protocolMatches = protocol == Protocol::Any ? (p == Protocol::TCP || p == Protocol::UDP || p == Protocol::SCTP)
                                                   : p == protocol;
  return protocolMatches && first <= port && port <= last;
}

std::string PortRange::toString() const {
  std::string text = protocolName(protocol);
  if (allPorts()) return text;
  text += "/" + std::to_string(first);
  if (last != first) text += "-" + std::to_string(last);
  return text;
}

std::string IcmpType::toString() const {
  std::string name = icmpTypeName(protocol, type);
  return protocolName(protocol) + "/" + (name.empty() ? std::to_string(type) : name);
}

std::optional<uint8_t> icmpTypeFromName(Protocol family, std::string_view name) {
  std::string folded = foldIcmpName(name);
  std::optional<uint8_t> found;
  forEachIcmpType(family, [&](const NamedIcmpType& t) {
    if (!found && foldIcmpName(t.name) == folded) found = t.type;
  });
  return found;
}

std::string icmpTypeName(Protocol family, uint8_t type) {
  std::string name;
  forEachIcmpType(family, [&](const NamedIcmpType& t) {
    if (t.type == type) name = t.name;
  });
  return name;
}

std::vector<std::string> icmpTypeNames(Protocol family) {
  std::vector<std::string> names;
  forEachIcmpType(family, [&](const NamedIcmpType& t) { names.emplace_back(t.name); });
  return names;
}

Expected<PortSpec> parsePortSpec(std::string_view text) {
  size_t slash = text.find('/');
  std::string_view protocolText = text.substr(0, slash);
  if (protocolText.empty())
    return Error{"protocol missing", 0, "write e.g. `tcp/80`, `udp/53`, `icmp/echo-request`"};
  auto protocol = protocolFromName(protocolText);
  if (!protocol) {
    std::string guess = closestMatch(lowercase(protocolText), protocolNames());
    return Error{"unknown protocol `" + std::string(protocolText) + "`", 0,
                 guess.empty() ? "protocols are tcp, udp, sctp, any, icmp, icmpv6" : "did you mean `" + guess + "`?"};
  }
  PortSpec spec;
  bool hasArgument = slash != std::string_view::npos;
  std::string_view argument = hasArgument ? text.substr(slash + 1) : std::string_view();
  size_t argumentOffset = hasArgument ? slash + 1 : text.size();
  if (isPortProtocol(*protocol)) {
    if (!hasArgument) {
      spec.ports = PortRange{*protocol, 0, 65535};
      return spec;
    }
    auto range = parsePortRange(*protocol, argument, argumentOffset);
    if (!range) return range.error();
    spec.ports = *range;
    return spec;
  }
  auto icmp = parseIcmpType(*protocol, argument, argumentOffset);
  if (!icmp) return icmp.error();
  spec.icmp = *icmp;
  return spec;
}

bool L4Match::matches(Protocol protocol, uint16_t portOrType) const {
  if (isWildcard()) return true;
  if (std::any_of(ports.begin(), ports.end(), [&](const PortRange& r) { return r.matches(protocol, portOrType); }))
    return true;
  return std::any_of(icmps.begin(), icmps.end(), [&](const IcmpType& t) {
    return t.protocol == protocol && portOrType <= 255 && t.type == portOrType;
  });
}

std::string L4Match::toString() const {
  if (isWildcard()) return "any";
  std::string text;
  auto append = [&](const std::string& part) {
    if (!text.empty()) text += ", ";
    text += part;
  };
  for (const auto& r : ports) append(r.toString());
  for (const auto& t : icmps) append(t.toString());
  return text;
}

}  // namespace ciliumc

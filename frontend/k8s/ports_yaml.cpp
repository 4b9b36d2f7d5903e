#include "frontend/k8s/ports_yaml.h"

#include <algorithm>
#include <cctype>

#include "frontend/k8s/yaml_fields.h"
#include "support/strings.h"

namespace ciliumc {

namespace {

const std::vector<std::string> kKubernetesPortFields = {"protocol", "port", "endPort"};
const std::vector<std::string> kCiliumPortFields = {"port", "endPort", "protocol"};
const std::vector<std::string> kCiliumPortRuleFields = {"ports", "rules", "terminatingTLS", "originatingTLS",
                                                        "serverNames", "listener"};
const std::vector<std::string> kCiliumPortDenyRuleFields = {"ports"};
const std::vector<std::string> kIcmpRuleFields = {"fields"};
const std::vector<std::string> kIcmpFieldFields = {"type", "family"};
// toPorts fields that need Cilium's L7 proxy.
const std::vector<std::string> kProxyFields = {"rules", "terminatingTLS", "originatingTLS", "serverNames",
                                               "listener"};

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool isAllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An IANA service name as Kubernetes accepts it for a named port: at most 15 lowercase letters,
// digits and `-`, with at least one letter.
bool isPortName(std::string_view text) {
  if (text.empty() || text.size() > 15) return false;
  bool hasLetter = false;
  for (char c : text) {
    if (c >= 'a' && c <= 'z') hasLetter = true;
    else if (!(c >= '0' && c <= '9') && c != '-') return false;
  }
  return hasLetter;
}

std::optional<Protocol> readProtocol(YamlReader& reader, const YAML::Node& node,
                                     const std::vector<std::string>& allowed) {
  auto text = reader.readString(node, "`protocol`");
  if (!text) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *text) != allowed.end()) return protocolFromName(*text);
  std::string list;
  for (const auto& name : allowed) list += (list.empty() ? "" : ", ") + name;
  std::string hint;
  if (std::find(allowed.begin(), allowed.end(), upper(*text)) != allowed.end())
    hint = "protocol names are upper case: did you mean `" + upper(*text) + "`?";
  else if (std::string guess = closestMatch(upper(*text), allowed); !guess.empty())
    hint = "did you mean `" + guess + "`?";
  else if (upper(*text) == "ICMP" || upper(*text) == "ICMPV6")
    hint = "ICMP is matched with `icmps: [{fields: [{type: ..., family: ...}]}]`";
  reader.report(DiagCode::CP3020, node, "unknown protocol `" + *text + "` (expected one of " + list + ")", hint);
  return std::nullopt;
}

// A port number or name. nullopt after an error; `name` set for a named port.
struct PortValue {
  uint16_t number = 0;
  std::string name;
};

std::optional<PortValue> readPortValue(YamlReader& reader, const YAML::Node& node, unsigned long minimum) {
  auto text = reader.readString(node, "`port`");
  if (!text) return std::nullopt;
  if (isAllDigits(*text)) {
    unsigned long number = 0;
    if (!parseUnsigned(*text, 65535, number) || number < minimum) {
      reader.report(DiagCode::CP3020, node,
                    "port `" + *text + "` is out of range (" + std::to_string(minimum) + "-65535)");
      return std::nullopt;
    }
    return PortValue{static_cast<uint16_t>(number), ""};
  }
  if (isPortName(*text)) return PortValue{0, *text};
  std::string hint;
  if (text->find('-') != std::string::npos && isdigit(static_cast<unsigned char>(text->front())))
    hint = "a port range is written `port: FIRST` with `endPort: LAST`";
  else if (text->find('/') != std::string::npos)
    hint = "give the protocol in `protocol:`, the number in `port:`";
  reader.report(DiagCode::CP3020, node,
                "invalid port `" + *text + "`: expected a number or a port name (lowercase letters, digits, `-`)",
                hint);
  return std::nullopt;
}

std::optional<uint16_t> readEndPort(YamlReader& reader, const YAML::Node& node, const PortValue& start,
                                    const YAML::Node& portNode) {
  auto end = readPortValue(reader, node, 1);
  if (!end) return std::nullopt;
  if (!end->name.empty()) {
    reader.report(DiagCode::CP3020, node, "`endPort` must be a number");
    return std::nullopt;
  }
  if (!start.name.empty()) {
    reader.report(DiagCode::CP3020, node, "`endPort` cannot be combined with the named port `" + start.name + "`");
    return std::nullopt;
  }
  if (!portNode.IsDefined() || start.number == 0) {
    reader.report(DiagCode::CP3020, node, "`endPort` needs a non-zero `port` to start the range");
    return std::nullopt;
  }
  if (end->number < start.number) {
    reader.report(DiagCode::CP3020, node,
                  "empty port range " + std::to_string(start.number) + "-" + std::to_string(end->number) +
                      ": `endPort` is smaller than `port`");
    return std::nullopt;
  }
  return end->number;
}

// One {protocol, port, endPort} mapping of either format, appended to `out`.
void readOnePort(YamlReader& reader, const YAML::Node& node, const std::vector<std::string>& fieldNames,
                 const std::vector<std::string>& protocols, Protocol defaultProtocol,
                 unsigned long minimumPort, L4FromYaml& out) {
  YamlFields fields(reader, node, "port entry", fieldNames);
  if (!fields.isMapping()) {
    out.ok = false;
    return;
  }
  out.listedAny = true;
  Protocol protocol = defaultProtocol;
  if (auto protocolNode = fields.get("protocol")) {
    auto p = readProtocol(reader, *protocolNode, protocols);
    if (!p) {
      out.ok = false;
      return;
    }
    protocol = *p;
  }
  PortRange range{protocol, 0, 65535};
  auto portNode = fields.get("port");
  PortValue start;
  if (portNode) {
    auto value = readPortValue(reader, *portNode, minimumPort);
    if (!value) {
      out.ok = false;
      return;
    }
    start = *value;
    if (start.number != 0) range.first = range.last = start.number;
  }
  if (auto endNode = fields.get("endPort")) {
    auto end = readEndPort(reader, *endNode, start, portNode.value_or(YAML::Node()));
    if (!end) {
      out.ok = false;
      return;
    }
    range.last = *end;
  }
  if (!start.name.empty()) {
    out.namedPorts.push_back(*portNode);
    return;
  }
  out.l4.ports.push_back(range);
}

void readIcmpField(YamlReader& reader, const YAML::Node& node, L4FromYaml& out) {
  YamlFields fields(reader, node, "ICMP field", kIcmpFieldFields);
  if (!fields.isMapping()) {
    out.ok = false;
    return;
  }
  out.listedAny = true;
  Protocol family = Protocol::ICMP;
  if (auto familyNode = fields.get("family")) {
    auto text = reader.readString(*familyNode, "`family`");
    if (!text) {
      out.ok = false;
      return;
    }
    if (*text == "IPv4") family = Protocol::ICMP;
    else if (*text == "IPv6") family = Protocol::ICMPv6;
    else {
      std::string guess = closestMatch(*text, {"IPv4", "IPv6"});
      reader.report(DiagCode::CP4008, *familyNode, "unknown ICMP family `" + *text + "`",
                    guess.empty() ? "the family is `IPv4` (the default) or `IPv6`" : "did you mean `" + guess + "`?");
      out.ok = false;
      return;
    }
  }
  auto typeNode = fields.require(reader, "type");
  if (!typeNode) {
    out.ok = false;
    return;
  }
  auto text = reader.readString(*typeNode, "ICMP `type`");
  if (!text) {
    out.ok = false;
    return;
  }
  std::optional<uint8_t> type;
  unsigned long number = 0;
  if (isAllDigits(*text)) {
    if (parseUnsigned(*text, 255, number)) type = static_cast<uint8_t>(number);
  } else {
    type = icmpTypeFromName(family, *text);
  }
  if (!type) {
    // The language's parser knows the hints (other family, closest name); reuse its message.
    auto spec = parsePortSpec(protocolName(family) + "/" + *text);
    std::string hint = spec ? "" : spec.error().hint;
    reader.report(DiagCode::CP3021, *typeNode,
                  "unknown " + std::string(family == Protocol::ICMP ? "ICMP" : "ICMPv6") + " type `" + *text + "`",
                  hint.empty() ? "a type is a number 0-255 or a name such as `EchoRequest`" : hint);
    out.ok = false;
    return;
  }
  IcmpType icmp{family, *type};
  if (std::find(out.l4.icmps.begin(), out.l4.icmps.end(), icmp) == out.l4.icmps.end()) out.l4.icmps.push_back(icmp);
}

void readIcmps(YamlReader& reader, const YAML::Node& icmps, L4FromYaml& out) {
  if (!reader.expectSequence(icmps, "`icmps`")) {
    out.ok = false;
    return;
  }
  for (const auto& rule : icmps) {
    YamlFields fields(reader, rule, "icmps entry", kIcmpRuleFields);
    if (!fields.isMapping()) {
      out.ok = false;
      continue;
    }
    auto list = fields.require(reader, "fields");
    if (!list || !reader.expectSequence(*list, "`fields`")) {
      out.ok = false;
      continue;
    }
    for (const auto& field : *list) readIcmpField(reader, field, out);
  }
}

void reportProxyFields(YamlReader& reader, const YamlFields& fields) {
  for (const auto& name : kProxyFields) {
    if (!fields.has(name)) continue;
    std::string what = name == "rules" ? "L7 rules (`rules`)" : "`" + name + "`";
    reader.report(DiagCode::CP4102, fields.keyNode(name),
                  what + " need Cilium's proxy; this rule is enforced at L3/L4 only, so every request "
                         "on its ports is allowed");
  }
}

void readToPorts(YamlReader& reader, const YAML::Node& toPorts, Verdict verdict, L4FromYaml& out) {
  if (!reader.expectSequence(toPorts, "`toPorts`")) {
    out.ok = false;
    return;
  }
  static const std::vector<std::string> kCiliumProtocols = {"TCP", "UDP", "SCTP", "ANY"};
  for (const auto& portRule : toPorts) {
    YamlFields fields(reader, portRule, verdict == Verdict::Deny ? "toPorts entry of a deny rule" : "toPorts entry",
                      verdict == Verdict::Deny ? kCiliumPortDenyRuleFields : kCiliumPortRuleFields);
    if (!fields.isMapping()) {
      out.ok = false;
      continue;
    }
    reportProxyFields(reader, fields);
    // A toPorts entry without ports would make Cilium's L4 filter ambiguous (nothing or all);
    // requiring the list keeps the meaning explicit.
    auto ports = fields.get("ports");
    if (!ports || (ports->IsSequence() && ports->size() == 0)) {
      reader.report(DiagCode::CP4007, fields.keyNode("ports"), "toPorts entry needs a non-empty `ports` list",
                    "for all ports of a protocol write `- port: \"0\"` with `protocol: TCP`");
      out.ok = false;
      continue;
    }
    if (!reader.expectSequence(*ports, "`ports`")) {
      out.ok = false;
      continue;
    }
    for (const auto& port : *ports)
      readOnePort(reader, port, kCiliumPortFields, kCiliumProtocols, Protocol::Any, 0, out);
  }
}

}  // namespace

L4FromYaml readKubernetesPorts(YamlReader& reader, const YAML::Node& portsNode) {
  L4FromYaml out;
  if (!reader.expectSequence(portsNode, "`ports`")) {
    out.ok = false;
    return out;
  }
  static const std::vector<std::string> kKubernetesProtocols = {"TCP", "UDP", "SCTP"};
  for (const auto& port : portsNode)
    readOnePort(reader, port, kKubernetesPortFields, kKubernetesProtocols, Protocol::TCP, 1, out);
  return out;
}

L4FromYaml readCiliumL4(YamlReader& reader, const std::optional<YAML::Node>& toPorts,
                        const std::optional<YAML::Node>& icmps, Verdict verdict) {
  L4FromYaml out;
  if (toPorts) readToPorts(reader, *toPorts, verdict, out);
  if (icmps) readIcmps(reader, *icmps, out);
  bool hasPorts = toPorts && toPorts->IsSequence() && toPorts->size() > 0;
  bool hasIcmps = icmps && icmps->IsSequence() && icmps->size() > 0;
  if (hasPorts && hasIcmps) {
    reader.report(DiagCode::CP4008, *icmps, "a rule cannot combine `toPorts` and `icmps` (Cilium rejects it)",
                  "split it into two rules, one with `toPorts` and one with `icmps`");
    out.ok = false;
  }
  return out;
}

void reportNamedPorts(YamlReader& reader, const L4FromYaml& l4, Verdict verdict, std::string_view entryName) {
  bool dropped = l4.entryMustBeDropped();
  for (const auto& port : l4.namedPorts) {
    std::string message = "named port `" + port.Scalar() + "` cannot be enforced by the BPF datapath; ";
    if (dropped)
      message += "it was the only kind of port of this " + std::string(entryName) +
                 ", so the whole rule is dropped" +
                 (verdict == Verdict::Deny ? " (this traffic is NOT denied)" : " (it allows nothing)");
    else
      message += "this port entry is dropped" +
                 std::string(verdict == Verdict::Deny ? " (traffic to it is NOT denied)" : "");
    reader.report(DiagCode::CP4101, port, std::move(message), "use the port number");
  }
}

}  // namespace ciliumc

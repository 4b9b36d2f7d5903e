#include "frontend/k8s/cidr_yaml.h"

namespace ciliumc {

std::optional<IpPrefix> readCidrPrefix(YamlReader& reader, const YAML::Node& node) {
  auto text = reader.readString(node, "a CIDR");
  if (!text) return std::nullopt;
  auto prefix = IpPrefix::parse(*text);
  if (!prefix) {
    reader.reportParseError(DiagCode::CP3010, node, prefix.error(), "invalid CIDR `" + *text + "`");
    return std::nullopt;
  }
  return *prefix;
}

std::optional<CidrPeer> readCidrWithExcept(YamlReader& reader, const YAML::Node& cidrNode,
                                           const std::optional<YAML::Node>& exceptNode) {
  auto prefix = readCidrPrefix(reader, cidrNode);
  bool ok = prefix.has_value();
  CidrPeer peer;
  if (prefix) peer.prefix = *prefix;
  if (exceptNode) {
    if (!reader.expectSequence(*exceptNode, "`except`")) return std::nullopt;
    for (const auto& holeNode : *exceptNode) {
      auto hole = readCidrPrefix(reader, holeNode);
      if (!hole) {
        ok = false;
        continue;
      }
      if (prefix && !prefix->contains(*hole)) {
        reader.report(DiagCode::CP3011, holeNode,
                      "except `" + hole->toString() + "` is not inside `" + prefix->toString() + "`",
                      "an except prefix must be part of the CIDR it carves a hole into");
        ok = false;
        continue;
      }
      peer.except.push_back(*hole);
    }
  }
  if (!ok) return std::nullopt;
  return peer;
}

}  // namespace ciliumc

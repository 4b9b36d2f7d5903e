#include "passes/print_plan.h"

#include <fmt/format.h>

#include <ostream>

#include "ir/identity.h"
#include "passes/l4_keys.h"

namespace ciliumc {

namespace {

template <class T, class Format>
std::string joined(const std::vector<T>& items, Format&& format) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + format(items[i]);
  return text;
}

std::string numbers(const std::vector<uint32_t>& values) {
  return "[" + joined(values, [](uint32_t v) { return std::to_string(v); }) + "]";
}

std::string identityName(NumericIdentity identity) {
  if (identity < kMinClusterIdentity) {
    std::string name = reservedIdentityName(static_cast<ReservedIdentity>(identity));
    if (!name.empty()) return fmt::format("{} ({})", identity, name);
  }
  return std::to_string(identity);
}

void printEntries(std::ostream& out, const DirectionPlan& direction) {
  out << "    entries " << direction.entries.size() << "\n";
  for (const LoweredEntry& entry : direction.entries) {
    out << "      " << verdictName(entry.verdict) << " peers "
        << (entry.peers ? numbers(*entry.peers) : std::string("every")) << " port-classes "
        << numbers(entry.portClasses) << " rule " << entry.rule << "\n";
  }
}

void printPortRanges(std::ostream& out, const DirectionPlan& direction) {
  out << "    port-ranges " << direction.rangeStarts.size() << " classes " << direction.portClassCount << "\n";
  for (size_t i = 0; i < direction.rangeStarts.size(); ++i) {
    uint32_t end = i + 1 < direction.rangeStarts.size() ? direction.rangeStarts[i + 1] : kL4KeyEnd;
    out << "      " << keyRangeText(direction.rangeStarts[i], end) << " -> "
        << (i < direction.rangeClass.size() ? std::to_string(direction.rangeClass[i]) : "?") << "\n";
  }
}

void printDirection(std::ostream& out, const DirectionPlan& direction) {
  out << "  " << directionName(direction.direction) << (direction.enforced ? " enforced" : " default-allow")
      << (direction.allowLocalhost ? " allow-localhost" : "") << "\n";
  out << "    peers " << direction.peers.size() << "\n";
  for (size_t i = 0; i < direction.peers.size(); ++i) out << "      " << i << " " << direction.peers[i].toString() << "\n";
  printEntries(out, direction);
  printPortRanges(out, direction);
  out << "    rows " << direction.rows.size() << "\n";
  for (size_t c = 0; c < direction.rows.size(); ++c)
    out << "      " << c << ": " << joined(direction.rows[c], verdictCellText) << "\n";
}

void printShape(std::ostream& out, const CompilePlan& plan, size_t index) {
  const ShapePlan& shape = plan.shapes[index];
  std::vector<std::string> members;
  for (const EndpointPlan& endpoint : plan.endpoints)
    if (endpoint.shape == index && endpoint.endpoint) members.push_back(endpoint.endpoint->qualifiedName());
  out << "shape " << index << " key " << shape.key << " endpoints "
      << joined(members, [](const std::string& name) { return name; }) << "\n";
  for (const DirectionPlan& direction : shape.directions) printDirection(out, direction);
  out << "  identity-classes " << shape.identityClasses.size() << "\n";
  for (const auto& [identity, classes] : shape.identityClasses)
    out << "    " << identityName(identity) << ": ingress " << classes[0] << ", egress " << classes[1] << "\n";
  out << "  cidr " << shape.cidr.size() << "\n";
  for (const CidrClassEntry& entry : shape.cidr)
    out << "    " << entry.prefix.toString() << ": ingress " << entry.cls[0] << ", egress " << entry.cls[1] << "\n";
  const LoweringBudget& budget = shape.budget;
  out << fmt::format("  budget class-capacity {} verdict-entries {} cidr-entries {} instructions {}\n",
                     budget.classCapacity, budget.verdictEntries, budget.cidrEntries, budget.estimatedInstructions);
  for (const std::string& note : budget.notes) out << "    " << note << "\n";
}

}  // namespace

std::string datapathReasonName(DatapathReason reason) {
  switch (reason) {
    case DatapathReason::NoPolicy: return "no-policy";
    case DatapathReason::DefaultAllow: return "default-allow";
    case DatapathReason::DefaultDeny: return "default-deny";
    case DatapathReason::AllowedByRule: return "allowed-by-rule";
    case DatapathReason::DeniedByRule: return "denied-by-rule";
    case DatapathReason::AllowLocalhost: return "allow-localhost";
    case DatapathReason::Reply: return "reply";
    case DatapathReason::NotIp: return "not-ip";
    case DatapathReason::NeighborDiscovery: return "neighbor-discovery";
    case DatapathReason::Malformed: return "malformed";
    case DatapathReason::SpoofedSource: return "spoofed-source";
    case DatapathReason::BadIdentity: return "bad-identity";
    case DatapathReason::BadClass: return "bad-class";
  }
  return "reason-" + std::to_string(static_cast<int>(reason));
}

std::string verdictCellText(const VerdictCell& cell) {
  std::string verdict = cell.deny ? "deny" : "allow";
  if (cell.reason == DatapathReason::AllowedByRule || cell.reason == DatapathReason::DeniedByRule)
    return verdict + " rule " + std::to_string(cell.rule);
  return verdict + " " + datapathReasonName(cell.reason);
}

void printPlan(std::ostream& out, const CompilePlan& plan) {
  out << "plan shapes " << plan.shapes.size() << " endpoints " << plan.endpoints.size() << " ipcache "
      << plan.ipcache.size() << " rules " << plan.rules.rules.size() << "\n";
  out << "rules\n";
  for (size_t i = 0; i < plan.rules.rules.size(); ++i) out << "  " << i + 1 << " " << plan.rules.rules[i].toString() << "\n";
  out << "endpoints\n";
  for (const EndpointPlan& endpoint : plan.endpoints) {
    out << "  " << endpoint.endpointId << " " << (endpoint.endpoint ? endpoint.endpoint->qualifiedName() : "?")
        << " identity " << endpoint.identity << " ipv4 " << (endpoint.ipv4 ? endpoint.ipv4->toString() : "-") << " ipv6 "
        << (endpoint.ipv6 ? endpoint.ipv6->toString() : "-") << " shape " << endpoint.shape << "\n";
  }
  out << "ipcache\n";
  for (const IpcacheEntry& entry : plan.ipcache) out << "  " << entry.ip.toString() << " -> " << identityName(entry.identity) << "\n";
  for (size_t s = 0; s < plan.shapes.size(); ++s) printShape(out, plan, s);
}

}  // namespace ciliumc

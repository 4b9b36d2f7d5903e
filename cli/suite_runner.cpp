#include "cli/suite_runner.h"

#include "frontend/inputs/input_files.h"
#include "frontend/inputs/inventory_loader.h"

namespace ciliumc::cli {

std::optional<Inventory> loadInventoryOrReport(const std::string& path, DiagnosticEngine& diags) {
  return loadInventoryFile(path, diags);
}

std::unique_ptr<PreparedSuite> prepareSuite(const TestSuite& suite, DiagnosticEngine& diags,
                                            const ResolveOptions& options) {
  auto prepared = std::make_unique<PreparedSuite>();
  bool ok = loadPolicyFiles(suite.policyFiles, diags, prepared->policies);
  if (suite.inlineInventory) {
    prepared->inventory = *suite.inlineInventory;
  } else {
    auto inventory = loadInventoryFile(suite.inventoryFile, diags);
    if (inventory) prepared->inventory = std::move(*inventory);
    ok &= inventory.has_value();
  }
  if (!ok) return nullptr;
  prepared->ir = resolvePolicy(prepared->policies, prepared->inventory, options);
  return prepared;
}

Expected<Probe> makeProbe(const Inventory& inventory, const std::string& from, const std::string& to,
                          Protocol protocol, uint16_t portOrType) {
  std::optional<IpFamily> family;
  if (auto ip = IpAddress::parse(from)) family = ip->family;
  else if (auto ipTo = IpAddress::parse(to)) family = ipTo->family;
  else if (protocol == Protocol::ICMPv6) family = IpFamily::V6;

  auto source = resolveParty(inventory, from, family);
  if (!source) return Error{"--from `" + from + "`: " + source.error().message, 0, source.error().hint};
  auto destination = resolveParty(inventory, to, source->ip.family);
  if (!destination) return Error{"--to `" + to + "`: " + destination.error().message, 0, destination.error().hint};
  if ((protocol == Protocol::ICMP && source->ip.family != IpFamily::V4) ||
      (protocol == Protocol::ICMPv6 && source->ip.family != IpFamily::V6))
    return Error{protocolName(protocol) + " needs " +
                 (protocol == Protocol::ICMP ? "IPv4" : "IPv6") + " addresses, but the flow is " +
                 (source->ip.family == IpFamily::V4 ? "IPv4" : "IPv6")};
  return Probe{*source, *destination, protocol, portOrType};
}

}  // namespace ciliumc::cli

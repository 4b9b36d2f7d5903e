#include "cli/compile_manifest.h"

#include <filesystem>
#include <fstream>

#include "runtime/ciliumc_abi.h"

namespace ciliumc::cli {

using nlohmann::json;

namespace {

json cellsToJson(const std::vector<VerdictCell>& row) {
  json cells = json::array();
  for (const VerdictCell& cell : row)
    cells.push_back(json::array({cell.rule, static_cast<int>(cell.reason), cell.deny ? 1 : 0}));
  return cells;
}

json directionToJson(const DirectionPlan& direction) {
  json rows = json::array();
  for (const auto& row : direction.rows) rows.push_back(cellsToJson(row));
  return {{"enforced", direction.enforced},
          {"port_classes", direction.portClassCount},
          {"range_starts", direction.rangeStarts},
          {"range_class", direction.rangeClass},
          {"rows", rows}};
}

json budgetToJson(const LoweringBudget& budget) {
  return {{"class_capacity", budget.classCapacity},
          {"verdict_entries", budget.verdictEntries},
          {"cidr_entries", budget.cidrEntries},
          {"port_tree_inline", {budget.portTreeInline[0], budget.portTreeInline[1]}},
          {"tree_depth", {budget.treeDepth[0], budget.treeDepth[1]}},
          {"estimated_instructions", budget.estimatedInstructions}};
}

json shapeToJson(const ShapePlan& shape) {
  json classes = json::array();
  for (const auto& [identity, cls] : shape.identityClasses) classes.push_back(json::array({identity, cls[0], cls[1]}));
  json cidr = json::array();
  for (const auto& entry : shape.cidr)
    cidr.push_back(json::array({entry.prefix.toString(), entry.cls[0], entry.cls[1]}));
  json maps = {{"ciliumc_class", {{"entries", classes}}},
               {"ciliumc_verdict", {{"max_entries", shape.budget.verdictEntries},
                                    {"ingress_base", shape.verdictBase(Direction::Ingress)},
                                    {"egress_base", shape.verdictBase(Direction::Egress)}}}};
  if (shape.budget.cidrEntries > 0)
    maps["ciliumc_cidr"] = {{"max_entries", shape.budget.cidrEntries}, {"entries", cidr}};
  return {{"key", shape.key},
          {"budget", budgetToJson(shape.budget)},
          {"ingress", directionToJson(shape.directions[0])},
          {"egress", directionToJson(shape.directions[1])},
          {"maps", maps}};
}

json ruleToJson(uint32_t id, const Provenance& rule) {
  return {{"id", id},
          {"policy", rule.policy},
          {"direction", directionName(rule.direction)},
          {"rule", rule.ruleIndex},
          {"file", rule.location.fileName()},
          {"line", rule.location.line},
          {"column", rule.location.column},
          {"text", rule.toString()}};
}

std::string optionalIp(const std::optional<IpAddress>& ip) { return ip ? ip->toString() : ""; }

// Reading: every accessor names the JSON path that was wrong.
struct Reader {
  std::string file;
  Error error(const std::string& where, const std::string& what) const {
    return Error{file + ": " + where + ": " + what, 0,
                 "the manifest is written by `ciliumc compile`; recompile instead of editing it"};
  }
};

Expected<VerdictCell> cellFromJson(const json& cell, const Reader& reader, const std::string& where) {
  if (!cell.is_array() || cell.size() != 3 || !cell[0].is_number_unsigned() || !cell[1].is_number_unsigned() ||
      !cell[2].is_number_unsigned())
    return reader.error(where, "expected [rule, reason, deny]");
  VerdictCell out;
  out.rule = cell[0].get<uint32_t>();
  out.reason = static_cast<DatapathReason>(cell[1].get<uint8_t>());
  out.deny = cell[2].get<int>() != 0;
  return out;
}

Expected<bool> directionFromJson(const json& in, DirectionPlan& out, const Reader& reader, const std::string& where) {
  if (!in.is_object() || !in.contains("rows") || !in.contains("port_classes"))
    return reader.error(where, "expected an object with `port_classes` and `rows`");
  out.enforced = in.value("enforced", false);
  out.portClassCount = in["port_classes"].get<uint32_t>();
  out.rangeStarts = in.at("range_starts").get<std::vector<uint32_t>>();
  out.rangeClass = in.at("range_class").get<std::vector<uint16_t>>();
  if (out.rangeStarts.size() != out.rangeClass.size() || out.rangeStarts.empty() || out.rangeStarts[0] != 0)
    return reader.error(where + ".range_starts", "expected as many range starts as classes, the first one 0");
  for (size_t r = 0; r < in["rows"].size(); ++r) {
    const json& row = in["rows"][r];
    if (!row.is_array() || row.size() != out.portClassCount)
      return reader.error(where + ".rows[" + std::to_string(r) + "]", "expected one cell per port class");
    std::vector<VerdictCell> cells;
    for (size_t c = 0; c < row.size(); ++c) {
      auto cell = cellFromJson(row[c], reader, where + ".rows[" + std::to_string(r) + "][" + std::to_string(c) + "]");
      if (!cell) return cell.error();
      cells.push_back(*cell);
    }
    out.rows.push_back(std::move(cells));
  }
  return true;
}

Expected<ShapePlan> shapeFromJson(const json& in, const Reader& reader, const std::string& where) {
  ShapePlan shape;
  shape.key = in.value("key", "");
  if (in.value("omitted", false)) return shape;  // no endpoint of this manifest uses it
  const json& budget = in.at("budget");
  shape.budget.classCapacity = budget.at("class_capacity").get<uint32_t>();
  shape.budget.verdictEntries = budget.at("verdict_entries").get<uint32_t>();
  shape.budget.cidrEntries = budget.at("cidr_entries").get<uint32_t>();
  for (int d = 0; d < 2; ++d) {
    shape.budget.portTreeInline[d] = budget.at("port_tree_inline").at(d).get<bool>();
    shape.budget.treeDepth[d] = budget.at("tree_depth").at(d).get<uint32_t>();
  }
  shape.budget.estimatedInstructions = budget.value("estimated_instructions", 0u);
  const char* names[2] = {"ingress", "egress"};
  for (int d = 0; d < 2; ++d) {
    shape.directions[d].direction = d == 0 ? Direction::Ingress : Direction::Egress;
    auto ok = directionFromJson(in.at(names[d]), shape.directions[d], reader, where + "." + names[d]);
    if (!ok) return ok.error();
  }
  for (const json& entry : in.at("maps").at("ciliumc_class").at("entries"))
    shape.identityClasses[entry.at(0).get<NumericIdentity>()] = {entry.at(1).get<uint16_t>(),
                                                                 entry.at(2).get<uint16_t>()};
  if (in.at("maps").contains("ciliumc_cidr")) {
    for (const json& entry : in["maps"]["ciliumc_cidr"].at("entries")) {
      auto prefix = IpPrefix::parse(entry.at(0).get<std::string>());
      if (!prefix) return reader.error(where + ".maps.ciliumc_cidr", prefix.error().message);
      shape.cidr.push_back(CidrClassEntry{*prefix, {entry.at(1).get<uint16_t>(), entry.at(2).get<uint16_t>()}});
    }
  }
  if (shape.verdictBase(Direction::Egress) != in["maps"]["ciliumc_verdict"].value("egress_base", 0u))
    return reader.error(where + ".maps.ciliumc_verdict.egress_base", "does not match the budget and port classes");
  return shape;
}

Expected<IpAddress> addressFromJson(const json& value, const Reader& reader, const std::string& where) {
  auto ip = IpAddress::parse(value.get<std::string>());
  if (!ip) return reader.error(where, ip.error().message);
  return *ip;
}

Expected<bool> readInto(const json& root, LoadedManifest& out, const Reader& reader,
                        const std::filesystem::path& directory) {
  if (!root.is_object() || root.value("manifest_version", 0) != kManifestVersion)
    return reader.error("manifest_version", "expected " + std::to_string(kManifestVersion));
  if (root.value("abi_version", 0) != CILIUMC_ABI_VERSION)
    return reader.error("abi_version", "objects were built for another datapath ABI; recompile them");
  for (const json& rule : root.at("rules")) {
    Provenance provenance;
    provenance.policy = rule.value("policy", "");
    provenance.ruleIndex = rule.value("rule", -1);
    provenance.direction = rule.value("direction", "") == "egress" ? Direction::Egress : Direction::Ingress;
    provenance.location.file = std::make_shared<const std::string>(rule.value("file", ""));
    provenance.location.line = rule.value("line", 0);
    provenance.location.column = rule.value("column", 0);
    out.plan.rules.rules.push_back(std::move(provenance));  // ids are positions: keep every row
  }
  for (size_t i = 0; i < root.at("shapes").size(); ++i) {
    auto shape = shapeFromJson(root["shapes"][i], reader, "shapes[" + std::to_string(i) + "]");
    if (!shape) return shape.error();
    out.plan.shapes.push_back(std::move(*shape));
  }
  const json& endpoints = root.at("endpoints");
  out.inventory.endpoints.reserve(endpoints.size());  // EndpointPlan points into it
  for (size_t i = 0; i < endpoints.size(); ++i) {
    const json& in = endpoints[i];
    std::string where = "endpoints[" + std::to_string(i) + "]";
    EndpointInfo info;
    info.name = in.at("name").get<std::string>();
    info.namespaceName = in.value("namespace", "");
    info.identity = in.at("identity").get<NumericIdentity>();
    EndpointPlan plan;
    plan.endpointId = in.at("id").get<uint32_t>();
    plan.identity = info.identity;
    plan.shape = in.at("shape").get<uint32_t>();
    if (plan.shape >= out.plan.shapes.size() || root["shapes"][plan.shape].value("omitted", false))
      return reader.error(where + ".shape", "no such shape");
    for (const char* family : {"ipv4", "ipv6"}) {
      std::string text = in.value(family, "");
      if (text.empty()) continue;
      auto ip = addressFromJson(text, reader, where + "." + family);
      if (!ip) return ip.error();
      (std::string(family) == "ipv4" ? plan.ipv4 : plan.ipv6) = *ip;
      info.ips.push_back(*ip);
    }
    out.inventory.endpoints.push_back(std::move(info));
    out.plan.endpoints.push_back(plan);
    out.objectFiles.push_back((directory / in.at("object").get<std::string>()).string());
  }
  for (size_t i = 0; i < out.plan.endpoints.size(); ++i) out.plan.endpoints[i].endpoint = &out.inventory.endpoints[i];
  for (const json& entry : root.at("node_maps").at("ciliumc_ipcache")) {
    auto ip = addressFromJson(entry.at(0), reader, "node_maps.ciliumc_ipcache");
    if (!ip) return ip.error();
    out.plan.ipcache.push_back(IpcacheEntry{*ip, entry.at(1).get<NumericIdentity>()});
  }
  return true;
}

}  // namespace

json writeManifest(const CompilePlan& plan, const std::vector<std::string>& objectFiles) {
  json rules = json::array();
  for (size_t i = 0; i < plan.rules.rules.size(); ++i) rules.push_back(ruleToJson(static_cast<uint32_t>(i + 1), plan.rules.rules[i]));
  // Only the shapes of endpoints that got an object carry map entries (`--endpoint` compiles one
  // endpoint of a large plan: the other shapes' tables would dwarf it); the others keep their
  // position as stubs so shape indexes stay valid.
  std::vector<bool> used(plan.shapes.size(), false);
  for (size_t i = 0; i < plan.endpoints.size(); ++i)
    if (i < objectFiles.size() && !objectFiles[i].empty()) used[plan.endpoints[i].shape] = true;
  json shapes = json::array();
  for (size_t i = 0; i < plan.shapes.size(); ++i)
    shapes.push_back(used[i] ? shapeToJson(plan.shapes[i]) : json{{"key", plan.shapes[i].key}, {"omitted", true}});
  json endpoints = json::array();
  for (size_t i = 0; i < plan.endpoints.size(); ++i) {
    const EndpointPlan& endpoint = plan.endpoints[i];
    if (i >= objectFiles.size() || objectFiles[i].empty()) continue;
    endpoints.push_back({{"id", endpoint.endpointId},
                         {"name", endpoint.endpoint ? endpoint.endpoint->name : ""},
                         {"namespace", endpoint.endpoint ? endpoint.endpoint->namespaceName : ""},
                         {"identity", endpoint.identity},
                         {"ipv4", optionalIp(endpoint.ipv4)},
                         {"ipv6", optionalIp(endpoint.ipv6)},
                         {"shape", endpoint.shape},
                         {"object", i < objectFiles.size() ? objectFiles[i] : ""}});
  }
  json ipcache = json::array();
  for (const auto& entry : plan.ipcache) ipcache.push_back(json::array({entry.ip.toString(), entry.identity}));
  return {{"manifest_version", kManifestVersion},
          {"abi_version", CILIUMC_ABI_VERSION},
          {"endpoints", endpoints},
          {"shapes", shapes},
          {"rules", rules},
          {"node_maps", {{"ciliumc_ipcache", ipcache}}}};
}

Expected<std::unique_ptr<LoadedManifest>> readManifest(const std::string& path) {
  Reader reader{path};
  std::ifstream in(path);
  if (!in) return Error{"cannot read `" + path + "`", 0, "give the manifest.json that `ciliumc compile -o DIR` wrote"};
  auto out = std::make_unique<LoadedManifest>();
  try {
    json root = json::parse(in);
    auto ok = readInto(root, *out, reader, std::filesystem::path(path).parent_path());
    if (!ok) return ok.error();
  } catch (const json::exception& e) {
    // at()/get<>() on a wrong or missing field: nlohmann names the key or type.
    return reader.error("structure", e.what());
  }
  return out;
}

}  // namespace ciliumc::cli

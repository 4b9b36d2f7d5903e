// `ciliumc convert`: the policy model as language text, in fmt layout (layout_writer.h).
// Parsing the output yields the same model, locations aside — with one exception: rules that
// share a namespace and name (a YAML `specs:` list becomes several rules of one name) get
// `-2`, `-3`, ... suffixes, because names must be unique in a file; a comment says so.
#include <algorithm>
#include <fmt/format.h>
#include <set>

#include "frontend/lang/layout_writer.h"
#include "frontend/lang/print_policy.h"
#include "ir/language_words.h"

namespace ciliumc {
namespace {

template <class T, class Render>
std::string joinWith(const std::vector<T>& items, Render render) {
  std::string out;
  for (const T& item : items) {
    if (!out.empty()) out += ", ";
    out += render(item);
  }
  return out;
}

std::string keyText(const std::string& source, const std::string& key, std::string_view implicitSource) {
  if (source == implicitSource) return canonicalWord(key);
  return canonicalWord(source) + ":" + canonicalWord(key);
}

std::string valueListText(const std::vector<std::string>& values) {
  return "(" + joinWith(values, [](const std::string& v) { return canonicalWord(v); }) + ")";
}

std::string requirementText(const Requirement& requirement) {
  std::string key = keyText(requirement.source, requirement.key, source::kAny);
  const auto& values = requirement.values;
  switch (requirement.op) {
    case SelectorOperator::In:
      return values.size() == 1 ? key + " = " + canonicalWord(values[0]) : key + " in " + valueListText(values);
    case SelectorOperator::NotIn:
      return values.size() == 1 ? key + " != " + canonicalWord(values[0]) : key + " notin " + valueListText(values);
    case SelectorOperator::Exists: return key;
    case SelectorOperator::DoesNotExist: return "!" + key;
  }
  return key;
}

std::string selectorText(const std::vector<Requirement>& requirements) {
  if (requirements.empty()) return "{}";
  return "{ " + joinWith(requirements, requirementText) + " }";
}

std::string labelText(const Label& label) {
  std::string key = keyText(label.source, label.key, source::kUnspec);
  return label.value.empty() ? key : key + " = " + canonicalWord(label.value);
}

std::string prefixText(const IpPrefix& prefix) {
  // IPv4 prefixes lex as WORD and IPv6 ones as IPV6: neither needs quotes.
  return prefix.toString();
}

std::string peerText(const Peer& peer) {
  switch (peer.kind) {
    case Peer::Kind::Selector: return selectorText(peer.selector.requirements());
    case Peer::Kind::Entity: return "entity " + canonicalWord(entityName(peer.entity));
    case Peer::Kind::Cidr: {
      std::string text = "cidr " + prefixText(peer.cidr.prefix);
      if (!peer.cidr.except.empty()) text += " except " + joinWith(peer.cidr.except, prefixText);
      return text;
    }
  }
  return "";
}

std::string entryText(const RuleEntry& entry, Direction direction) {
  std::string text = verdictName(entry.verdict);
  if (entry.peers) {
    text += direction == Direction::Ingress ? " from " : " to ";
    text += entry.peers->empty() ? "none" : joinWith(*entry.peers, peerText);
  }
  if (!entry.l4.isWildcard()) {
    std::vector<std::string> ports;
    for (const auto& range : entry.l4.ports) ports.push_back(range.toString());
    for (const auto& icmp : entry.l4.icmps) ports.push_back(icmp.toString());
    text += " on " + joinWith(ports, [](const std::string& p) { return p; });
  }
  return text;
}

void printDirection(LayoutWriter& writer, const DirectionRules& rules, Direction direction) {
  bool empty = rules.entries.empty() && rules.requirements.empty();
  if (empty && !rules.enablesDefaultDeny) return;
  std::string name = directionName(direction);
  if (!rules.enablesDefaultDeny) {
    writer.commentLine(fmt::format(
        "# note: in the source these {} rules did not switch default-deny on; here they do", name));
  }
  if (empty) {
    writer.line(name + " {}");
    return;
  }
  writer.openBlock(name);
  for (const RuleEntry& entry : rules.entries) writer.line(entryText(entry, direction));
  if (!rules.requirements.empty()) writer.line("require " + selectorText(rules.requirements));
  writer.closeBlock();
}

void printRule(LayoutWriter& writer, const PolicyRule& rule, const std::string& name) {
  if (name != rule.name)
    writer.commentLine(fmt::format("# renamed from {}: names must be unique per namespace", canonicalWord(rule.name)));
  writer.openBlock("policy " + canonicalWord(name));
  if (!rule.description.empty()) writer.line("description " + quoteString(rule.description));
  if (!rule.namespaceName.empty()) writer.line("namespace " + canonicalWord(rule.namespaceName));
  if (!rule.policyLabels.empty())
    writer.line("labels { " + joinWith(rule.policyLabels.labels(), labelText) + " }");
  writer.line("select " + selectorText(rule.subject.requirements()));
  printDirection(writer, rule.ingress, Direction::Ingress);
  printDirection(writer, rule.egress, Direction::Egress);
  writer.closeBlock();
}

}  // namespace

std::string printPolicyLanguage(const PolicySet& policies) {
  LayoutWriter writer;
  std::set<std::pair<std::string, std::string>> usedNames;  // (namespace, name)
  for (size_t i = 0; i < policies.rules.size(); ++i) {
    const PolicyRule& rule = policies.rules[i];
    std::string name = rule.name;
    for (int suffix = 2; usedNames.count({rule.namespaceName, name}) > 0; ++suffix)
      name = fmt::format("{}-{}", rule.name, suffix);
    usedNames.insert({rule.namespaceName, name});
    if (i > 0) writer.blankLine();
    printRule(writer, rule, name);
  }
  return writer.finish();
}

}  // namespace ciliumc

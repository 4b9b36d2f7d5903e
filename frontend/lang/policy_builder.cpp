// `policy` blocks: clauses, directions, rule entries, peers and ports.
#include <fmt/format.h>

#include "frontend/lang/model_builder.h"
#include "frontend/lang/value_checks.h"

namespace ciliumc {

std::optional<PolicyRule> ModelBuilder::buildPolicy(P::PolicyBlockContext* block) {
  PolicyRule rule;
  rule.name = wordOf(block->name()).text;
  rule.location = locationOf(block->POLICY()->getSymbol());
  rule.origin = "language";
  std::vector<std::pair<std::string, SourceLocation>> seen;
  bool hasSelect = false;
  for (auto* clause : block->policyClause()) {
    if (!firstOccurrence(seen, clause->getStart())) continue;
    if (auto* description = dynamic_cast<P::DescriptionClauseContext*>(clause)) {
      rule.description = wordOf(description->text()).text;
    } else if (auto* ns = dynamic_cast<P::NamespaceClauseContext*>(clause)) {
      WrittenWord name = wordOf(ns->name());
      checkNamespaceName(name.text, name.at, diags_);
      rule.namespaceName = name.text;
    } else if (auto* labels = dynamic_cast<P::LabelsClauseContext*>(clause)) {
      rule.policyLabels = buildLabels(labels);
    } else if (auto* select = dynamic_cast<P::SelectClauseContext*>(clause)) {
      rule.subject = LabelSelector(buildRequirements(select->selector()));
      hasSelect = true;
    } else if (auto* direction = dynamic_cast<P::DirectionClauseContext*>(clause)) {
      buildDirection(direction, rule);
    }
  }
  if (!hasSelect) {
    diags_.report(DiagCode::CP2002, locationOf(block->name()),
                  fmt::format("policy `{}` has no `select` block", rule.name),
                  "add `select { ... }` naming the endpoints it applies to, or `select {}` for all",
                  static_cast<int>(block->name()->getText().size()));
  }
  return rule;
}

void ModelBuilder::buildDirection(P::DirectionClauseContext* clause, PolicyRule& rule) {
  Direction direction = clause->direction->getType() == P::INGRESS ? Direction::Ingress : Direction::Egress;
  DirectionRules& rules = rule.rules(direction);
  rules.enablesDefaultDeny = true;  // a present block switches default-deny on, even when empty
  for (auto* statement : clause->ruleStatement()) {
    if (auto* entry = dynamic_cast<P::EntryStatementContext*>(statement)) {
      rules.entries.push_back(buildEntry(entry, direction, static_cast<int>(rules.entries.size())));
    } else if (auto* require = dynamic_cast<P::RequireStatementContext*>(statement)) {
      for (auto& requirement : buildRequirements(require->selector()))
        rules.requirements.push_back(std::move(requirement));
    }
  }
}

RuleEntry ModelBuilder::buildEntry(P::EntryStatementContext* statement, Direction direction, int index) {
  RuleEntry entry;
  entry.verdict = statement->verdict->getType() == P::ALLOW ? Verdict::Allow : Verdict::Deny;
  entry.location = locationOf(statement->verdict);
  entry.index = index;
  if (auto* peers = statement->peerClause()) entry.peers = buildPeers(peers, direction);
  if (auto* ports = statement->portClause()) entry.l4 = buildL4(ports);
  return entry;
}

std::vector<Peer> ModelBuilder::buildPeers(P::PeerClauseContext* clause, Direction direction) {
  bool isFrom = clause->keyword->getType() == P::FROM;
  if (isFrom != (direction == Direction::Ingress)) {
    diags_.report(DiagCode::CP2004, locationOf(clause->keyword),
                  isFrom ? "`from` in an egress block: egress rules name their peers with `to`"
                         : "`to` in an ingress block: ingress rules name their peers with `from`",
                  isFrom ? "write `to`, or move the rule into the `ingress` block"
                         : "write `from`, or move the rule into the `egress` block",
                  static_cast<int>(clause->keyword->getText().size()));
  }
  std::vector<Peer> peers;  // `from none`: an explicitly empty list, which selects nothing
  for (auto* peer : clause->peer()) peers.push_back(buildPeer(peer));
  return peers;
}

Peer ModelBuilder::buildPeer(P::PeerContext* peer) {
  SourceLocation at = locationOf(peer);
  if (auto* selector = dynamic_cast<P::SelectorPeerContext*>(peer))
    return Peer::ofSelector(LabelSelector(buildRequirements(selector->selector())), at);
  if (auto* entity = dynamic_cast<P::EntityPeerContext*>(peer)) {
    WrittenWord name = wordOf(entity->name());
    return Peer::ofEntity(checkedEntity(name.text, name.at, diags_).value_or(Entity::All), at);
  }
  auto* cidr = static_cast<P::CidrPeerContext*>(peer);
  auto addresses = cidr->address();
  WrittenWord prefixText = wordOf(addresses.front());
  CidrPeer value;
  auto prefix = checkedCidr(prefixText.text, prefixText.at, diags_);
  if (prefix) value.prefix = *prefix;
  for (size_t i = 1; i < addresses.size(); ++i) {
    WrittenWord exceptText = wordOf(addresses[i]);
    auto except = checkedCidr(exceptText.text, exceptText.at, diags_);
    if (!except) continue;
    if (prefix) checkExceptInside(*prefix, *except, exceptText.at, diags_);
    value.except.push_back(*except);
  }
  return Peer::ofCidr(std::move(value), at);
}

L4Match ModelBuilder::buildL4(P::PortClauseContext* clause) {
  L4Match l4;
  for (auto* port : clause->port()) {
    WrittenWord text = wordOf(port);
    auto spec = checkedPortSpec(text.text, text.at, diags_);
    if (!spec) continue;
    if (spec->ports) l4.ports.push_back(*spec->ports);
    if (spec->icmp) l4.icmps.push_back(*spec->icmp);
  }
  return l4;
}

}  // namespace ciliumc

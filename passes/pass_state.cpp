#include "passes/pass_state.h"

#include "passes/content_hash.h"

namespace ciliumc {

uint32_t GlobalPeers::intern(const Peer& peer) {
  auto [found, inserted] = ids_.try_emplace(peer, static_cast<uint32_t>(peers_.size()));
  if (inserted) peers_.push_back(peer);
  return found->second;
}

void FindingCollector::add(const EntryTable& entries, FindingKind kind, EntryId rule, const EntryId* other,
                           size_t endpoints) {
  uint64_t ruleProvenance = entries[rule].provenance;
  uint64_t otherProvenance = other ? entries[*other].provenance + 1 : 0;
  // Provenance ids are dense and below 2^28 in any input that fits in memory.
  uint64_t key = (uint64_t(kind) << 56) | (ruleProvenance << 28) | otherProvenance;
  auto [found, inserted] = index_.try_emplace(key, findings_.size());
  if (!inserted) {
    findings_[found->second].endpoints += endpoints;
    return;
  }
  Finding finding;
  finding.kind = kind;
  finding.rule = entries[rule].entry.provenance;
  if (other) finding.other = entries[*other].entry.provenance;
  finding.endpoints = endpoints;
  findings_.push_back(std::move(finding));
}

uint32_t PipelineState::ruleId(EntryId id) {
  uint32_t provenance = entries[id].provenance;
  if (provenance >= ruleIdOfProvenance_.size()) ruleIdOfProvenance_.resize(provenance + 1, 0);
  uint32_t& rule = ruleIdOfProvenance_[provenance];
  if (rule == 0) {
    plan.rules.rules.push_back(entries[id].entry.provenance);
    rule = static_cast<uint32_t>(plan.rules.rules.size());
  }
  return rule;
}

}  // namespace ciliumc

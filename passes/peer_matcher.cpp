#include "passes/peer_matcher.h"

#include <algorithm>
#include <map>

#include "ir/evaluator.h"

namespace ciliumc {

namespace {

std::string keyValue(const std::string& key, const std::string& value) { return key + '\0' + value; }

// The `In` requirement with the fewest values: the narrowest filing.
const Requirement* narrowestIn(const LabelSelector& selector) {
  const Requirement* best = nullptr;
  for (const Requirement& requirement : selector.requirements())
    if (requirement.op == SelectorOperator::In && (!best || requirement.values.size() < best->values.size()))
      best = &requirement;
  return best;
}

const Requirement* anyExists(const LabelSelector& selector) {
  for (const Requirement& requirement : selector.requirements())
    if (requirement.op == SelectorOperator::Exists) return &requirement;
  return nullptr;
}

}  // namespace

PeerMatcher::PeerMatcher(const std::vector<Peer>& peers) : peers_(peers), requirementsOf_(peers.size()) {
  std::map<Requirement, uint32_t> requirementIds;
  for (size_t i = 0; i < peers.size(); ++i) {
    const Peer& peer = peers[i];
    auto id = static_cast<uint32_t>(i);
    if (peer.kind == Peer::Kind::Cidr) continue;
    if (peer.kind == Peer::Kind::Entity) {
      alwaysCandidates_.push_back(id);
      continue;
    }
    for (const Requirement& requirement : peer.selector.requirements()) {
      auto [found, inserted] = requirementIds.try_emplace(requirement, static_cast<uint32_t>(requirements_.size()));
      if (inserted) requirements_.push_back(requirement);
      requirementsOf_[i].push_back(found->second);
    }
    if (const Requirement* in = narrowestIn(peer.selector)) {
      for (const std::string& value : in->values) byKeyValue_[keyValue(in->key, value)].push_back(id);
    } else if (const Requirement* exists = anyExists(peer.selector)) {
      byKey_[exists->key].push_back(id);
    } else {
      alwaysCandidates_.push_back(id);
    }
  }
}

std::vector<uint32_t> PeerMatcher::matchingNonCidr(const Party& party) const {
  std::vector<uint32_t> candidates = alwaysCandidates_;
  for (const Label& label : party.labels.labels()) {
    auto filed = byKeyValue_.find(keyValue(label.key, label.value));
    if (filed != byKeyValue_.end()) candidates.insert(candidates.end(), filed->second.begin(), filed->second.end());
    auto keyed = byKey_.find(label.key);
    if (keyed != byKey_.end()) candidates.insert(candidates.end(), keyed->second.begin(), keyed->second.end());
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<signed char> holds(requirements_.size(), -1);  // evaluated on first use
  auto requirementHolds = [&](uint32_t r) {
    if (holds[r] < 0) holds[r] = requirements_[r].matches(party.labels) ? 1 : 0;
    return holds[r] == 1;
  };
  std::vector<uint32_t> matching;
  for (uint32_t index : candidates) {
    const auto& required = requirementsOf_[index];
    if (!std::all_of(required.begin(), required.end(), requirementHolds)) continue;
    if (peerMatches(peers_[index], party)) matching.push_back(index);
  }
  return matching;
}

}  // namespace ciliumc

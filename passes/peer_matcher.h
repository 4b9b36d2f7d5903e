// Which of many peers a party matches, without matching every selector in full. A selector with
// an `In` requirement can only match a party carrying one of its values under that key, so it is
// filed under those (key, value) pairs (as resolvePolicy files subjects), one with an `Exists`
// requirement under its key; the party's labels pick the candidates among those, and the rest
// are always candidates. Selectors share requirements (`role != admin`, a namespace), so each
// distinct requirement is evaluated at most once per party; only candidates whose requirements
// all hold are confirmed with ir/evaluator.h peerMatches, which keeps the answer exact.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/party.h"
#include "ir/policy.h"

namespace ciliumc {

class PeerMatcher {
 public:
  explicit PeerMatcher(const std::vector<Peer>& peers);  // kept by reference

  // Indexes (ascending) of the selector and entity peers that match `party`. CIDR peers are
  // left out: they match world addresses, which the CIDR trie classifies by prefix.
  std::vector<uint32_t> matchingNonCidr(const Party& party) const;

 private:
  const std::vector<Peer>& peers_;
  std::vector<std::vector<uint32_t>> requirementsOf_;  // per peer: ids into requirements_
  std::vector<Requirement> requirements_;              // distinct, over every selector
  std::unordered_map<std::string, std::vector<uint32_t>> byKeyValue_;  // anchored on an `In`
  std::unordered_map<std::string, std::vector<uint32_t>> byKey_;       // anchored on an `Exists`
  std::vector<uint32_t> alwaysCandidates_;  // entities and selectors with neither
};

}  // namespace ciliumc

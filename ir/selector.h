// Label selectors: ANDed requirements over a label set (Kubernetes semantics, Cilium sources).
#pragma once
#include <string>
#include <vector>

#include "ir/labels.h"

namespace ciliumc {

enum class SelectorOperator { In, NotIn, Exists, DoesNotExist };

struct Requirement {
  std::string source;  // `any` matches every source
  std::string key;
  SelectorOperator op = SelectorOperator::In;
  std::vector<std::string> values;  // In/NotIn only; sorted, unique. `key = v` is In {v}.

  // In: some label (source,key) has a value in `values` (a value-less requirement {""} matches
  // only value-less labels). NotIn: no such label — a label set lacking the key matches.
  // Exists: some label with (source,key). DoesNotExist: none.
  bool matches(const LabelSet& labels) const;
  std::string toString() const;  // language syntax: `k8s:app = web`, `k8s:tier in (a, b)`, `!k8s:x`
  auto operator<=>(const Requirement&) const = default;
};

class LabelSelector {
 public:
  LabelSelector() = default;  // the wildcard {}: matches every label set
  explicit LabelSelector(std::vector<Requirement> requirements);

  const std::vector<Requirement>& requirements() const { return requirements_; }
  void addRequirement(Requirement r);  // keeps requirements sorted and unique
  bool isWildcard() const { return requirements_.empty(); }
  bool matches(const LabelSet& labels) const;
  // Does any requirement constrain this key (under this source, or `any`)?
  bool mentionsKey(std::string_view source, std::string_view key) const;
  bool mentionsKeyPrefix(std::string_view source, std::string_view keyPrefix) const;
  // Does any requirement constrain a `reserved:` label? Selector peers match reserved parties
  // (host, world, ...) only then; see ir/party.h.
  bool mentionsReservedSource() const;
  std::string toString() const;  // `{ k8s:app = web, k8s:tier in (a, b) }`, `{}` for wildcard
  auto operator<=>(const LabelSelector&) const = default;

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace ciliumc

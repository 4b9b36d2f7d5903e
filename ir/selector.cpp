#include "ir/selector.h"

#include <algorithm>
#include <array>

#include "ir/language_words.h"
#include "support/strings.h"

namespace ciliumc {

namespace {

// `app` for source `any` (the default in selectors), `k8s:app` otherwise; `:` is a token of its
// own, so source and key are printed (and quoted) separately.
std::string printKey(const std::string& sourceName, const std::string& key) {
  if (sourceName == source::kAny) return canonicalWord(key);
  return canonicalWord(sourceName) + ":" + canonicalWord(key);
}

std::string printValueList(const std::vector<std::string>& values) {
  std::string text = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) text += ", ";
    text += canonicalWord(values[i]);
  }
  return text + ")";
}

void normalize(Requirement& r) {
  if (r.op == SelectorOperator::Exists || r.op == SelectorOperator::DoesNotExist) r.values.clear();
  std::sort(r.values.begin(), r.values.end());
  r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
}

bool sourceCovers(std::string_view requirementSource, std::string_view askedSource) {
  return requirementSource == askedSource || requirementSource == source::kAny;
}

}  // namespace

bool Requirement::matches(const LabelSet& labels) const {
  // One pass over the labels, without collecting them (LabelSet::find allocates): this runs
  // for every subject and peer selector against every endpoint.
  bool found = false, anyValueIn = false;
  for (const Label& label : labels.labels()) {
    if (label.key != key || (source != source::kAny && label.source != source)) continue;
    found = true;
    // `values` is kept sorted by LabelSelector; a hand-built requirement may not be, so search
    // linearly here rather than rely on it.
    if (std::find(values.begin(), values.end(), label.value) != values.end()) {
      anyValueIn = true;
      break;
    }
  }
  switch (op) {
    case SelectorOperator::In: return anyValueIn;
    case SelectorOperator::NotIn: return !anyValueIn;
    case SelectorOperator::Exists: return found;
    case SelectorOperator::DoesNotExist: return !found;
  }
  return false;
}

std::string Requirement::toString() const {
  std::string k = printKey(source, key);
  switch (op) {
    case SelectorOperator::In:
      if (values.size() == 1) return k + " = " + canonicalWord(values[0]);
      return k + " in " + printValueList(values);
    case SelectorOperator::NotIn:
      if (values.size() == 1) return k + " != " + canonicalWord(values[0]);
      return k + " notin " + printValueList(values);
    case SelectorOperator::Exists: return k;
    case SelectorOperator::DoesNotExist: return "!" + k;
  }
  return k;
}

LabelSelector::LabelSelector(std::vector<Requirement> requirements) {
  for (auto& r : requirements) addRequirement(std::move(r));
}

void LabelSelector::addRequirement(Requirement r) {
  normalize(r);
  auto it = std::lower_bound(requirements_.begin(), requirements_.end(), r);
  if (it != requirements_.end() && *it == r) return;
  requirements_.insert(it, std::move(r));
}

bool LabelSelector::matches(const LabelSet& labels) const {
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const Requirement& r) { return r.matches(labels); });
}

bool LabelSelector::mentionsKey(std::string_view sourceName, std::string_view key) const {
  return std::any_of(requirements_.begin(), requirements_.end(), [&](const Requirement& r) {
    return r.key == key && sourceCovers(r.source, sourceName);
  });
}

bool LabelSelector::mentionsKeyPrefix(std::string_view sourceName, std::string_view keyPrefix) const {
  return std::any_of(requirements_.begin(), requirements_.end(), [&](const Requirement& r) {
    return startsWith(r.key, keyPrefix) && sourceCovers(r.source, sourceName);
  });
}

bool LabelSelector::mentionsReservedSource() const {
  return std::any_of(requirements_.begin(), requirements_.end(),
                     [](const Requirement& r) { return r.source == source::kReserved; });
}

std::string LabelSelector::toString() const {
  if (requirements_.empty()) return "{}";
  std::string text = "{ ";
  for (size_t i = 0; i < requirements_.size(); ++i) {
    if (i) text += ", ";
    text += requirements_[i].toString();
  }
  return text + " }";
}

}  // namespace ciliumc

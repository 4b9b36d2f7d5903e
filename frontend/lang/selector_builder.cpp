// Selectors (`{ k8s:app = web, tier in (a, b), !debug }`) and label lists (`labels { ... }`).
#include <algorithm>
#include <fmt/format.h>

#include "frontend/lang/model_builder.h"
#include "frontend/lang/value_checks.h"

namespace ciliumc {

std::vector<Requirement> ModelBuilder::buildRequirements(P::SelectorContext* selector) {
  std::vector<Requirement> requirements;
  for (auto* requirement : selector->requirement()) requirements.push_back(buildRequirement(requirement));
  return requirements;
}

std::pair<std::string, std::string> ModelBuilder::buildLabelKey(P::LabelKeyContext* key, bool inSelector) {
  std::string source(inSelector ? source::kAny : source::kUnspec);
  if (key->source != nullptr) {
    WrittenWord written = wordOf(key->source);
    checkLabelSource(written.text, written.at, inSelector, diags_);
    source = written.text;
  }
  WrittenWord written = wordOf(key->key);
  checkLabelKey(written.text, written.at, diags_);
  return {source, written.text};
}

std::string ModelBuilder::buildValue(P::ValueContext* value) {
  WrittenWord written = wordOf(value);
  checkLabelValue(written.text, written.at, diags_);
  return written.text;
}

namespace {
SelectorOperator operatorOf(ModelBuilder::P::RequirementContext* requirement) {
  using P = ModelBuilder::P;
  if (dynamic_cast<P::NotEqualsRequirementContext*>(requirement) ||
      dynamic_cast<P::NotInRequirementContext*>(requirement))
    return SelectorOperator::NotIn;
  if (dynamic_cast<P::ExistsRequirementContext*>(requirement)) return SelectorOperator::Exists;
  if (dynamic_cast<P::NotExistsRequirementContext*>(requirement)) return SelectorOperator::DoesNotExist;
  return SelectorOperator::In;
}
}  // namespace

Requirement ModelBuilder::buildRequirement(P::RequirementContext* requirement) {
  Requirement result;
  result.op = operatorOf(requirement);
  P::LabelKeyContext* key = nullptr;
  P::ValueListContext* list = nullptr;
  if (auto* r = dynamic_cast<P::EqualsRequirementContext*>(requirement)) {
    key = r->labelKey();
    result.values.push_back(buildValue(r->value()));
  } else if (auto* r = dynamic_cast<P::NotEqualsRequirementContext*>(requirement)) {
    key = r->labelKey();
    result.values.push_back(buildValue(r->value()));
  } else if (auto* r = dynamic_cast<P::InRequirementContext*>(requirement)) {
    key = r->labelKey();
    list = r->valueList();
  } else if (auto* r = dynamic_cast<P::NotInRequirementContext*>(requirement)) {
    key = r->labelKey();
    list = r->valueList();
  } else if (auto* r = dynamic_cast<P::ExistsRequirementContext*>(requirement)) {
    key = r->labelKey();
  } else {
    key = static_cast<P::NotExistsRequirementContext*>(requirement)->labelKey();
  }
  std::tie(result.source, result.key) = buildLabelKey(key, /*inSelector=*/true);
  if (list != nullptr) {
    for (auto* value : list->value()) result.values.push_back(buildValue(value));
    if (result.values.empty()) {
      diags_.report(DiagCode::CP3007, locationOf(list),
                    fmt::format("`{}` needs at least one value", result.op == SelectorOperator::In ? "in" : "notin"),
                    result.op == SelectorOperator::In ? "to require that the key exists, write just the key"
                                                      : "to require that the key is absent, write `!key`",
                    2);
    }
  }
  std::sort(result.values.begin(), result.values.end());
  result.values.erase(std::unique(result.values.begin(), result.values.end()), result.values.end());
  return result;
}

LabelSet ModelBuilder::buildLabels(P::LabelsClauseContext* clause) {
  LabelSet labels;
  for (auto* entry : clause->labelEntry()) {
    Label label;
    std::tie(label.source, label.key) = buildLabelKey(entry->labelKey(), /*inSelector=*/false);
    if (entry->value() != nullptr) label.value = buildValue(entry->value());
    if (!labels.find(label.source, label.key).empty()) {
      diags_.report(DiagCode::CP3005, locationOf(entry),
                    fmt::format("label `{}:{}` is given twice; the last value wins", label.source, label.key),
                    "remove one of them", static_cast<int>(entry->labelKey()->getText().size()));
    }
    labels.add(std::move(label));
  }
  return labels;
}

}  // namespace ciliumc

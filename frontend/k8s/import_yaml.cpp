// The YAML/JSON policy importer's entry point: splits the stream into documents, unwraps
// lists, checks kind and apiVersion, and hands each object to its kind's importer. yaml-cpp
// exceptions never leave this file: a syntax error becomes CP4001 at the parser's mark.
#include "frontend/k8s/import_yaml.h"

#include "frontend/k8s/yaml_documents.h"

#include <yaml-cpp/yaml.h>

#include "frontend/k8s/cilium_policy.h"
#include "frontend/k8s/network_policy.h"
#include "frontend/k8s/yaml_fields.h"
#include "frontend/k8s/yaml_location.h"
#include "frontend/k8s/yaml_reader.h"
#include "support/strings.h"

namespace ciliumc {

namespace {

struct PolicyKind {
  std::string kind;
  std::string apiVersion;
};

const std::vector<PolicyKind>& policyKinds() {
  static const std::vector<PolicyKind> kinds = {{"NetworkPolicy", "networking.k8s.io/v1"},
                                                {"CiliumNetworkPolicy", "cilium.io/v2"},
                                                {"CiliumClusterwideNetworkPolicy", "cilium.io/v2"}};
  return kinds;
}

const PolicyKind* findPolicyKind(std::string_view kind) {
  for (const auto& k : policyKinds())
    if (k.kind == kind) return &k;
  return nullptr;
}

constexpr std::string_view kListSuffix = "List";
const std::vector<std::string> kListFields = {"apiVersion", "kind", "metadata", "items"};

// Every kind a policy file may hold, for "did you mean" hints.
std::vector<std::string> acceptedKindNames() {
  std::vector<std::string> names = {"List"};
  for (const auto& k : policyKinds()) {
    names.push_back(k.kind);
    names.push_back(k.kind + std::string(kListSuffix));
  }
  return names;
}

// The value of a top-level key, read before the kind's schema is known.
std::optional<YAML::Node> findValue(const YAML::Node& map, std::string_view key) {
  for (const auto& pair : map)
    if (pair.first.IsScalar() && pair.first.Scalar() == key) return pair.second;
  return std::nullopt;
}

// Checks `apiVersion` against the expected one; absent is accepted only for list items whose
// list names the kind.
bool checkApiVersion(YamlReader& reader, const YAML::Node& object, const YAML::Node& kindNode,
                     const std::string& kind, const std::string& expected, bool impliedByList) {
  auto apiVersion = findValue(object, "apiVersion");
  if (!apiVersion || apiVersion->IsNull()) {
    if (impliedByList) return true;
    reader.report(DiagCode::CP4004, kindNode, kind + " has no `apiVersion`",
                  "add `apiVersion: " + expected + "`");
    return false;
  }
  auto text = reader.readString(*apiVersion, "`apiVersion`");
  if (!text) return false;
  if (*text == expected) return true;
  reader.report(DiagCode::CP4004, *apiVersion,
                "unsupported apiVersion `" + *text + "` for " + kind + " (expected `" + expected + "`)",
                "use `apiVersion: " + expected + "`");
  return false;
}

bool isListKind(std::string_view kind) {
  if (kind == kListSuffix) return true;
  if (kind.size() <= kListSuffix.size() || kind.substr(kind.size() - kListSuffix.size()) != kListSuffix) return false;
  return findPolicyKind(kind.substr(0, kind.size() - kListSuffix.size())) != nullptr;
}

void reportUnknownKind(YamlReader& reader, const YAML::Node& kindNode, const std::string& kind) {
  std::string guess = closestMatch(kind, acceptedKindNames());
  reader.report(DiagCode::CP4003, kindNode, "unknown kind `" + kind + "` in a policy file",
                guess.empty() ? "ciliumc imports NetworkPolicy, CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy "
                                "and lists of them"
                              : "did you mean `" + guess + "`?");
}

// One policy object. `impliedByList`: the object is an item of a `<Kind>List`, so it may omit
// apiVersion (and kind, in which case kindNode is the item itself).
void importPolicyObject(YamlReader& reader, const YAML::Node& object, const YAML::Node& kindNode,
                        const std::string& kind, bool impliedByList, PolicySet& out) {
  const PolicyKind* policyKind = findPolicyKind(kind);
  if (!policyKind) {
    reportUnknownKind(reader, kindNode, kind);
    return;
  }
  if (!checkApiVersion(reader, object, kindNode, kind, policyKind->apiVersion, impliedByList)) return;
  if (kind == "NetworkPolicy") importNetworkPolicy(reader, object, kindNode, out);
  else importCiliumPolicy(reader, object, kindNode, kind, out);
}

// The `kind` of an object as text; nullopt (after CP4002/CP4006) when absent or not a string.
std::optional<std::pair<YAML::Node, std::string>> readKind(YamlReader& reader, const YAML::Node& object,
                                                           std::string_view what) {
  auto kindNode = findValue(object, "kind");
  if (!kindNode || kindNode->IsNull()) {
    reader.report(DiagCode::CP4002, object, std::string(what) + " has no `kind`",
                  "a policy starts with `apiVersion:` and `kind:` (NetworkPolicy, CiliumNetworkPolicy, ...)");
    return std::nullopt;
  }
  auto kind = reader.readString(*kindNode, "`kind`");
  if (!kind) return std::nullopt;
  return std::pair{*kindNode, *kind};
}

void importListItem(YamlReader& reader, const YAML::Node& item, const std::string& itemKind, PolicySet& out) {
  if (!item.IsMap()) {
    reader.report(DiagCode::CP4002, item, "a list item must be a Kubernetes object (a mapping), found " +
                                              describeYamlType(item));
    return;
  }
  bool typedList = !itemKind.empty();
  bool hasKind = findValue(item, "kind").has_value();
  if (typedList && !hasKind) {
    importPolicyObject(reader, item, item, itemKind, true, out);
    return;
  }
  auto kind = readKind(reader, item, "list item");
  if (!kind) return;
  if (isListKind(kind->second)) {
    reader.report(DiagCode::CP4003, kind->first, "a list cannot contain another list (`" + kind->second + "`)",
                  "move its items into the outer list");
    return;
  }
  if (typedList && kind->second != itemKind) {
    reader.report(DiagCode::CP4003, kind->first,
                  "item of kind `" + kind->second + "` in a `" + itemKind + "List`",
                  "use `kind: List` for a list of mixed kinds");
    return;
  }
  importPolicyObject(reader, item, kind->first, kind->second, typedList, out);
}

// `kind: List` (items of any policy kind, apiVersion v1) or `<Kind>List` (items of that kind,
// which may omit kind and apiVersion).
void importList(YamlReader& reader, const YAML::Node& object, const YAML::Node& kindNode, const std::string& kind,
                PolicySet& out) {
  std::string itemKind = kind == kListSuffix ? "" : kind.substr(0, kind.size() - kListSuffix.size());
  std::string apiVersion = itemKind.empty() ? "v1" : findPolicyKind(itemKind)->apiVersion;
  bool apiVersionOk = checkApiVersion(reader, object, kindNode, kind, apiVersion, false);
  YamlFields list(reader, object, kind, kListFields);
  auto items = list.require(reader, "items");
  if (!apiVersionOk || !items || !reader.expectSequence(*items, "`items`")) return;
  for (const auto& item : *items) importListItem(reader, item, itemKind, out);
}

void importDocument(YamlReader& reader, const YAML::Node& document, PolicySet& out) {
  if (document.IsNull()) return;  // an empty document (a lone `---`, or only comments)
  if (!document.IsMap()) {
    reader.report(DiagCode::CP4002, document,
                  "a document of a policy file must be a Kubernetes object (a mapping), found " +
                      describeYamlType(document));
    return;
  }
  auto kind = readKind(reader, document, "this document");
  if (!kind) return;
  if (isListKind(kind->second)) importList(reader, document, kind->first, kind->second, out);
  else importPolicyObject(reader, document, kind->first, kind->second, false, out);
}

// yaml-cpp's messages are terse; a tab in the indentation is the most common cause.
std::string syntaxHint(const std::string& text, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return "";
  size_t lineStart = 0;
  for (int line = 0; line < mark.line && lineStart != std::string::npos; ++line) {
    lineStart = text.find('\n', lineStart);
    if (lineStart != std::string::npos) ++lineStart;
  }
  for (size_t i = lineStart; i != std::string::npos && i < text.size() && text[i] != '\n'; ++i) {
    if (text[i] == '\t') return "YAML does not allow tabs for indentation; use spaces";
    if (text[i] != ' ') break;
  }
  return "";
}

}  // namespace

bool importKubernetesPolicies(const std::string& path, const std::string& text, DiagnosticEngine& diags,
                              PolicySet& out) {
  if (!diags.sourceText(path)) diags.addSource(path, text);
  size_t errorsBefore = diags.errorReports();
  YamlReader reader(path, diags);
  PolicySet imported;
  try {
    std::vector<YAML::Node> documents = loadYamlDocuments(text);
    for (const auto& document : documents) importDocument(reader, document, imported);
  } catch (const YAML::Exception& e) {
    reader.reportAt(DiagCode::CP4001, locationFromMark(e.mark, reader.file()), "YAML syntax error: " + e.msg,
                    syntaxHint(text, e.mark));
  } catch (const std::exception& e) {
    reader.reportAt(DiagCode::CP4001, locationFromMark(YAML::Mark::null_mark(), reader.file()),
                    std::string("cannot read the YAML document: ") + e.what());
  }
  if (diags.errorReports() > errorsBefore) return false;
  for (auto& rule : imported.rules) out.rules.push_back(std::move(rule));
  return true;
}

}  // namespace ciliumc

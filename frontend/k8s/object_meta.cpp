#include "frontend/k8s/object_meta.h"

namespace ciliumc {

namespace {

// Every field of Kubernetes' ObjectMeta, so a typo such as `namespce` is caught instead of the
// policy silently landing in `default`.
const std::vector<std::string> kObjectMetaFields = {
    "name",          "generateName",    "namespace",  "selfLink",          "uid",
    "resourceVersion", "generation",    "creationTimestamp", "deletionTimestamp",
    "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
    "managedFields", "clusterName"};

// A DNS-1123 label, as Kubernetes requires for namespace names.
bool isDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto lowerAlnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (size_t i = 0; i < s.size(); ++i) {
    bool edge = i == 0 || i + 1 == s.size();
    if (lowerAlnum(s[i]) || (s[i] == '-' && !edge)) continue;
    return false;
  }
  return true;
}

}  // namespace

std::optional<ObjectMeta> readObjectMeta(YamlReader& reader, const YamlFields& document, bool namespaced,
                                         std::string_view kind) {
  auto metadataNode = document.require(reader, "metadata");
  if (!metadataNode) return std::nullopt;
  YamlFields metadata(reader, *metadataNode, "metadata", kObjectMetaFields);
  if (!metadata.isMapping()) return std::nullopt;

  ObjectMeta meta;
  auto nameNode = metadata.require(reader, "name");
  if (!nameNode) return std::nullopt;
  auto name = reader.readString(*nameNode, "`metadata.name`");
  if (!name) return std::nullopt;
  meta.name = *name;

  auto namespaceNode = metadata.get("namespace");
  if (!namespaced) {
    if (namespaceNode)
      reader.report(DiagCode::CP4104, metadata.keyNode("namespace"),
                    std::string(kind) + " is cluster-wide; `metadata.namespace` is ignored");
    return meta;
  }
  if (!namespaceNode) {
    reader.report(DiagCode::CP4106, *metadataNode,
                  std::string(kind) + " `" + meta.name + "` has no `metadata.namespace`; assuming `" +
                      kDefaultNamespace + "`",
                  "add `namespace: <name>` to metadata");
    meta.namespaceName = kDefaultNamespace;
    return meta;
  }
  auto namespaceName = reader.readString(*namespaceNode, "`metadata.namespace`");
  if (!namespaceName) return std::nullopt;
  if (!isDnsLabel(*namespaceName)) {
    reader.report(DiagCode::CP3006, *namespaceNode, "invalid namespace name `" + *namespaceName + "`",
                  "namespace names are lowercase letters, digits and `-`, at most 63 characters");
    return std::nullopt;
  }
  meta.namespaceName = *namespaceName;
  return meta;
}

}  // namespace ciliumc

// Daemon: policy operations of the API. Documents are validated here, written to etcd, and
// enforced when the etcd watch delivers them (on this node and on every other one), so one path
// implements policy for the whole cluster.
#include <fmt/format.h>

#include "agent/api/request_fields.h"
#include "agent/daemon/cluster_state.h"
#include "agent/daemon/daemon.h"

namespace ciliumc::agent {

namespace {

// Reads {"name","format","text"}; the reply on a malformed request.
std::optional<ApiReply> readDocument(const nlohmann::json& request, PolicyDocument& document) {
  if (auto rejected = rejectUnknownFields(request, {"name", "format", "text"})) return rejected;
  std::optional<ApiReply> error;
  document.name = stringField(request, "name", error, true);
  document.format = stringField(request, "format", error);
  document.text = stringField(request, "text", error, true);
  if (error) return error;
  if (document.format.empty()) document.format = "ciliumc";
  if (auto named = validatePolicyName(document.name); !named) return ApiReply::error(400, named.error().message, "name");
  if (document.format != "ciliumc" && document.format != "yaml")
    return ApiReply::error(400, "`format` must be `ciliumc` (the policy language) or `yaml` (Kubernetes/Cilium)", "format");
  return std::nullopt;
}

nlohmann::json validationJson(const ValidationResult& result) {
  nlohmann::json diagnostics = nlohmann::json::array();
  if (!result.diagnosticsJson.empty()) {
    auto parsed = nlohmann::json::parse(result.diagnosticsJson, nullptr, false);
    if (!parsed.is_discarded() && parsed.contains("diagnostics")) diagnostics = parsed["diagnostics"];
  }
  return {{"valid", result.valid}, {"rules", result.rules}, {"diagnostics", diagnostics}, {"text", result.diagnosticsText}};
}

}  // namespace

ApiReply Daemon::getPolicy() {
  std::lock_guard lock(mutex_);
  nlohmann::json documents = nlohmann::json::array();
  for (const PolicyDocument& document : policies_.documents())
    documents.push_back({{"name", document.name}, {"format", document.format}, {"text", document.text}});
  return ApiReply::ok({{"revision", policies_.revision()}, {"enforced_revision", enforcedRevision_}, {"policies", documents}});
}

ApiReply Daemon::validatePolicy(const nlohmann::json& request) {
  PolicyDocument document;
  if (auto rejected = readDocument(request, document)) return *rejected;
  return ApiReply::ok(validationJson(validatePolicyDocument(document)));
}

ApiReply Daemon::putPolicy(const nlohmann::json& request) {
  PolicyDocument document;
  if (auto rejected = readDocument(request, document)) return *rejected;
  ValidationResult validation = validatePolicyDocument(document);
  if (!validation.valid) {
    ApiReply reply = ApiReply::error(400, "policy `" + document.name + "` does not check:\n" + validation.diagnosticsText, "text");
    reply.body["validation"] = validationJson(validation);
    return reply;
  }
  ClusterState* cluster = currentCluster();
  if (!cluster || !cluster->connected()) return unavailable("storing the policy");
  auto revision = cluster->putPolicy(document);
  if (!revision) return storeFailure("storing the policy", revision.error());
  return ApiReply::ok({{"revision", *revision}, {"rules", validation.rules}});
}

ApiReply Daemon::deletePolicy(const std::string& name) {
  ClusterState* cluster = currentCluster();
  if (!cluster || !cluster->connected()) return unavailable("deleting the policy");
  auto revision = cluster->removePolicy(name);
  if (!revision) return storeFailure("deleting the policy", revision.error());
  if (!*revision) return ApiReply::error(404, "no policy `" + name + "`");
  return ApiReply::ok({{"revision", **revision}});
}

ApiReply Daemon::waitPolicy(int64_t revision, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  bool reached = enforcedChanged_.wait_for(lock, timeout, [&] { return enforcedRevision_ >= revision || stopping_; });
  if (!reached)
    return ApiReply::error(408, fmt::format("revision {} is not enforced after {} ms (enforced: {})", revision,
                                            timeout.count(), enforcedRevision_));
  return ApiReply::ok({{"revision", enforcedRevision_}, {"enforced", true}});
}

}  // namespace ciliumc::agent

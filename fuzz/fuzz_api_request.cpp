// Fuzz target for what ciliumd does with untrusted input before it changes anything: API request
// bodies (JSON parse, strict field reading, label parsing as endpoint creation and label changes
// do it, policy validation) and the values other nodes write to etcd (policy documents, IP cache
// and node entries, identity keys, monitor events as `ciliumctl monitor` reads them). Nothing
// here has side effects: no etcd, no kernel, no files.
// Besides "no crash, no sanitizer report", it checks the contracts of the headers:
//  - every API reply built from the input is an error with a 4xx status and a message, and
//    serializes as JSON (a reply the server cannot send would be a 500 or a dead connection);
//  - rejectUnknownFields rejects exactly the non-objects and the objects with a key outside the
//    known set, and names that key in `field`;
//  - a label the API accepts prints (`toString`) to text that parses back to the same label;
//  - validatePolicyDocument: valid => at least one rule; invalid => a diagnostic text;
//  - each etcd value decoder round-trips through its encoder; an identity key round-trips
//    through identityKey; eventFromJson(eventToJson(e)) gives e back, rendering the same line.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/api/request_fields.h"
#include "agent/identity/identity_allocator.h"
#include "agent/ipcache/ipcache_sync.h"
#include "agent/ipcache/node_registry.h"
#include "agent/monitor/event_format.h"
#include "agent/policy/policy_repository.h"
#include "agent/policy/policy_store.h"
#include "fuzz/invariants.h"
#include "ir/identity.h"
#include "ir/labels.h"

namespace ciliumc::fuzz {
namespace {

using agent::ApiReply;
using nlohmann::json;

// An error reply the API would send for this input: 4xx, a message, and serializable.
void requireClientError(const ApiReply& reply, const char* what) {
  require(reply.status >= 400 && reply.status < 500, "API input errors are 4xx",
          [&] { return std::string(what) + ": status " + std::to_string(reply.status); });
  require(reply.body.is_object() && reply.body.contains("error") && reply.body["error"].is_string() &&
              !reply.body["error"].get<std::string>().empty(),
          "API errors carry a message", [&] { return std::string(what) + ": " + reply.body.dump(); });
  try {
    (void)reply.body.dump(2);
  } catch (const json::exception& error) {
    reportViolation("API replies serialize as JSON", std::string(what) + ": " + error.what());
  }
}

// The body as the API server parses it; an unparsable body must be a clean 400.
std::optional<json> parseBody(const std::string& text) {
  json body;
  if (auto rejected = agent::parseJsonBody(text, body)) {
    requireClientError(*rejected, "parseJsonBody");
    require(rejected->status == 400, "an unparsable body is a 400", [&] { return rejected->body.dump(); });
    return std::nullopt;
  }
  return body;
}

bool rejectedUnknownFieldsCorrectly(const json& body, std::initializer_list<const char*> known) {
  std::optional<ApiReply> rejected = agent::rejectUnknownFields(body, known);
  bool shouldReject = !body.is_object();
  std::string unknownKey;
  if (body.is_object())
    for (const auto& [key, value] : body.items()) {
      (void)value;
      bool isKnown = false;
      for (const char* name : known) isKnown |= key == name;
      if (!isKnown) shouldReject = true;
    }
  require(rejected.has_value() == shouldReject, "rejectUnknownFields rejects exactly unknown keys and non-objects",
          [&] { return body.dump(); });
  if (!rejected) return true;
  requireClientError(*rejected, "rejectUnknownFields");
  if (body.is_object()) {
    std::string field = rejected->body.value("field", "");
    require(body.contains(field), "an unknown field is named in `field`", [&] { return rejected->body.dump(); });
    for (const char* name : known) require(field != name, "`field` names an unknown key", [&] { return field; });
  }
  return false;
}

// The labels of a request as the endpoint API reads them (Label::parse in endpoint context).
void parseLabels(const std::vector<std::string>& texts) {
  for (const std::string& text : texts) {
    auto label = Label::parse(text, LabelContext::Endpoint);
    if (!label) continue;
    std::string printed = label->toString();
    auto again = Label::parse(printed, LabelContext::Endpoint);
    require(again && *again == *label, "a parsed label prints to text that parses back to it",
            [&] { return "input `" + text + "` printed `" + printed + "`"; });
  }
}

// Field readers must fail with a 400 naming the field, or give what the body holds.
void readFields(const json& body, const std::vector<const char*>& strings, const std::vector<const char*>& lists) {
  std::optional<ApiReply> error;
  for (const char* field : strings) (void)agent::stringField(body, field, error, /*required=*/true);
  for (const char* field : lists) parseLabels(agent::stringListField(body, field, error));
  if (error) {
    requireClientError(*error, "field reader");
    require(error->body.contains("field"), "a field error names the field", [&] { return error->body.dump(); });
  }
}

void endpointRequest(const json& body) {
  if (rejectedUnknownFieldsCorrectly(body, {"name", "labels", "netns", "interface", "container_interface"}))
    readFields(body, {"name", "netns", "interface", "container_interface"}, {"labels"});
}

void labelsRequest(const json& body) {
  if (rejectedUnknownFieldsCorrectly(body, {"add", "remove"})) readFields(body, {}, {"add", "remove"});
}

void policyRequest(const json& body) {
  if (!rejectedUnknownFieldsCorrectly(body, {"name", "format", "text"})) return;
  std::optional<ApiReply> error;
  agent::PolicyDocument document;
  document.name = agent::stringField(body, "name", error, true);
  document.format = agent::stringField(body, "format", error);
  document.text = agent::stringField(body, "text", error, true);
  if (error) return requireClientError(*error, "policy document fields");
  if (document.format.empty()) document.format = "ciliumc";
  agent::ValidationResult result = agent::validatePolicyDocument(document);
  require(!result.valid || (result.rules > 0 && agent::validatePolicyName(document.name)),
          "a valid policy document has a valid name and rules", [&] { return document.name; });
  require(result.valid || !result.diagnosticsText.empty(), "an invalid policy document says why",
          [&] { return document.text; });
  if (!result.diagnosticsJson.empty())
    require(!json::parse(result.diagnosticsJson, nullptr, false).is_discarded(), "diagnostics JSON parses",
            [&] { return result.diagnosticsJson; });
  if (!result.valid) requireClientError(ApiReply::error(400, "does not check:\n" + result.diagnosticsText, "text"), "validation");
}

void monitorEvent(const json& body) {
  auto parsed = monitor::eventFromJson(body);
  if (!parsed) return;
  json printed = monitor::eventToJson(parsed->event, parsed->names);
  auto again = monitor::eventFromJson(printed);
  require(static_cast<bool>(again), "eventToJson output is accepted by eventFromJson", [&] { return printed.dump(); });
  monitor::MonitorEvent expected = parsed->event;
  if (!expected.tcpFlags) expected.tcpFlags = again->event.tcpFlags;  // "except tcpFlags when absent"
  require(again->event == expected, "eventFromJson(eventToJson(e)) == e", [&] { return body.dump() + "\n" + printed.dump(); });
  require(monitor::formatEventLine(parsed->event, parsed->names) == monitor::formatEventLine(again->event, again->names),
          "a re-read event renders the same line", [&] { return printed.dump(); });
}

// Values read from etcd: written by other nodes, possibly by another version, possibly garbage.
void etcdValues(const std::string& value) {
  if (auto document = agent::decodePolicyDocument(value))
    require(agent::decodePolicyDocument(agent::encodePolicyDocument(*document)) == document,
            "policy documents round-trip through etcd", [&] { return value; });
  if (auto entry = agent::decodeIpCacheEntry(value)) {
    auto again = agent::decodeIpCacheEntry(agent::encodeIpCacheEntry(*entry));
    require(again && again->ip == entry->ip && again->identity == entry->identity && again->node == entry->node &&
                again->endpoint == entry->endpoint,
            "IP cache entries round-trip through etcd", [&] { return value; });
  }
  if (auto node = agent::decodeNodeEntry(value))
    require(agent::decodeNodeEntry(agent::encodeNodeEntry(*node)) == node, "node entries round-trip through etcd",
            [&] { return value; });
  if (auto labels = agent::parseIdentityKey(value)) {
    std::string key = identityKey(*labels);
    require(agent::parseIdentityKey(key) == labels, "identity keys round-trip", [&] { return value + " -> " + key; });
  }
}

}  // namespace
}  // namespace ciliumc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ciliumc::fuzz;
  const std::string input(reinterpret_cast<const char*>(data), size);
  etcdValues(input);
  std::optional<nlohmann::json> body = parseBody(input);
  if (!body) return 0;
  endpointRequest(*body);
  labelsRequest(*body);
  policyRequest(*body);
  monitorEvent(*body);
  return 0;
}

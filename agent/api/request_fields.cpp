#include "agent/api/request_fields.h"

#include <algorithm>

#include "support/strings.h"

namespace ciliumc::agent {

namespace {

// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string validUtf8(const std::string& text) {
  std::string quoted = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(quoted).get<std::string>();
}

}  // namespace

std::optional<ApiReply> parseJsonBody(const std::string& text, nlohmann::json& body) {
  try {
    body = nlohmann::json::parse(text);
    return std::nullopt;
  } catch (const nlohmann::json::exception& error) {
    return ApiReply::error(400, "the body is not valid JSON: " + validUtf8(error.what()));
  }
}

std::optional<ApiReply> rejectUnknownFields(const nlohmann::json& body, std::initializer_list<const char*> known) {
  if (!body.is_object()) return ApiReply::error(400, "the request body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    (void)value;
    if (std::any_of(known.begin(), known.end(), [&](const char* name) { return key == name; })) continue;
    std::string message = "unknown field `" + key + "`";
    std::string closest = closestMatch(key, std::vector<std::string>(known.begin(), known.end()));
    if (!closest.empty()) message += " (did you mean `" + closest + "`?)";
    std::string names;
    for (const char* name : known) names += (names.empty() ? "" : ", ") + std::string(name);
    return ApiReply::error(400, message + "; known fields: " + names, key);
  }
  return std::nullopt;
}

std::string stringField(const nlohmann::json& body, const char* field, std::optional<ApiReply>& error, bool required) {
  if (error) return {};
  auto found = body.find(field);
  if (found == body.end() || found->is_null()) {
    if (required) error = ApiReply::error(400, std::string("missing field `") + field + "`", field);
    return {};
  }
  if (!found->is_string()) {
    error = ApiReply::error(400, std::string("field `") + field + "` must be a string", field);
    return {};
  }
  return found->get<std::string>();
}

std::vector<std::string> stringListField(const nlohmann::json& body, const char* field, std::optional<ApiReply>& error) {
  std::vector<std::string> values;
  if (error) return values;
  auto found = body.find(field);
  if (found == body.end() || found->is_null()) return values;
  if (!found->is_array()) {
    error = ApiReply::error(400, std::string("field `") + field + "` must be a list of strings", field);
    return values;
  }
  for (size_t i = 0; i < found->size(); ++i) {
    if (!(*found)[i].is_string()) {
      error = ApiReply::error(400, std::string("field `") + field + "[" + std::to_string(i) + "]` must be a string",
                              std::string(field) + "[" + std::to_string(i) + "]");
      return {};
    }
    values.push_back((*found)[i].get<std::string>());
  }
  return values;
}

}  // namespace ciliumc::agent

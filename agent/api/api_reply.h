// The answer of an API operation: an HTTP status and a JSON body. Errors carry
// {"error": message, "field": json path} (docs/agent.md).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace ciliumc::agent {

struct ApiReply {
  int status = 200;
  nlohmann::json body;

  static ApiReply ok(nlohmann::json body, int status = 200) { return {status, std::move(body)}; }
  static ApiReply error(int status, const std::string& message, const std::string& field = "") {
    nlohmann::json body = {{"error", message}};
    if (!field.empty()) body["field"] = field;
    return {status, std::move(body)};
  }
  bool failed() const { return status >= 400; }
};

}  // namespace ciliumc::agent

// Reading a policy file for `policy import` / `policy validate`: the request body
// {"name","format","text"} of PUT /v1/policy and POST /v1/policy/validate.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "support/expected.h"

namespace ciliumc::ctl {

struct PolicyFileRequest {
  std::string name, format, text;
  nlohmann::json toJson() const { return {{"name", name}, {"format", format}, {"text", text}}; }
};

// The wire format ("ciliumc" or "yaml"): `requested` when given (ciliumc, policy, yaml, yml),
// else from the extension (.policy -> ciliumc, .yaml/.yml -> yaml). Errors are usage errors.
Expected<std::string> resolvePolicyFormat(const std::string& path, const std::string& requested);

// Reads the file; `name` empty = the file's stem. Errors: the file cannot be read.
Expected<PolicyFileRequest> readPolicyFile(const std::string& path, const std::string& format,
                                           const std::string& name);

}  // namespace ciliumc::ctl

// Strict reading of API request bodies: the body must be an object, every field must be known
// (a typo is a 400 naming the field and the closest known one), and each field has its type.
#pragma once
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/api/api_reply.h"

namespace ciliumc::agent {

// Parses a request body into `body`: nullopt on success, else the 400 reply naming the
// parser's position. The reply's message is valid UTF-8 even when the body is not (the parser
// quotes the bytes it read last), so it always serializes.
std::optional<ApiReply> parseJsonBody(const std::string& text, nlohmann::json& body);
// nullopt when every key of `body` is in `known`; else the 400 reply.
std::optional<ApiReply> rejectUnknownFields(const nlohmann::json& body, std::initializer_list<const char*> known);
// Reads an optional string field; `error` is set (400) when it is present but not a string.
std::string stringField(const nlohmann::json& body, const char* field, std::optional<ApiReply>& error,
                        bool required = false);
std::vector<std::string> stringListField(const nlohmann::json& body, const char* field, std::optional<ApiReply>& error);

}  // namespace ciliumc::agent

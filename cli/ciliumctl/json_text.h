// Defensive reading of the agent's JSON answers for human output: a missing field or one of an
// unexpected type never crashes ciliumctl, it prints as blank (or as the JSON it is). Only the
// overall shape of an answer (object vs array) is checked strictly, by expectShape.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/expected.h"

namespace ciliumc::ctl {

using nlohmann::json;

// A scalar as text: strings verbatim, numbers and booleans as JSON, null/missing as "".
// Arrays are joined with ", ".
std::string textOf(const json& value);
// object[key] as textOf, "" when `object` is not an object or lacks the key.
std::string field(const json& object, std::string_view key);
// object[key] as a list of texts (one per array element; a scalar is a list of one).
std::vector<std::string> listField(const json& object, std::string_view key);
// object[key] as a bool (false unless it is the JSON literal true).
bool flagField(const json& object, std::string_view key);

// A compiler diagnostic as the agent sends it (ciliumc's JSON diagnostic object: file, line,
// column, severity, code, message, hint) in the compiler's one-line form; strings verbatim.
std::string diagnosticText(const json& diagnostic);

enum class Shape { Object, Array };
// An error naming `what` (e.g. "GET /v1/endpoints") when the answer has the wrong shape.
Expected<bool> expectShape(const json& answer, Shape shape, std::string_view what);

}  // namespace ciliumc::ctl

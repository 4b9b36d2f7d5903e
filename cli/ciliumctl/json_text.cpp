#include "cli/ciliumctl/json_text.h"

namespace ciliumc::ctl {

std::string textOf(const json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string joined;
    for (const json& element : value) {
      if (!joined.empty()) joined += ", ";
      joined += textOf(element);
    }
    return joined;
  }
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string field(const json& object, std::string_view key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it == object.end() ? "" : textOf(*it);
}

std::vector<std::string> listField(const json& object, std::string_view key) {
  std::vector<std::string> list;
  if (!object.is_object()) return list;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return list;
  if (!it->is_array()) return {textOf(*it)};
  for (const json& element : *it) list.push_back(textOf(element));
  return list;
}

bool flagField(const json& object, std::string_view key) {
  if (!object.is_object()) return false;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::string diagnosticText(const json& diagnostic) {
  if (!diagnostic.is_object()) return diagnostic.is_string() ? diagnostic.get<std::string>() : diagnostic.dump();
  auto text = [&](const char* key) {
    auto it = diagnostic.find(key);
    if (it == diagnostic.end() || it->is_null()) return std::string();
    return it->is_string() ? it->get<std::string>() : it->dump();
  };
  std::string location = text("file");
  if (!text("line").empty() && text("line") != "0") location += ":" + text("line") + ":" + text("column");
  std::string severity = text("severity").empty() ? "error" : text("severity");
  std::string code = text("code").empty() ? "" : "[" + text("code") + "]";
  std::string line = (location.empty() ? "" : location + ": ") + severity + code + ": " + text("message");
  if (!text("hint").empty()) line += " (hint: " + text("hint") + ")";
  return line;
}

Expected<bool> expectShape(const json& answer, Shape shape, std::string_view what) {
  bool ok = shape == Shape::Object ? answer.is_object() : answer.is_array();
  if (ok) return true;
  return Error{std::string("malformed answer from ciliumd to ") + std::string(what) + ": expected a JSON " +
               (shape == Shape::Object ? "object" : "array") + ", got " + answer.type_name()};
}

}  // namespace ciliumc::ctl

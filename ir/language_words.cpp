#include "ir/language_words.h"

#include <algorithm>

namespace ciliumc {

const std::vector<std::string>& policyLanguageKeywords() {
  static const std::vector<std::string> kKeywords = {
      "policy", "description", "namespace", "labels", "select",    "ingress",  "egress",
      "allow",  "deny",        "from",      "to",     "on",        "require",  "entity",
      "cidr",   "except",      "in",        "notin",  "none",      "test",     "inventory",
      "policies", "expect"};
  return kKeywords;
}

bool isPolicyLanguageKeyword(std::string_view text) {
  const auto& keywords = policyLanguageKeywords();
  return std::find(keywords.begin(), keywords.end(), text) != keywords.end();
}

namespace {
bool isWordStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool isWordChar(char c) { return isWordStart(c) || c == '.' || c == '-'; }
}  // namespace

// Mirrors the WORD rule of PolicyLang.g4: WORD_START (WORD_CHAR | '/' WORD_CHAR)*.
bool isBareWord(std::string_view text) {
  if (text.empty() || !isWordStart(text[0])) return false;
  for (size_t i = 1; i < text.size(); ++i) {
    if (isWordChar(text[i])) continue;
    if (text[i] == '/' && i + 1 < text.size() && isWordChar(text[i + 1])) continue;
    return false;
  }
  return true;
}

std::string quoteString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  out += '"';
  return out;
}

std::string unquoteString(std::string_view token) {
  if (token.size() >= 2 && token.front() == '"' && token.back() == '"')
    token = token.substr(1, token.size() - 2);
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] != '\\' || i + 1 == token.size()) {
      out += token[i];
      continue;
    }
    char escaped = token[++i];
    switch (escaped) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      default: out += escaped;
    }
  }
  return out;
}

std::string canonicalWord(std::string_view text) {
  if (isBareWord(text) && !isPolicyLanguageKeyword(text)) return std::string(text);
  return quoteString(text);
}

}  // namespace ciliumc

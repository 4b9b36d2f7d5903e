// Words of the policy language: the keyword list, string escapes, and the canonical way to
// write an arbitrary text as a word (bare when the lexer would read it back as one WORD that is
// not a keyword, quoted otherwise). Shared by everything that prints or reads the language: the
// model builder, the formatter and printer (frontend/lang) and the model's own toString()s here
// in ir/. Must agree with the WORD and keyword tokens of frontend/lang/PolicyLang.g4.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace ciliumc {

// Every keyword, in the order docs/language.md lists them. Keywords are soft: they are also
// accepted as names, label keys and values.
const std::vector<std::string>& policyLanguageKeywords();
bool isPolicyLanguageKeyword(std::string_view text);

// Does `text` lex as exactly one WORD token? (`tcp/80`, `app.kubernetes.io/name`, `x/web`)
bool isBareWord(std::string_view text);

// `text` as a STRING token: quotes added, `"` and `\` escaped, control characters as \n \t \r.
std::string quoteString(std::string_view text);
// The content of a STRING token (quotes included in `token`), escapes resolved. Unknown
// escapes keep the escaped character (`\x` -> `x`).
std::string unquoteString(std::string_view token);

// Canonical form of a name, key or value: bare if isBareWord and not a keyword, else quoted.
std::string canonicalWord(std::string_view text);

}  // namespace ciliumc

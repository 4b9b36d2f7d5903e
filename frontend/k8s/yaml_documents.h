// Splitting a multi-document YAML stream into documents without YAML::LoadAll.
// Why: yaml-cpp 0.7 (Debian 12) LoadAll never returns on some malformed input (after certain
// syntax errors its parser yields empty documents forever, eating memory; fixed upstream after
// 0.8.0). A document marker `---` at column 0 always starts a new document, so we split there
// and load each document with YAML::Load, which parses exactly one document.
#pragma once
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace ciliumc {

// Throws YAML::ParserException at the first byte that is not UTF-8 (YAML and JSON are UTF-8
// text; invalid bytes would otherwise flow into names and messages and break JSON output).
void requireUtf8(const std::string& text);

// Each document's text, padded with one newline per line that precedes it in the stream, so
// that yaml-cpp's marks (line numbers) stay those of the whole file. A leading marker-less
// prologue counts as the first document; a stream without markers is one document.
std::vector<std::string> splitYamlDocuments(const std::string& text);

// Loads every document (YAML::Load per document) after requireUtf8. Throws YAML::Exception like YAML::LoadAll.
// Empty documents (e.g. a trailing `---`) are returned as null nodes, as LoadAll does.
std::vector<YAML::Node> loadYamlDocuments(const std::string& text);

}  // namespace ciliumc

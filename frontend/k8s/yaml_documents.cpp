#include "frontend/k8s/yaml_documents.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "support/utf8.h"

namespace ciliumc {

namespace {

bool isDocumentMarker(const std::string& text, size_t lineStart) {
  if (text.compare(lineStart, 3, "---") != 0) return false;
  size_t after = lineStart + 3;
  return after >= text.size() || text[after] == '\n' || text[after] == '\r' || text[after] == ' ' ||
         text[after] == '\t';
}

// Where `document` has content other than blanks, comments, document markers and an explicit
// null (`null`, `~`); a null mark when it has none.
YAML::Mark contentBesidesNull(const std::string& document) {
  int line = 0;
  for (size_t start = 0; start < document.size(); ++line) {
    size_t end = document.find('\n', start);
    if (end == std::string::npos) end = document.size();
    std::string_view text(document.data() + start, end - start);
    size_t column = 0;
    if (text.starts_with("---") || text.starts_with("...")) column = 3;
    column = text.find_first_not_of(" \t\r", column);
    if (column != std::string_view::npos && text[column] != '#') {
      std::string_view word = text.substr(column);
      word = word.substr(0, word.find_first_of(" \t\r#"));
      if (word != "null" && word != "Null" && word != "NULL" && word != "~") {
        YAML::Mark mark;
        mark.line = line;
        mark.column = static_cast<int>(column);
        return mark;
      }
    }
    start = end + 1;
  }
  return YAML::Mark::null_mark();
}

}  // namespace

void requireUtf8(const std::string& text) {
  auto invalid = firstInvalidUtf8(text);
  if (!invalid) return;
  YAML::Mark mark;
  mark.pos = static_cast<int>(*invalid);
  size_t lineStart = text.rfind('\n', *invalid == 0 ? 0 : *invalid - 1);
  lineStart = (lineStart == std::string::npos || *invalid == 0) ? 0 : lineStart + 1;
  mark.line = static_cast<int>(std::count(text.begin(), text.begin() + lineStart, '\n'));
  mark.column = static_cast<int>(*invalid - lineStart);
  throw YAML::ParserException(
      mark, fmt::format("invalid UTF-8 byte 0x{:02X}: YAML and JSON files must be UTF-8 text",
                        static_cast<unsigned char>(text[*invalid])));
}

std::vector<std::string> splitYamlDocuments(const std::string& text) {
  std::vector<std::string> documents;
  size_t documentStart = 0;  // byte offset of the current document's first line
  size_t documentLine = 0;   // its 0-based line number
  size_t line = 0;
  auto finish = [&](size_t end) {
    std::string document(documentLine, '\n');
    document.append(text, documentStart, end - documentStart);
    documents.push_back(std::move(document));
  };
  for (size_t lineStart = 0; lineStart < text.size(); ++line) {
    if (lineStart > 0 && isDocumentMarker(text, lineStart)) {
      finish(lineStart);
      documentStart = lineStart;
      documentLine = line;
    }
    size_t newline = text.find('\n', lineStart);
    if (newline == std::string::npos) break;
    lineStart = newline + 1;
  }
  finish(text.size());
  return documents;
}

std::vector<YAML::Node> loadYamlDocuments(const std::string& text) {
  requireUtf8(text);
  std::vector<YAML::Node> nodes;
  for (const auto& document : splitYamlDocuments(text)) {
    // A chunk that is only a marker, blanks or comments is an empty document; LoadAll drops a
    // stream's empty prologue but keeps empty documents after markers as null nodes.
    YAML::Node node = YAML::Load(document);
    if (node.IsNull()) {
      // yaml-cpp 0.7 returns null, not an error, for some malformed text (a lone `,`): a null
      // document with content is a syntax error, never a silently empty file.
      YAML::Mark content = contentBesidesNull(document);
      if (!content.is_null()) throw YAML::ParserException(content, "this document does not parse as YAML");
    }
    if (!node.IsNull() || document.find("---") != std::string::npos) nodes.push_back(node);
  }
  return nodes;
}

}  // namespace ciliumc

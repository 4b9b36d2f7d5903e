#include "cli/ciliumctl/text_table.h"

#include <algorithm>

namespace ciliumc::ctl {

namespace {

TextTable::Cell splitLines(const std::string& text) {
  TextTable::Cell lines;
  size_t start = 0;
  while (true) {
    size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

size_t rowHeight(const std::vector<TextTable::Cell>& row) {
  size_t height = 1;
  for (const auto& cell : row) height = std::max(height, cell.size());
  return height;
}

}  // namespace

TextTable::TextTable(std::vector<std::string> headers) {
  for (const std::string& header : headers) headers_.push_back(splitLines(header));
}

void TextTable::addRow(std::vector<Cell> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void TextTable::print(std::ostream& out) const {
  std::vector<size_t> widths(headers_.size(), 0);
  auto measure = [&](const std::vector<Cell>& row) {
    for (size_t column = 0; column < row.size(); ++column)
      for (const std::string& line : row[column]) widths[column] = std::max(widths[column], line.size());
  };
  measure(headers_);
  for (const auto& row : rows_) measure(row);

  auto printRow = [&](const std::vector<Cell>& row) {
    for (size_t line = 0; line < rowHeight(row); ++line) {
      std::string text;
      for (size_t column = 0; column < row.size(); ++column) {
        const std::string& cell = line < row[column].size() ? row[column][line] : std::string();
        if (column > 0) text += "   ";
        text += cell;
        if (column + 1 < row.size()) text.append(widths[column] - cell.size(), ' ');
      }
      text.erase(text.find_last_not_of(' ') + 1);
      out << text << '\n';
    }
  };
  printRow(headers_);
  for (const auto& row : rows_) printRow(row);
}

}  // namespace ciliumc::ctl

namespace ciliumc::ctl {

void printFields(std::ostream& out, const FieldList& fields) {
  size_t width = 0;
  for (const auto& [key, lines] : fields) width = std::max(width, key.size() + 1);
  for (const auto& [key, lines] : fields) {
    std::string label = key + ":";
    label.resize(width + 3, ' ');
    if (lines.empty()) {
      out << key << ":\n";
      continue;
    }
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string text = (i == 0 ? label : std::string(width + 3, ' ')) + lines[i];
      text.erase(text.find_last_not_of(' ') + 1);
      out << text << "\n";
    }
  }
}

}  // namespace ciliumc::ctl

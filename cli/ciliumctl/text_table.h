// TextTable: the column-aligned tables ciliumctl prints (cilium-dbg style). A header may span
// several lines ("POLICY (ingress)" over "ENFORCEMENT"); a cell may hold several lines (one label
// per line), and its row grows to fit. Columns are separated by three spaces; no trailing blanks.
#pragma once
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace ciliumc::ctl {

class TextTable {
 public:
  using Cell = std::vector<std::string>;  // lines of one cell; empty = blank

  // Each header is one column; '\n' inside it splits it over several header lines.
  explicit TextTable(std::vector<std::string> headers);
  void addRow(std::vector<Cell> cells);  // missing trailing cells are blank
  void print(std::ostream& out) const;
  size_t rowCount() const { return rows_.size(); }

 private:
  std::vector<Cell> headers_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace ciliumc::ctl

namespace ciliumc::ctl {

// "Key:   value" lines with the values aligned; a value of several lines continues under itself.
using FieldList = std::vector<std::pair<std::string, std::vector<std::string>>>;
void printFields(std::ostream& out, const FieldList& fields);

}  // namespace ciliumc::ctl

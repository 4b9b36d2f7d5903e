// The canonical layout of policy-language text, shared by `fmt` (formatter.cpp) and `convert`
// (printer.cpp) so both produce byte-identical layout: two-space indentation, one statement per
// line, `header {` ... `}` blocks, at most one blank line in a row, none at the start or end of a
// block, and trailing comments two spaces after the statement.
#pragma once
#include <string>
#include <string_view>

namespace ciliumc {

class LayoutWriter {
 public:
  // Asks for one blank line before the next line. Ignored at the start of the file or of a
  // block and before a closing brace; repeated requests collapse into one.
  void blankLine() { blankPending_ = true; }
  void commentLine(std::string_view comment);
  void line(std::string_view text, std::string_view trailingComment = {});
  void openBlock(std::string_view header, std::string_view trailingComment = {});  // "header {"
  void closeBlock(std::string_view trailingComment = {});                           // "}"
  // The text so far, ending with exactly one newline (empty when nothing was written).
  std::string finish() const { return out_; }

 private:
  void startLine();
  void endLine(std::string_view trailingComment);

  std::string out_;
  int depth_ = 0;
  bool blankPending_ = false;
  bool atBlockStart_ = true;  // nothing written yet in the current block (or file)
};

}  // namespace ciliumc

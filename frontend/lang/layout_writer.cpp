#include "frontend/lang/layout_writer.h"

namespace ciliumc {

void LayoutWriter::startLine() {
  if (blankPending_ && !atBlockStart_) out_ += '\n';
  blankPending_ = false;
  atBlockStart_ = false;
  out_.append(static_cast<size_t>(depth_) * 2, ' ');
}

void LayoutWriter::endLine(std::string_view trailingComment) {
  if (!trailingComment.empty()) {
    out_ += "  ";
    out_ += trailingComment;
  }
  out_ += '\n';
}

void LayoutWriter::commentLine(std::string_view comment) {
  startLine();
  out_ += comment;
  out_ += '\n';
}

void LayoutWriter::line(std::string_view text, std::string_view trailingComment) {
  startLine();
  out_ += text;
  endLine(trailingComment);
}

void LayoutWriter::openBlock(std::string_view header, std::string_view trailingComment) {
  startLine();
  out_ += header;
  out_ += " {";
  endLine(trailingComment);
  ++depth_;
  atBlockStart_ = true;
}

void LayoutWriter::closeBlock(std::string_view trailingComment) {
  blankPending_ = false;
  if (depth_ > 0) --depth_;
  startLine();
  out_ += '}';
  endLine(trailingComment);
}

}  // namespace ciliumc

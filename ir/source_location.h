// Where a construct was written: file, 1-based line and column. Carried through every stage so
// diagnostics, explain output and (later) BPF events can name the rule that decided.
#pragma once
#include <memory>
#include <string>

namespace ciliumc {

struct SourceLocation {
  std::shared_ptr<const std::string> file;  // shared: thousands of rules point at one path
  int line = 0;                             // 1-based; 0 = unknown
  int column = 0;                           // 1-based; 0 = unknown

  std::string fileName() const { return file ? *file : std::string("<unknown>"); }
  // "file:line:col" (or "file:line" when the column is unknown).
  std::string toString() const;
};

}  // namespace ciliumc

// Pass-manager flags shared by `ciliumc compile` (and any command that runs the passes):
// --print-passes, --dump-after=PASS (repeatable), --disable-pass=PASS (repeatable).
#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "passes/pass_manager.h"

namespace ciliumc::cli {

class PassFlags {
 public:
  void addTo(CLI::App& command);
  bool printPassesRequested() const { return printPasses_; }
  // The options for runPasses; dumps go to `dumpStream`.
  PassOptions options(std::ostream& dumpStream) const;

 private:
  bool printPasses_ = false;
  std::vector<std::string> dumpAfter_;
  std::vector<std::string> disabled_;
};

}  // namespace ciliumc::cli

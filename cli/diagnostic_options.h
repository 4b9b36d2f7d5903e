// Options shared by every command that reports diagnostics: -W (error, no-<name>), --format,
// --color. They configure one DiagnosticEngine and render it at the end.
#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "frontend/diag/diagnostics.h"

namespace ciliumc::cli {

enum class OutputFormat { Text, Json };

class DiagnosticOptions {
 public:
  // `withFormat`: the command has `--format text|json` (diagnostics then go into the JSON too).
  void addTo(CLI::App& command, bool withFormat);

  // Applies -W options to `diags`; false (after printing a usage error) on an unknown name.
  bool configure(DiagnosticEngine& diags) const;
  OutputFormat format() const { return format_ == "json" ? OutputFormat::Json : OutputFormat::Text; }
  // Human diagnostics to stderr (colored on a terminal unless NO_COLOR is set).
  void printText(const DiagnosticEngine& diags) const;
  // Prints diagnostics in the chosen format: text to stderr, JSON to stdout.
  void print(const DiagnosticEngine& diags) const;

 private:
  std::vector<std::string> warningFlags_;
  std::string format_ = "text";  // validated by CLI11: text or json
  std::string color_ = "auto";
};

// True when stdout/stderr is a terminal and NO_COLOR is unset.
bool useColor(int fd, const std::string& mode);

}  // namespace ciliumc::cli

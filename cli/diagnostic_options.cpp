#include "cli/diagnostic_options.h"

#include <cstdlib>
#include <iostream>
#include <unistd.h>

#include "support/strings.h"

namespace ciliumc::cli {

namespace {

// Every accepted -W spelling without the `-W`: error, no-all, no-<warning name>.
std::vector<std::string> warningSpellings() {
  std::vector<std::string> spellings{"error", "no-all"};
  for (const auto& info : allDiagnostics())
    if (!info.warningName.empty()) spellings.push_back("no-" + std::string(info.warningName));
  return spellings;
}

}  // namespace

void DiagnosticOptions::addTo(CLI::App& command, bool withFormat) {
  command.add_option("-W", warningFlags_,
                     "Warning control: -Werror (warnings are errors), -Wno-<name> (silence one "
                     "warning; `ciliumc help` lists names), -Wno-all")
      ->type_name("SPEC")->allow_extra_args(false);
  if (withFormat)
    command.add_option("--format", format_, "Output format: text (for people) or json (stdout, with format_version)")
        ->transform(CLI::IsMember({"text", "json"}, CLI::ignore_case))
        ->option_text("text|json");
  command.add_option("--color", color_, "Color diagnostics (auto: on a terminal unless NO_COLOR is set)")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->option_text("auto|always|never");
}

bool DiagnosticOptions::configure(DiagnosticEngine& diags) const {
  for (const auto& flag : warningFlags_) {
    if (flag == "error") {
      diags.setWarningsAsErrors(true);
    } else if (flag.starts_with("no-") && diags.disableWarning(flag.substr(3))) {
      continue;
    } else {
      std::string guess = closestMatch(flag, warningSpellings());
      DiagnosticEngine usage;
      usage.report(DiagCode::CP1004, SourceLocation{}, "unknown warning option `-W" + flag + "`",
                   guess.empty() ? "use -Werror or -Wno-<name>; `ciliumc help` lists warning names"
                                 : "did you mean `-W" + guess + "`?");
      printText(usage);
      return false;
    }
  }
  return true;
}

bool useColor(int fd, const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* noColor = std::getenv("NO_COLOR");
  return isatty(fd) && !(noColor && *noColor);
}

void DiagnosticOptions::printText(const DiagnosticEngine& diags) const {
  diags.renderText(std::cerr, useColor(STDERR_FILENO, color_));
}

void DiagnosticOptions::print(const DiagnosticEngine& diags) const {
  if (format() == OutputFormat::Json)
    diags.renderJson(std::cout);
  else
    printText(diags);
}

}  // namespace ciliumc::cli

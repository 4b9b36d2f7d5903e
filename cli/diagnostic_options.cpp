#include "cli/diagnostic_options.h"

#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace ciliumc::cli {

void DiagnosticOptions::addTo(CLI::App& command, bool withFormat) {
  command.add_option("-W", warningFlags_,
                     "Warning control: -Werror (warnings are errors), -Wno-<name> (silence one "
                     "warning; `ciliumc help` lists names), -Wno-all")
      ->type_name("SPEC")->allow_extra_args(false);
  if (withFormat)
    command.add_option("--format", format_, "Output format")
        ->transform(CLI::CheckedTransformer(
            std::map<std::string, OutputFormat>{{"text", OutputFormat::Text}, {"json", OutputFormat::Json}},
            CLI::ignore_case));
  command.add_option("--color", color_, "Color diagnostics: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

bool DiagnosticOptions::configure(DiagnosticEngine& diags) const {
  for (const auto& flag : warningFlags_) {
    if (flag == "error") {
      diags.setWarningsAsErrors(true);
    } else if (flag.starts_with("no-") && diags.disableWarning(flag.substr(3))) {
      continue;
    } else {
      DiagnosticEngine usage;
      usage.report(DiagCode::CP1004, SourceLocation{}, "unknown warning option `-W" + flag + "`",
                   "use -Werror or -Wno-<name>; `ciliumc help` lists warning names");
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
  if (format_ == OutputFormat::Json)
    diags.renderJson(std::cout);
  else
    printText(diags);
}

}  // namespace ciliumc::cli

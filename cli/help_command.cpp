// `ciliumc help [CODE]`: the long explanation of a diagnostic code (like `rustc --explain`), or
// with no code the table of all codes and warning names.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "frontend/diag/diagnostics.h"

namespace ciliumc::cli {

namespace {

const char* severityName(Severity s) { return s == Severity::Error ? "error" : "warning"; }

struct HelpCommand {
  std::string code;

  int run() const {
    if (code.empty()) {
      std::cout << "Diagnostic codes (`ciliumc help CODE` explains one):\n";
      for (const auto& info : allDiagnostics())
        std::cout << fmt::format("  {}  {:<7}  {}{}\n", info.code, severityName(info.severity), info.title,
                                 info.warningName.empty() ? "" : fmt::format("  [-W{}]", info.warningName));
      std::cout << "\nCommands: check, fmt, convert, explain, test (`ciliumc COMMAND --help`).\n";
      return 0;
    }
    auto parsed = diagCodeFromString(code);
    if (!parsed) {
      std::cerr << "ciliumc help: error: unknown diagnostic code `" << code
                << "` (codes look like CP2001; `ciliumc help` lists them)\n";
      return 2;
    }
    const DiagInfo& info = diagInfo(*parsed);
    std::cout << fmt::format("{} ({}): {}\n\n{}\n", info.code, severityName(info.severity), info.title,
                             info.explanation);
    if (!info.warningName.empty())
      std::cout << fmt::format("\nSilence it with -Wno-{}; make it an error with -Werror.\n", info.warningName);
    return 0;
  }
};

}  // namespace

CommandRunner addHelpCommand(CLI::App& app) {
  auto command = std::make_shared<HelpCommand>();
  CLI::App* sub = app.add_subcommand("help", "Explain a diagnostic code (e.g. `ciliumc help CP2001`), or list them all");
  sub->add_option("code", command->code, "A diagnostic code such as CP2001");
  return [command] { return command->run(); };
}

}  // namespace ciliumc::cli

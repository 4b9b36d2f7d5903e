// `ciliumc fmt FILES`: print policy-language files in canonical layout (comments kept).
// --check lists files that are not formatted (exit 1); --diff prints a unified diff;
// --write rewrites files in place (only when they change).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/diagnostic_options.h"
#include "frontend/inputs/input_files.h"
#include "frontend/lang/format_policy.h"
#include "support/line_diff.h"

namespace ciliumc::cli {

namespace {

// Expands directories to the .policy files below them (sorted); files are kept as named.
std::vector<std::string> policyFilesIn(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) { files.push_back(path); continue; }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file() && it->path().extension() == ".policy") found.push_back(it->path().string());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

struct FmtCommand {
  std::vector<std::string> files;
  bool check = false, diff = false, write = false;
  DiagnosticOptions diagnostics;

  int run() {
    DiagnosticEngine diags;
    if (!diagnostics.configure(diags)) return 2;
    int unformatted = 0;
    for (const auto& path : policyFilesIn(files)) {
      auto text = readFileText(path, diags);
      if (!text) continue;
      auto formatted = formatPolicyLanguage(path, *text, diags);
      if (!formatted) continue;
      bool changed = *formatted != *text;
      unformatted += changed;
      if (check) {
        if (changed) std::cout << path << ": not formatted (run `ciliumc fmt --write " << path << "`)\n";
      } else if (diff) {
        std::cout << unifiedDiff(*text, *formatted, path, path + " (formatted)");
      } else if (write) {
        if (changed) {
          std::ofstream out(path, std::ios::binary | std::ios::trunc);
          out << *formatted;
          if (!out) diags.report(DiagCode::CP1001, SourceLocation{std::make_shared<std::string>(path)},
                                 "cannot write the formatted file");
        }
      } else {
        std::cout << *formatted;
      }
    }
    diagnostics.printText(diags);
    if (diags.hasErrors()) return 1;
    return (check || diff) && unformatted > 0 ? 1 : 0;
  }
};

}  // namespace

CommandRunner addFmtCommand(CLI::App& app) {
  auto command = std::make_shared<FmtCommand>();
  CLI::App* sub = app.add_subcommand("fmt", "Format policy-language files (canonical layout, comments kept)");
  sub->add_option("files", command->files, "`.policy` files or directories")->required();
  auto* check = sub->add_flag("--check", command->check, "List files that are not formatted; exit 1 if any");
  auto* diff = sub->add_flag("--diff", command->diff, "Print what formatting would change as a unified diff; exit 1 if any");
  auto* write = sub->add_flag("--write,-w", command->write, "Rewrite the files in place");
  check->excludes(diff)->excludes(write);
  diff->excludes(write);
  command->diagnostics.addTo(*sub, false);
  return [command] { return command->run(); };
}

}  // namespace ciliumc::cli

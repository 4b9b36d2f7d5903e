// `ciliumc convert FILES`: print imported Kubernetes / Cilium YAML (or language files) in the
// policy language. The output passes `check` and is already `fmt`-formatted.
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/diagnostic_options.h"
#include "frontend/inputs/input_files.h"
#include "frontend/lang/print_policy.h"

namespace ciliumc::cli {

namespace {

struct ConvertCommand {
  std::vector<std::string> files;
  std::string output;
  DiagnosticOptions diagnostics;

  int run() {
    DiagnosticEngine diags;
    if (!diagnostics.configure(diags)) return 2;
    PolicySet policies;
    loadPolicyFiles(files, diags, policies);
    diagnostics.printText(diags);
    if (diags.hasErrors()) return 1;
    std::string text = printPolicyLanguage(policies);
    if (output.empty() || output == "-") {
      std::cout << text;
      return 0;
    }
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
      std::cerr << "ciliumc: error: cannot write `" << output << "`\n";
      return 1;
    }
    return 0;
  }
};

}  // namespace

CommandRunner addConvertCommand(CLI::App& app) {
  auto command = std::make_shared<ConvertCommand>();
  CLI::App* sub = app.add_subcommand("convert", "Print Kubernetes/Cilium policy YAML in the policy language");
  sub->add_option("files", command->files, "Policy files (YAML, JSON or .policy)")->required();
  sub->add_option("-o,--output", command->output, "Write to this file instead of stdout")->type_name("FILE");
  command->diagnostics.addTo(*sub, false);
  return [command] { return command->run(); };
}

}  // namespace ciliumc::cli

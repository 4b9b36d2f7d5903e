// `ciliumc check FILES`: parse and semantically check policies, inventories and test files.
// Fast enough for pre-commit hooks: no code generation. With --inventory, also resolves the
// policy IR per endpoint; --emit=policy-ir prints it.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/diagnostic_options.h"
#include "cli/resolve_options.h"
#include "cli/suite_runner.h"
#include "frontend/inputs/input_files.h"

namespace ciliumc::cli {

namespace {

// "ok: 3 policies in 2 files, 1 test suite, 1 inventory"
std::string successLine(const LoadedInputs& inputs) {
  size_t policies = inputs.policies.rules.size(), files = inputs.policyFiles.size(),
         suites = inputs.tests.size(), inventories = inputs.inventoryFiles.size();
  return fmt::format("ok: {} polic{} in {} file{}, {} test suite{}, {} inventor{}\n", policies,
                     policies == 1 ? "y" : "ies", files, files == 1 ? "" : "s", suites, suites == 1 ? "" : "s",
                     inventories, inventories == 1 ? "y" : "ies");
}

struct CheckCommand {
  std::vector<std::string> files;
  std::string inventory;
  std::string emit;
  DiagnosticOptions diagnostics;
  ResolveFlags resolveFlags;

  int run() {
    DiagnosticEngine diags;
    if (!diagnostics.configure(diags)) return 2;
    LoadedInputs inputs;
    loadInputs(files, diags, inputs);
    // Test suites are checked by loading what they name and resolving every probe.
    for (const auto& suite : inputs.tests) {
      auto prepared = prepareSuite(suite, diags, resolveFlags.options());
      if (!prepared) continue;
      for (const auto& testCase : suite.cases) {
        auto probe = makeProbe(prepared->inventory, testCase.from, testCase.to, testCase.protocol, testCase.port);
        if (!probe) diags.report(DiagCode::CP6001, testCase.location, probe.error().message, probe.error().hint);
      }
    }
    // Inventories named among the inputs are checked like everything else (the one given with
    // --inventory is loaded below, once).
    for (const auto& path : inputs.inventoryFiles)
      if (path != inventory) loadInventoryOrReport(path, diags);
    std::optional<Inventory> inv;
    if (!inventory.empty()) inv = loadInventoryOrReport(inventory, diags);
    if (!emit.empty() && !inv) {
      if (!diags.hasErrors()) std::cerr << "ciliumc: error: --emit=policy-ir needs --inventory\n";
      diagnostics.print(diags);
      return diags.hasErrors() ? 1 : 2;
    }
    diagnostics.print(diags);
    if (diags.hasErrors()) return 1;
    if (inv) {
      PolicyIR ir = resolvePolicy(inputs.policies, *inv, resolveFlags.options());
      if (emit == "policy-ir") printPolicyIR(std::cout, ir, *inv);
    }
    if (diagnostics.format() == OutputFormat::Text && emit.empty())
      std::cout << successLine(inputs);
    return 0;
  }
};

}  // namespace

CommandRunner addCheckCommand(CLI::App& app) {
  auto command = std::make_shared<CheckCommand>();
  CLI::App* sub = app.add_subcommand("check", "Parse and check policy, inventory and test files (fast; no code generation)");
  sub->add_option("files", command->files, "Files or directories (.policy, policy YAML/JSON, inventories, test files)")
      ->required();
  sub->add_option("--inventory", command->inventory, "Inventory YAML: also resolve the per-endpoint policy IR")
      ->type_name("FILE");
  sub->add_option("--emit", command->emit, "Print an intermediate form: policy-ir")
      ->check(CLI::IsMember({"policy-ir"}))
      ->option_text("policy-ir");
  command->diagnostics.addTo(*sub, true);
  command->resolveFlags.addTo(*sub);
  return [command] { return command->run(); };
}

}  // namespace ciliumc::cli

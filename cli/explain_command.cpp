// `ciliumc explain FILES --inventory F --from A --to B --proto P --port N`: the verdict of one
// flow, and for each side the rules that decided it (file:line) or the default that applied.
// Answered by the reference evaluator from the same policy IR the back end lowers.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/diagnostic_options.h"
#include "cli/flow_report.h"
#include "cli/probe_options.h"
#include "cli/resolve_options.h"
#include "cli/suite_runner.h"
#include "frontend/inputs/input_files.h"

namespace ciliumc::cli {

namespace {

struct ExplainCommand {
  std::vector<std::string> files;
  std::string inventory, from, to, proto = "tcp", port, icmpType, expect;
  DiagnosticOptions diagnostics;
  ResolveFlags resolveFlags;

  int usageError(const Error& error) const {
    DiagnosticEngine usage;
    usage.report(DiagCode::CP1004, SourceLocation{}, error.message, error.hint);
    diagnostics.printText(usage);
    return 2;
  }

  int run() {
    DiagnosticEngine diags;
    if (!diagnostics.configure(diags)) return 2;
    auto l4 = parseProbeL4(proto, port, icmpType);
    if (!l4) return usageError(l4.error());
    PolicySet policies;
    loadPolicyFiles(files, diags, policies);
    auto inv = loadInventoryOrReport(inventory, diags);
    if (diags.hasErrors() || !inv) {
      diagnostics.print(diags);
      return 1;
    }
    diagnostics.printText(diags);  // warnings, if any, never mix into JSON on stdout
    auto probe = makeProbe(*inv, from, to, l4->protocol, l4->portOrType);
    if (!probe) return usageError(probe.error());
    PolicyIR ir = resolvePolicy(policies, *inv, resolveFlags.options());
    FlowVerdict verdict = evaluateFlow(ir, *probe);
    bool hasExpectation = !expect.empty();
    bool pass = !hasExpectation || expect == verdictName(verdict.verdict);

    if (diagnostics.format() == OutputFormat::Json) {
      nlohmann::json result = flowToJson(ir, *probe, verdict);
      if (hasExpectation) {
        result["expect"] = expect;
        result["pass"] = pass;
      }
      nlohmann::json out = {{"format_version", 1}, {"results", nlohmann::json::array({result})},
                            {"passed", hasExpectation && pass ? 1 : 0},
                            {"failed", hasExpectation && !pass ? 1 : 0}};
      std::cout << out.dump(2) << "\n";
    } else {
      std::cout << fmt::format("{}: {} -> {} {}\n", verdict.verdict == Verdict::Allow ? "ALLOWED" : "DENIED",
                               probe->source.displayName, probe->destination.displayName,
                               probeL4Text(probe->protocol, probe->port));
      for (const auto& line : describeFlow(ir, *probe, verdict)) std::cout << "  " << line << "\n";
      if (hasExpectation && !pass)
        std::cout << fmt::format("expected {}, got {} (--expect {})\n", expect, verdictName(verdict.verdict), expect);
    }
    return pass ? 0 : 1;
  }
};

}  // namespace

CommandRunner addExplainCommand(CLI::App& app) {
  auto command = std::make_shared<ExplainCommand>();
  CLI::App* sub = app.add_subcommand(
      "explain", "Would this flow be allowed, and by which rule? (sender egress AND receiver ingress)");
  sub->add_option("files", command->files, "Policy files (.policy, YAML, JSON)")->required();
  sub->add_option("--inventory", command->inventory, "Inventory YAML (the cluster: namespaces, endpoints, nodes)")
      ->required()
      ->type_name("FILE");
  sub->add_option("--from", command->from, "Sender: namespace/name, endpoint or external name, or IP")
      ->required()
      ->type_name("REF");
  sub->add_option("--to", command->to, "Receiver: namespace/name, endpoint or external name, or IP")
      ->required()
      ->type_name("REF");
  sub->add_option("--proto", command->proto, "tcp, udp, sctp, icmp or icmpv6")
      ->capture_default_str()
      ->type_name("PROTO");
  sub->add_option("--port", command->port, "Destination port (tcp, udp, sctp)")->type_name("PORT");
  sub->add_option("--type", command->icmpType, "ICMP/ICMPv6 type: a number or a name like echo-request")
      ->type_name("TYPE");
  sub->add_option("--expect", command->expect, "Expected verdict; exit 1 when the flow gets the other one")
      ->check(CLI::IsMember({"allow", "deny"}))
      ->option_text("allow|deny");
  command->diagnostics.addTo(*sub, true);
  command->resolveFlags.addTo(*sub);
  return [command] { return command->run(); };
}

}  // namespace ciliumc::cli

// `ciliumctl bpf policy get ENDPOINT`: the endpoint's policy map as the agent loaded it (one row
// per entry: verdict, direction, peer identities and their labels, ports, the deciding rule).
#include <memory>

#include <fmt/format.h>

#include "cli/ciliumctl/commands.h"
#include "cli/ciliumctl/text_table.h"

namespace ciliumc::ctl {

namespace {

std::string capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

void printBpfPolicy(std::ostream& out, const json& view) {
  out << fmt::format("Endpoint {}, policy shape {}\n", field(view, "endpoint"), field(view, "shape"));
  TextTable table({"POLICY", "DIRECTION", "IDENTITIES", "LABELS (source:key[=value])", "PORT/PROTO", "REASON",
                   "RULE"});
  if (view.contains("entries") && view["entries"].is_array())
    for (const json& entry : view["entries"])
      table.addRow({{capitalized(field(entry, "action"))},
                    {capitalized(field(entry, "direction"))},
                    listField(entry, "identities"),
                    labelLines(entry),
                    {field(entry, "ports")},
                    {field(entry, "reason")},
                    {field(entry, "rule")}});
  table.print(out);
}

}  // namespace

void addBpfCommands(CLI::App& app, CtlContext& ctx) {
  CLI::App* bpf = addCommandGroup(app, ctx, "bpf", "Inspect the BPF state the agent loaded");
  CLI::App* policy = addCommandGroup(*bpf, ctx, "policy", "Endpoint policy maps");
  CLI::App* get = policy->add_subcommand("get", "Show an endpoint's policy map");
  auto id = std::make_shared<uint64_t>(0);
  get->add_option("ENDPOINT", *id, "endpoint id")->required();
  get->callback([&ctx, id] {
    ctx.action = [&ctx, id] {
      std::string path = fmt::format("/v1/bpf/policy/{}", *id);
      return ctx.show(ctx.client().get(path), Shape::Object, "GET " + path,
                      [&](const json& answer) { printBpfPolicy(ctx.out, answer); });
    };
  });
}

}  // namespace ciliumc::ctl

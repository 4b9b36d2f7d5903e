// `ciliumctl identity list|get`: the reserved identities and every cluster identity in etcd.
#include <memory>

#include <fmt/format.h>

#include "cli/ciliumctl/commands.h"
#include "cli/ciliumctl/text_table.h"

namespace ciliumc::ctl {

namespace {

void printIdentityTable(std::ostream& out, const json& identities) {
  TextTable table({"ID", "LABELS"});
  for (const json& identity : identities) table.addRow({{field(identity, "id")}, labelLines(identity)});
  table.print(out);
}

}  // namespace

void addIdentityCommands(CLI::App& app, CtlContext& ctx) {
  CLI::App* group = addCommandGroup(app, ctx, "identity", "Show security identities");

  CLI::App* list = group->add_subcommand("list", "List the reserved identities and every cluster identity");
  list->callback([&ctx] {
    ctx.action = [&ctx] {
      return ctx.show(ctx.client().get("/v1/identities"), Shape::Array, "GET /v1/identities",
                      [&](const json& answer) { printIdentityTable(ctx.out, answer); });
    };
  });

  CLI::App* get = group->add_subcommand("get", "Show one identity");
  auto id = std::make_shared<uint64_t>(0);
  get->add_option("ID", *id, "numeric identity")->required();
  get->callback([&ctx, id] {
    ctx.action = [&ctx, id] {
      std::string path = fmt::format("/v1/identities/{}", *id);
      return ctx.show(ctx.client().get(path), Shape::Object, "GET " + path,
                      [&](const json& answer) { printIdentityTable(ctx.out, json::array({answer})); });
    };
  });
}

}  // namespace ciliumc::ctl

// `ciliumctl ipam list`: the node's address pools and who holds each address.
#include "cli/ciliumctl/commands.h"
#include "cli/ciliumctl/text_table.h"

namespace ciliumc::ctl {

namespace {

void printIpam(std::ostream& out, const json& answer) {
  TextTable table({"POOL", "IP", "OWNER"});
  for (const char* family : {"ipv4", "ipv6"}) {
    if (!answer.contains(family) || !answer[family].is_object()) continue;
    const json& pool = answer[family];
    std::string cidr = field(pool, "cidr");
    if (!pool.contains("allocated") || !pool["allocated"].is_array() || pool["allocated"].empty()) {
      table.addRow({{cidr}, {}, {}});
      continue;
    }
    for (const json& allocation : pool["allocated"])
      table.addRow({{cidr}, {field(allocation, "ip")}, {field(allocation, "owner")}});
  }
  table.print(out);
}

}  // namespace

void addIpamCommands(CLI::App& app, CtlContext& ctx) {
  CLI::App* group = addCommandGroup(app, ctx, "ipam", "The node's address pools");
  CLI::App* list = group->add_subcommand("list", "List each pool's allocated addresses and their owners");
  list->callback([&ctx] {
    ctx.action = [&ctx] {
      return ctx.show(ctx.client().get("/v1/ipam"), Shape::Object, "GET /v1/ipam",
                      [&](const json& answer) { printIpam(ctx.out, answer); });
    };
  });
}

}  // namespace ciliumc::ctl

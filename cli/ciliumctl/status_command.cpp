// `ciliumctl status`: GET /v1/status as a summary (cilium-dbg status style).
#include <fmt/format.h>

#include "cli/ciliumctl/commands.h"
#include "cli/ciliumctl/text_table.h"

namespace ciliumc::ctl {

namespace {

void printStatus(std::ostream& out, const json& status) {
  const json& etcd = status.contains("etcd") ? status["etcd"] : json();
  const json& endpoints = status.contains("endpoints") ? status["endpoints"] : json();
  std::string etcdLine = field(etcd, "state");
  if (auto servers = field(etcd, "endpoints"); !servers.empty()) etcdLine += "   " + servers;
  std::string revision = field(status, "policy_revision");
  if (auto enforced = field(status, "enforced_revision"); !enforced.empty())
    revision += fmt::format(" (enforced: {})", enforced);
  printFields(out, {
                       {"Node", {field(status, "node")}},
                       {"KVStore (etcd)", {etcdLine}},
                       {"Endpoints", {fmt::format("{}/{} ready", field(endpoints, "ready"), field(endpoints, "total"))}},
                       {"Policy revision", {revision}},
                       {"Identities", {field(status, "identities")}},
                       {"Version", {field(status, "version")}},
                   });
}

}  // namespace

void addStatusCommand(CLI::App& app, CtlContext& ctx) {
  CLI::App* status = app.add_subcommand("status", "Show the agent's state: node, etcd, endpoints, policy revision");
  status->callback([&ctx] {
    ctx.action = [&ctx] {
      return ctx.show(ctx.client().get("/v1/status"), Shape::Object, "GET /v1/status",
                      [&](const json& answer) { printStatus(ctx.out, answer); });
    };
  });
}

}  // namespace ciliumc::ctl

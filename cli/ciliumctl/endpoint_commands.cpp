// `ciliumctl endpoint list|get|create|delete|labels`: the agent's /v1/endpoints resource.
#include <memory>

#include <fmt/format.h>

#include "cli/ciliumctl/commands.h"
#include "cli/ciliumctl/text_table.h"

namespace ciliumc::ctl {

std::vector<std::string> labelLines(const json& object, std::string_view key) { return listField(object, key); }

namespace {

std::string enforcement(const json& endpoint, const char* direction) {
  if (!endpoint.is_object() || !endpoint.contains("enforcement")) return "";
  return flagField(endpoint["enforcement"], direction) ? "Enabled" : "Disabled";
}

void printEndpointTable(std::ostream& out, const json& endpoints) {
  TextTable table({"ENDPOINT", "POLICY (ingress)\nENFORCEMENT", "POLICY (egress)\nENFORCEMENT", "IDENTITY",
                   "LABELS (source:key[=value])", "IPv6", "IPv4", "STATUS"});
  for (const json& endpoint : endpoints)
    table.addRow({{field(endpoint, "id")},
                  {enforcement(endpoint, "ingress")},
                  {enforcement(endpoint, "egress")},
                  {field(endpoint, "identity")},
                  labelLines(endpoint),
                  {field(endpoint, "ipv6")},
                  {field(endpoint, "ipv4")},
                  {field(endpoint, "state")}});
  table.print(out);
}

void printEndpointDetails(std::ostream& out, const json& endpoint) {
  std::string interface = field(endpoint, "interface");
  if (auto peer = field(endpoint, "container_interface"); !peer.empty()) interface += fmt::format(" (peer {})", peer);
  printFields(out, {
                       {"ID", {field(endpoint, "id")}},
                       {"Name", {field(endpoint, "name")}},
                       {"State", {field(endpoint, "state")}},
                       {"Identity", {field(endpoint, "identity")}},
                       {"Labels", labelLines(endpoint)},
                       {"IPv4", {field(endpoint, "ipv4")}},
                       {"IPv6", {field(endpoint, "ipv6")}},
                       {"Interface", {interface}},
                       {"Netns", {field(endpoint, "netns")}},
                       {"Policy revision", {field(endpoint, "policy_revision")}},
                       {"Enforcement", {fmt::format("ingress {}, egress {}", enforcement(endpoint, "ingress"),
                                                    enforcement(endpoint, "egress"))}},
                   });
}

std::string endpointPath(uint64_t id) { return fmt::format("/v1/endpoints/{}", id); }

void addList(CLI::App& group, CtlContext& ctx) {
  CLI::App* list = group.add_subcommand("list", "List the node's endpoints");
  list->callback([&ctx] {
    ctx.action = [&ctx] {
      return ctx.show(ctx.client().get("/v1/endpoints"), Shape::Array, "GET /v1/endpoints",
                      [&](const json& answer) { printEndpointTable(ctx.out, answer); });
    };
  });
}

void addGet(CLI::App& group, CtlContext& ctx) {
  CLI::App* get = group.add_subcommand("get", "Show one endpoint");
  auto id = std::make_shared<uint64_t>(0);
  get->add_option("ID", *id, "endpoint id")->required();
  get->callback([&ctx, id] {
    ctx.action = [&ctx, id] {
      return ctx.show(ctx.client().get(endpointPath(*id)), Shape::Object, "GET " + endpointPath(*id),
                      [&](const json& answer) { printEndpointDetails(ctx.out, answer); });
    };
  });
}

struct CreateOptions {
  std::string name, netns, interface, containerInterface;
  std::vector<std::string> labels;
};

void addCreate(CLI::App& group, CtlContext& ctx) {
  CLI::App* create = group.add_subcommand(
      "create", "Create an endpoint on an existing veth pair; answers once its policy is enforced");
  auto options = std::make_shared<CreateOptions>();
  create->add_option("--name", options->name, "endpoint name")->required();
  create->add_option("--labels", options->labels, "labels, source:key=value (comma-separated or repeated)")
      ->delimiter(',');
  create->add_option("--netns", options->netns, "the endpoint's network namespace (name or /var/run/netns/NAME)")
      ->required();
  create->add_option("--interface", options->interface, "host side of the veth pair (in the node's namespace)")
      ->required();
  create->add_option("--container-interface", options->containerInterface,
                     "the veth peer inside the namespace (default eth0)");
  create->callback([&ctx, options] {
    ctx.action = [&ctx, options] {
      json request = {{"name", options->name},
                      {"labels", options->labels},
                      {"netns", options->netns},
                      {"interface", options->interface}};
      if (!options->containerInterface.empty()) request["container_interface"] = options->containerInterface;
      return ctx.show(ctx.client().put("/v1/endpoints", request), Shape::Object, "PUT /v1/endpoints",
                      [&](const json& answer) {
                        ctx.out << fmt::format("Endpoint {} created\n", field(answer, "id"));
                        printEndpointDetails(ctx.out, answer);
                      });
    };
  });
}

void addDelete(CLI::App& group, CtlContext& ctx) {
  CLI::App* remove = group.add_subcommand("delete", "Delete an endpoint (detach its programs, release its addresses)");
  auto id = std::make_shared<uint64_t>(0);
  remove->add_option("ID", *id, "endpoint id")->required();
  remove->callback([&ctx, id] {
    ctx.action = [&ctx, id] {
      return ctx.show(ctx.client().remove(endpointPath(*id)), Shape::Object, "DELETE " + endpointPath(*id),
                      [&](const json& answer) {
                        std::string deleted = field(answer, "deleted");
                        ctx.out << fmt::format("Endpoint {} deleted\n", deleted.empty() ? std::to_string(*id) : deleted);
                      });
    };
  });
}

struct LabelOptions {
  uint64_t id = 0;
  std::vector<std::string> add, remove;
};

void addLabels(CLI::App& group, CtlContext& ctx) {
  CLI::App* labels = group.add_subcommand("labels", "Add or remove an endpoint's labels (its identity follows)");
  auto options = std::make_shared<LabelOptions>();
  labels->add_option("ID", options->id, "endpoint id")->required();
  labels->add_option("--add", options->add, "labels to add (comma-separated or repeated)")->delimiter(',');
  labels->add_option("--remove", options->remove, "labels to remove (comma-separated or repeated)")->delimiter(',');
  labels->callback([&ctx, options] {
    ctx.action = [&ctx, options] {
      if (options->add.empty() && options->remove.empty())
        return ctx.usageError("endpoint labels needs --add or --remove");
      std::string path = endpointPath(options->id) + "/labels";
      return ctx.show(ctx.client().patch(path, {{"add", options->add}, {"remove", options->remove}}), Shape::Object,
                      "PATCH " + path, [&](const json& answer) {
                        printFields(ctx.out, {{"Endpoint", {field(answer, "id")}},
                                              {"Identity", {field(answer, "identity")}},
                                              {"Labels", labelLines(answer)},
                                              {"State", {field(answer, "state")}}});
                      });
    };
  });
}

}  // namespace

void addEndpointCommands(CLI::App& app, CtlContext& ctx) {
  CLI::App* group = addCommandGroup(app, ctx, "endpoint", "Manage the node's endpoints");
  addList(*group, ctx);
  addGet(*group, ctx);
  addCreate(*group, ctx);
  addDelete(*group, ctx);
  addLabels(*group, ctx);
}

}  // namespace ciliumc::ctl

// `ciliumctl policy import|get|delete|wait|validate`: the policy repository kept in etcd.
// Changes print `Revision: N`, the revision `policy wait` takes.
#include <memory>
#include <variant>

#include <fmt/format.h>

#include "cli/ciliumctl/commands.h"
#include "cli/ciliumctl/policy_file.h"

namespace ciliumc::ctl {

namespace {

void printRevision(std::ostream& out, const json& answer) { out << "Revision: " << field(answer, "revision") << "\n"; }

struct FileOptions {
  std::string file, name, format;
};

// The request body for a policy file, or the exit code of the error already reported.
std::variant<PolicyFileRequest, int> policyRequest(const CtlContext& ctx, const FileOptions& options) {
  auto format = resolvePolicyFormat(options.file, options.format);
  if (!format) return ctx.usageError(format.error().message);
  auto request = readPolicyFile(options.file, *format, options.name);
  if (!request) return ctx.fail(request.error());
  return *request;
}

void addFileOptions(CLI::App& command, FileOptions& options) {
  command.add_option("FILE", options.file, "policy file: our language (.policy) or Kubernetes YAML (.yaml/.yml)")
      ->required();
  command.add_option("--name", options.name, "policy name (default: the file name without its extension)");
  command.add_option("--format", options.format, "ciliumc or yaml (default: from the file's extension)");
}

void addImport(CLI::App& group, CtlContext& ctx) {
  CLI::App* import = group.add_subcommand("import", "Import (add or replace) a policy; prints the new revision");
  auto options = std::make_shared<FileOptions>();
  addFileOptions(*import, *options);
  import->callback([&ctx, options] {
    ctx.action = [&ctx, options] {
      auto request = policyRequest(ctx, *options);
      if (auto* exitCode = std::get_if<int>(&request)) return *exitCode;
      return ctx.show(ctx.client().put("/v1/policy", std::get<PolicyFileRequest>(request).toJson()), Shape::Object,
                      "PUT /v1/policy", [&](const json& answer) { printRevision(ctx.out, answer); });
    };
  });
}

void addValidate(CLI::App& group, CtlContext& ctx) {
  CLI::App* validate = group.add_subcommand("validate", "Check a policy file with the agent without importing it");
  auto options = std::make_shared<FileOptions>();
  addFileOptions(*validate, *options);
  validate->callback([&ctx, options] {
    ctx.action = [&ctx, options] {
      auto request = policyRequest(ctx, *options);
      if (auto* exitCode = std::get_if<int>(&request)) return *exitCode;
      const PolicyFileRequest& body = std::get<PolicyFileRequest>(request);
      auto answer = ctx.client().post("/v1/policy/validate", body.toJson());
      int shown = ctx.show(answer, Shape::Object, "POST /v1/policy/validate", [&](const json& result) {
        // The compiler's rendering (source line, caret, hint) when the agent sends it, else one
        // line per diagnostic.
        if (std::string rendered = field(result, "text"); !rendered.empty()) {
          ctx.out << rendered << (rendered.back() == '\n' ? "" : "\n");
        } else if (result.contains("diagnostics") && result["diagnostics"].is_array()) {
          for (const json& diagnostic : result["diagnostics"]) ctx.out << diagnosticText(diagnostic) << "\n";
        }
        if (flagField(result, "valid")) ctx.out << fmt::format("Policy {} is valid\n", body.name);
      });
      if (shown != kExitOk) return shown;
      if (!flagField(*answer, "valid")) {
        ctx.err << fmt::format("Error: policy {} is not valid\n", body.name);
        return kExitFailure;
      }
      return kExitOk;
    };
  });
}

void printPolicies(std::ostream& out, const json& answer, const std::string& only) {
  if (answer.contains("policies") && answer["policies"].is_array())
    for (const json& policy : answer["policies"]) {
      if (!only.empty() && field(policy, "name") != only) continue;
      std::string text = field(policy, "text");
      if (!text.empty() && text.back() != '\n') text += '\n';
      out << fmt::format("# {} ({})\n{}\n", field(policy, "name"), field(policy, "format"), text);
    }
  printRevision(out, answer);
}

void addGet(CLI::App& group, CtlContext& ctx) {
  CLI::App* get = group.add_subcommand("get", "Show the imported policies (or one of them) and the revision");
  auto name = std::make_shared<std::string>();
  get->add_option("NAME", *name, "show only this policy");
  get->callback([&ctx, name] {
    ctx.action = [&ctx, name] {
      auto answer = ctx.client().get("/v1/policy");
      if (answer && !name->empty()) {
        bool found = false;
        if (answer->is_object() && answer->contains("policies") && (*answer)["policies"].is_array())
          for (const json& policy : (*answer)["policies"]) found = found || field(policy, "name") == *name;
        if (!found) return ctx.fail(Error{fmt::format("no policy named `{}` is imported", *name)});
      }
      return ctx.show(answer, Shape::Object, "GET /v1/policy",
                      [&](const json& policies) { printPolicies(ctx.out, policies, *name); });
    };
  });
}

void addDelete(CLI::App& group, CtlContext& ctx) {
  CLI::App* remove = group.add_subcommand("delete", "Delete a policy; prints the new revision");
  auto name = std::make_shared<std::string>();
  remove->add_option("NAME", *name, "policy name")->required();
  remove->callback([&ctx, name] {
    ctx.action = [&ctx, name] {
      std::string path = "/v1/policy/" + urlSegment(*name);
      return ctx.show(ctx.client().remove(path), Shape::Object, "DELETE " + path,
                      [&](const json& answer) { printRevision(ctx.out, answer); });
    };
  });
}

struct WaitOptions {
  uint64_t revision = 0;
  unsigned timeoutSeconds = 60;
};

void addWait(CLI::App& group, CtlContext& ctx) {
  CLI::App* wait = group.add_subcommand("wait", "Block until the agent enforces every policy change up to REV");
  auto options = std::make_shared<WaitOptions>();
  wait->add_option("REV", options->revision, "policy revision (from policy import/delete)")->required();
  wait->add_option("--timeout", options->timeoutSeconds, "give up after this many seconds")
      ->capture_default_str()
      ->check(CLI::Range(1u, 3600u));  // the agent accepts up to an hour
  wait->callback([&ctx, options] {
    ctx.action = [&ctx, options] {
      std::string path =
          fmt::format("/v1/policy/wait?revision={}&timeout={}", options->revision, options->timeoutSeconds);
      // The agent answers 408 at the timeout; allow it some slack before giving up on it.
      auto client = ctx.client(std::chrono::seconds(options->timeoutSeconds + 15));
      return ctx.show(client.get(path), Shape::Object, "GET /v1/policy/wait",
                      [&](const json& answer) { printRevision(ctx.out, answer); });
    };
  });
}

}  // namespace

void addPolicyCommands(CLI::App& app, CtlContext& ctx) {
  CLI::App* group = addCommandGroup(app, ctx, "policy", "Manage the cluster's policies (kept in etcd)");
  addImport(*group, ctx);
  addGet(*group, ctx);
  addDelete(*group, ctx);
  addWait(*group, ctx);
  addValidate(*group, ctx);
}

}  // namespace ciliumc::ctl

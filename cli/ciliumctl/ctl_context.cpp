#include "cli/ciliumctl/ctl_context.h"

#include "cli/ciliumctl/commands.h"

namespace ciliumc::ctl {

int CtlContext::fail(const Error& error) const {
  err << "Error: " << error.message << "\n";
  return kExitFailure;
}

int CtlContext::usageError(const std::string& message) const {
  err << "Error: " << message << "\nRun with --help for more information.\n";
  return kExitUsage;
}

int CtlContext::show(const Expected<nlohmann::json>& answer, Shape shape, std::string_view what,
                     const std::function<void(const nlohmann::json&)>& human) const {
  if (!answer) return fail(answer.error());
  if (auto shaped = expectShape(*answer, shape, what); !shaped) return fail(shaped.error());
  if (json()) {
    out << answer->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    human(*answer);
  }
  return kExitOk;
}

CLI::App* addCommandGroup(CLI::App& parent, CtlContext& ctx, const std::string& name,
                          const std::string& description) {
  CLI::App* group = parent.add_subcommand(name, description);
  // Runs after the callbacks of the group's subcommands: no action chosen means none was given.
  group->callback([&ctx, group] {
    if (ctx.action) return;
    std::string names;
    for (const CLI::App* sub : group->get_subcommands({})) names += (names.empty() ? "" : ", ") + sub->get_name();
    std::string path = group->get_name();
    for (const CLI::App* up = group->get_parent(); up && up->get_parent(); up = up->get_parent())
      path = up->get_name() + " " + path;
    ctx.action = [&ctx, path, names] { return ctx.usageError(path + " needs a subcommand: " + names); };
  });
  return group;
}

}  // namespace ciliumc::ctl

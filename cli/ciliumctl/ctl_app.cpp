#include "cli/ciliumctl/ctl_app.h"

#include "cli/ciliumctl/commands.h"

namespace ciliumc::ctl {

int runCiliumctl(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CtlContext ctx(out, err);
  CLI::App app{"ciliumctl: the command line client of ciliumd, the ciliumc node agent"};
  app.name("ciliumctl");
  // Global options are accepted after the subcommand too (`ciliumctl endpoint list -o json`).
  app.fallthrough();
  app.add_option("--socket", ctx.socket, "the agent's API socket")
      ->envname("CILIUMD_SOCKET")
      ->capture_default_str();
  app.add_option("-o,--output", ctx.output, "output format: table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();

  addStatusCommand(app, ctx);
  addEndpointCommands(app, ctx);
  addIdentityCommands(app, ctx);
  addPolicyCommands(app, ctx);
  addMonitorCommand(app, ctx);
  addBpfCommands(app, ctx);
  addIpamCommands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return kExitUsage;
  }
  if (!ctx.action)
    return ctx.usageError("a command is required: status, endpoint, identity, policy, monitor, bpf or ipam");
  return ctx.action();
}

}  // namespace ciliumc::ctl

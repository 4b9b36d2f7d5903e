// ciliumc: network policy compiler. Wires the subcommands; each lives in its own file.
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace ciliumc::cli;
  CLI::App app{"ciliumc — compiles label-selector network policy (our language, Kubernetes "
               "NetworkPolicy, CiliumNetworkPolicy) to BPF; checks, formats, explains and tests it."};
  app.name("ciliumc");
  app.set_version_flag("--version", std::string("ciliumc 0.1.0"));
  app.require_subcommand(1);
  app.fallthrough(false);

  std::vector<std::pair<std::string, CommandRunner>> runners;
  runners.emplace_back("check", addCheckCommand(app));
  runners.emplace_back("fmt", addFmtCommand(app));
  runners.emplace_back("convert", addConvertCommand(app));
  runners.emplace_back("explain", addExplainCommand(app));
  runners.emplace_back("test", addTestCommand(app));
  runners.emplace_back("help", addHelpCommand(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  for (auto& [name, run] : runners)
    if (app.got_subcommand(name)) return run();
  return 2;
}

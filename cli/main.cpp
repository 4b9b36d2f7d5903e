// ciliumc: network policy compiler. Wires the subcommands; each lives in its own file.
#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "support/strings.h"

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
  runners.emplace_back("compile", addCompileCommand(app));
  runners.emplace_back("test", addTestCommand(app));
  runners.emplace_back("load", addLoadCommand(app));
  runners.emplace_back("unload", addUnloadCommand(app));
  runners.emplace_back("help", addHelpCommand(app));

  // CLI11 would call an unknown first word a missing subcommand; name it and suggest one.
  std::vector<std::string> names;
  for (const auto& entry : runners) names.push_back(entry.first);
  if (argc > 1 && argv[1][0] != '-' && std::find(names.begin(), names.end(), argv[1]) == names.end()) {
    std::string guess = ciliumc::closestMatch(argv[1], names);
    std::cerr << "ciliumc: error: unknown command `" << argv[1] << "`"
              << (guess.empty() ? "" : " (did you mean `" + guess + "`?)")
              << "; commands: check, fmt, convert, explain, compile, test, load, unload, help (`ciliumc --help`)\n";
    return 2;
  }

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

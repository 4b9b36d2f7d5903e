// The subcommands of `ciliumc`. Each file cli/<name>_command.cpp defines one: it adds its
// options to a CLI11 subcommand and returns a runner that yields the process exit code
// (0 success, 1 errors or failed tests, 2 usage errors).
#pragma once
#include <functional>

#include <CLI/CLI.hpp>

namespace ciliumc::cli {

using CommandRunner = std::function<int()>;

CommandRunner addCheckCommand(CLI::App& app);
CommandRunner addFmtCommand(CLI::App& app);
CommandRunner addConvertCommand(CLI::App& app);
CommandRunner addExplainCommand(CLI::App& app);
CommandRunner addTestCommand(CLI::App& app);
CommandRunner addCompileCommand(CLI::App& app);
CommandRunner addLoadCommand(CLI::App& app);
CommandRunner addUnloadCommand(CLI::App& app);
CommandRunner addHelpCommand(CLI::App& app);

}  // namespace ciliumc::cli

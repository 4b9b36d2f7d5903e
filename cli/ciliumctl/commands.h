// One function per command group; each adds its subcommands to the ciliumctl app. A parsed
// subcommand stores its work in ctx.action (run after parsing, so usage errors come first).
#pragma once
#include <CLI/CLI.hpp>

#include "cli/ciliumctl/ctl_context.h"

namespace ciliumc::ctl {

void addStatusCommand(CLI::App& app, CtlContext& ctx);
void addEndpointCommands(CLI::App& app, CtlContext& ctx);
void addIdentityCommands(CLI::App& app, CtlContext& ctx);
void addPolicyCommands(CLI::App& app, CtlContext& ctx);
void addMonitorCommand(CLI::App& app, CtlContext& ctx);
void addBpfCommands(CLI::App& app, CtlContext& ctx);
void addIpamCommands(CLI::App& app, CtlContext& ctx);

// A command group (`endpoint`, `policy`, `bpf policy`, ...): given without one of its
// subcommands it is a usage error naming them; an unknown word after it is CLI11's "not expected".
CLI::App* addCommandGroup(CLI::App& parent, CtlContext& ctx, const std::string& name, const std::string& description);

// Labels as one cell line each, the way cilium-dbg lists them.
std::vector<std::string> labelLines(const nlohmann::json& object, std::string_view key = "labels");

}  // namespace ciliumc::ctl

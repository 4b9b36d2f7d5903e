// CtlContext: what every ciliumctl command shares: the global options (socket, output format),
// the output streams, and the action the parsed command selected.
// Exit codes: 0 success, 1 the agent or the request failed, 2 usage error.
#pragma once
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli/ciliumctl/agent_client.h"
#include "cli/ciliumctl/json_text.h"
#include "support/expected.h"

namespace ciliumc::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct CtlContext {
  CtlContext(std::ostream& out, std::ostream& err) : out(out), err(err) {}

  std::string socket = kDefaultSocket;
  std::string output = "table";
  std::ostream& out;
  std::ostream& err;
  std::function<int()> action;  // set by the callback of the subcommand that was parsed

  bool json() const { return output == "json"; }
  AgentClient client(std::chrono::seconds timeout = std::chrono::seconds(120)) const {
    return AgentClient(socket, timeout);
  }

  // "Error: <message>" on err; answers kExitFailure.
  int fail(const Error& error) const;
  // "Error: <message>" on err; answers kExitUsage.
  int usageError(const std::string& message) const;
  // The agent's answer: pretty JSON with -o json, else `human(answer)` once its shape is checked.
  int show(const Expected<nlohmann::json>& answer, Shape shape, std::string_view what,
           const std::function<void(const nlohmann::json&)>& human) const;
};

}  // namespace ciliumc::ctl

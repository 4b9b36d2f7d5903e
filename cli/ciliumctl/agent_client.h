// AgentClient: ciliumctl's side of the agent's HTTP/JSON API (docs/agent.md) over its Unix socket.
// Contract:
// - Every call answers the agent's JSON body on a 2xx, or one Error whose message is ready to
//   print: agent not running (naming the socket and how to start ciliumd), the agent's own
//   "error" (+ "field", + any "diagnostics") for a 4xx/5xx, or "malformed answer" when the body
//   is not JSON. Nothing throws.
// - stream() reads a chunked answer of JSON lines (GET /v1/monitor) and hands each complete line
//   to onLine until the agent closes the stream, onLine returns false, or stopStreaming() is
//   called (async-signal-safe: ciliumctl calls it from its SIGINT handler).
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "support/expected.h"

namespace ciliumc::ctl {

inline constexpr const char* kDefaultSocket = "/var/run/ciliumc/ciliumd.sock";

class AgentClient {
 public:
  // `timeout`: how long one answer may take (endpoint creation waits for enforcement).
  explicit AgentClient(std::string socketPath, std::chrono::seconds timeout = std::chrono::seconds(120))
      : socket_(std::move(socketPath)), timeout_(timeout) {}

  Expected<nlohmann::json> get(const std::string& path) const;
  Expected<nlohmann::json> put(const std::string& path, const nlohmann::json& body) const;
  Expected<nlohmann::json> post(const std::string& path, const nlohmann::json& body) const;
  Expected<nlohmann::json> patch(const std::string& path, const nlohmann::json& body) const;
  Expected<nlohmann::json> remove(const std::string& path) const;  // DELETE

  // Ok when the stream ended (closed by the agent, by onLine, or by stopStreaming()). onStart
  // runs once the agent accepted the stream (a 2xx), before the first line.
  Expected<bool> stream(const std::string& path, const std::function<bool(std::string_view line)>& onLine,
                        const std::function<void()>& onStart = {}) const;

  const std::string& socketPath() const { return socket_; }

 private:
  std::string socket_;
  std::chrono::seconds timeout_;
};

// Ends the stream in progress, if any (shuts its socket down). Safe in a signal handler.
void stopStreaming();
// Clears a previous stopStreaming(); call before installing the signal handler.
void resetStreamingStop();
bool streamingStopped();

// `text` percent-encoded for use as one path segment (policy names, ids) or query value.
std::string urlSegment(std::string_view text);

// "cannot connect to ciliumd at SOCKET: REASON; is the agent running? ..." (one line).
std::string agentNotRunningMessage(const std::string& socketPath, const std::string& reason);
// The error text for a non-2xx answer: the agent's "error", its "field", its "diagnostics".
std::string agentErrorMessage(int status, std::string_view body);

}  // namespace ciliumc::ctl

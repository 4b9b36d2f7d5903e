#include "cli/ciliumctl/agent_client.h"

#include "cli/ciliumctl/json_text.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <httplib.h>

namespace ciliumc::ctl {

namespace {

using nlohmann::json;

// A quiet node may send no event for a long time: the stream waits up to a day between chunks.
constexpr std::chrono::seconds kStreamTimeout = std::chrono::hours(24);

std::atomic<int> g_streamSocket{-1};
std::atomic<bool> g_streamStopped{false};

// Why connecting to the socket fails, in the kernel's words ("No such file or directory",
// "Connection refused", "Permission denied"), found by trying it directly: httplib only says
// "Connection".
std::string connectFailure(const std::string& path) {
  sockaddr_un address{};
  if (path.size() >= sizeof(address.sun_path)) return "the socket path is too long";
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  std::string reason = "the connection failed";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) reason = std::strerror(errno);
  ::close(fd);
  return reason;
}

httplib::Client makeClient(const std::string& socket, std::chrono::seconds timeout) {
  httplib::Client client(socket);
  client.set_address_family(AF_UNIX);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(timeout);
  client.set_write_timeout(std::chrono::seconds(30));
  return client;
}

Error transportError(const std::string& socket, httplib::Error error, std::string_view method, const std::string& path,
                     std::chrono::seconds timeout) {
  if (error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout)
    return Error{agentNotRunningMessage(socket, connectFailure(socket))};
  if (error == httplib::Error::Read)
    return Error{fmt::format("ciliumd did not answer {} {} (it closed the connection, or took longer than {}s)", method,
                             path, timeout.count())};
  return Error{fmt::format("talking to ciliumd at {} failed during {} {}: {}", socket, method, path,
                           httplib::to_string(error))};
}

Expected<json> interpret(const httplib::Result& result, const std::string& socket, std::string_view method,
                         const std::string& path, std::chrono::seconds timeout) {
  if (!result) return transportError(socket, result.error(), method, path, timeout);
  if (result->status < 200 || result->status >= 300) return Error{agentErrorMessage(result->status, result->body)};
  if (result->body.empty()) return json(nullptr);
  json body = json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded())
    return Error{fmt::format("malformed answer from ciliumd to {} {}: not valid JSON ({} bytes starting `{}`)", method,
                             path, result->body.size(), result->body.substr(0, 40))};
  return body;
}

std::string dumpBody(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string urlSegment(std::string_view text) {
  std::string encoded;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      encoded += static_cast<char>(c);
    else
      encoded += fmt::format("%{:02X}", c);
  }
  return encoded;
}

std::string agentNotRunningMessage(const std::string& socketPath, const std::string& reason) {
  return fmt::format(
      "cannot connect to ciliumd at {}: {}. Is the agent running? Start it (as root) with "
      "`ciliumd --socket {} --etcd-endpoints HOST:PORT`, or point ciliumctl at its socket with --socket PATH or "
      "CILIUMD_SOCKET.",
      socketPath, reason, socketPath);
}

std::string agentErrorMessage(int status, std::string_view body) {
  json answer = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || !answer.is_object() || !answer.contains("error")) {
    std::string excerpt(body.substr(0, 200));
    return fmt::format("ciliumd answered HTTP {}{}{}", status, excerpt.empty() ? "" : ": ", excerpt);
  }
  std::string message = answer["error"].is_string() ? answer["error"].get<std::string>() : answer["error"].dump();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  // The field goes on the first line, the one that says what is wrong (a compiler's message may
  // continue with its rendered diagnostics).
  if (auto field = answer.find("field"); field != answer.end() && field->is_string() && !field->empty()) {
    size_t firstLineEnd = std::min(message.find('\n'), message.size());
    message.insert(firstLineEnd, fmt::format(" (field `{}`)", field->get<std::string>()));
  }
  if (auto diagnostics = answer.find("diagnostics"); diagnostics != answer.end() && diagnostics->is_array())
    for (const json& diagnostic : *diagnostics) message += "\n  " + diagnosticText(diagnostic);
  return message;
}

Expected<json> AgentClient::get(const std::string& path) const {
  auto client = makeClient(socket_, timeout_);
  return interpret(client.Get(path), socket_, "GET", path, timeout_);
}

Expected<json> AgentClient::put(const std::string& path, const json& body) const {
  auto client = makeClient(socket_, timeout_);
  return interpret(client.Put(path, dumpBody(body), "application/json"), socket_, "PUT", path, timeout_);
}

Expected<json> AgentClient::post(const std::string& path, const json& body) const {
  auto client = makeClient(socket_, timeout_);
  return interpret(client.Post(path, dumpBody(body), "application/json"), socket_, "POST", path, timeout_);
}

Expected<json> AgentClient::patch(const std::string& path, const json& body) const {
  auto client = makeClient(socket_, timeout_);
  return interpret(client.Patch(path, dumpBody(body), "application/json"), socket_, "PATCH", path, timeout_);
}

Expected<json> AgentClient::remove(const std::string& path) const {
  auto client = makeClient(socket_, timeout_);
  return interpret(client.Delete(path), socket_, "DELETE", path, timeout_);
}

Expected<bool> AgentClient::stream(const std::string& path,
                                   const std::function<bool(std::string_view line)>& onLine,
                                   const std::function<void()>& onStart) const {
  auto client = makeClient(socket_, kStreamTimeout);
  client.set_socket_options([](int fd) {
    g_streamSocket.store(fd);
    if (g_streamStopped.load()) ::shutdown(fd, SHUT_RDWR);
  });
  int status = 0;
  std::string pending, errorBody;
  auto result = client.Get(
      path,
      [&](const httplib::Response& response) {
        status = response.status;
        if (status >= 200 && status < 300 && onStart) onStart();
        return true;
      },
      [&](const char* data, size_t length) {
        if (g_streamStopped.load()) return false;
        if (status < 200 || status >= 300) {
          if (errorBody.size() < 65536) errorBody.append(data, length);
          return true;
        }
        pending.append(data, length);
        size_t start = 0;
        for (size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
          std::string_view line(pending.data() + start, end - start);
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          if (!line.empty() && !onLine(line)) return false;
        }
        pending.erase(0, start);
        return true;
      });
  g_streamSocket.store(-1);
  if (status != 0 && (status < 200 || status >= 300)) return Error{agentErrorMessage(status, errorBody)};
  if (g_streamStopped.load() || (!result && result.error() == httplib::Error::Canceled)) return true;
  if (!result) {
    // The agent closing a chunked stream mid-way (shutdown) reads as an error: that is its end.
    if (status != 0 && result.error() == httplib::Error::Read) return true;
    return transportError(socket_, result.error(), "GET", path, kStreamTimeout);
  }
  if (!pending.empty()) onLine(pending);  // a last line without its newline
  return true;
}

void stopStreaming() {
  g_streamStopped.store(true);
  int fd = g_streamSocket.load();
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

void resetStreamingStop() { g_streamStopped.store(false); }

bool streamingStopped() { return g_streamStopped.load(); }

}  // namespace ciliumc::ctl

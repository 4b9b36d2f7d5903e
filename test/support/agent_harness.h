// Running the real ciliumd in tests: the process (started, stopped, killed with SIGKILL and
// restarted on the same state), a client of its API on the Unix socket, and the network around
// it — a node namespace holding the host side of every endpoint's veth, endpoint namespaces,
// and for multi-node tests a link between two node namespaces. Everything is named after the
// test's pid, bounded in time, and removed by destructors.
#pragma once
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "test/support/netns.h"
#include "test/support/traffic.h"

namespace ciliumc::testing {

struct ApiAnswer {
  int status = 0;  // 0: no answer (agent not reachable)
  nlohmann::json body;
  std::string text;
};

// The agent's API over its Unix socket.
class AgentClient {
 public:
  explicit AgentClient(std::string socket) : socket_(std::move(socket)) {}
  ApiAnswer get(const std::string& path, int timeoutSeconds = 10) const { return call("GET", path, "", timeoutSeconds); }
  ApiAnswer put(const std::string& path, const nlohmann::json& body) const { return call("PUT", path, body.dump()); }
  ApiAnswer patch(const std::string& path, const nlohmann::json& body) const { return call("PATCH", path, body.dump()); }
  ApiAnswer remove(const std::string& path) const { return call("DELETE", path, ""); }
  // Raw body (malformed JSON, huge bodies).
  ApiAnswer call(const std::string& method, const std::string& path, const std::string& body,
                 int timeoutSeconds = 30, const std::string& contentType = "application/json") const {
    httplib::Client client(socket_);
    client.set_address_family(AF_UNIX);
    client.set_read_timeout(timeoutSeconds, 0);
    client.set_write_timeout(timeoutSeconds, 0);
    httplib::Result result = method == "GET"      ? client.Get(path.c_str())
                             : method == "PUT"    ? client.Put(path.c_str(), body, contentType.c_str())
                             : method == "PATCH"  ? client.Patch(path.c_str(), body, contentType.c_str())
                             : method == "POST"   ? client.Post(path.c_str(), body, contentType.c_str())
                                                  : client.Delete(path.c_str());
    ApiAnswer answer;
    if (!result) return answer;
    answer.status = result->status;
    answer.text = result->body;
    answer.body = nlohmann::json::parse(result->body, nullptr, false);
    return answer;
  }
  const std::string& socket() const { return socket_; }

 private:
  std::string socket_;
};

// One ciliumd process. start() waits (bounded) until /v1/healthz answers and etcd is connected.
class AgentProcess {
 public:
  AgentProcess(std::string binary, std::vector<std::string> arguments, std::string socket, std::string logPath)
      : binary_(std::move(binary)), arguments_(std::move(arguments)), client_(socket), logPath_(std::move(logPath)) {}
  ~AgentProcess() { stop(); }
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  // Empty on success, else why not (with the log's tail).
  std::string start(bool waitForEtcd = true, std::chrono::seconds patience = std::chrono::seconds(20)) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      int log = ::open(logPath_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (log >= 0) {
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
      }
      std::vector<char*> argv = {const_cast<char*>(binary_.c_str())};
      for (std::string& argument : arguments_) argv.push_back(argument.data());
      argv.push_back(nullptr);
      ::execv(binary_.c_str(), argv.data());
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + patience;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "ciliumd exited during start-up: " + logTail();
      }
      ApiAnswer status_ = client_.get("/v1/status", 2);
      if (status_.status == 200 && (!waitForEtcd || status_.body["etcd"]["state"] == "connected")) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "ciliumd did not become ready: " + logTail();
  }
  void stop() { signal(SIGTERM); }
  void kill9() { signal(SIGKILL); }
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }  // -1 when not running (benchmarks read /proc/PID/status)
  const AgentClient& api() const { return client_; }
  std::string logTail() const {
    std::ifstream in(logPath_);
    std::stringstream text;
    text << in.rdbuf();
    std::string all = text.str();
    return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
  }

 private:
  void signal(int number) {
    if (pid_ <= 0) return;
    ::kill(pid_, number);
    for (int i = 0; i < 200; ++i) {  // 10 s
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::string binary_;
  std::vector<std::string> arguments_;
  AgentClient client_;
  std::string logPath_;
  pid_t pid_ = -1;
};

// A command whose output is read line by line while it runs (`ciliumctl monitor`); killed and
// reaped on destruction. Every read is bounded by a deadline.
class StreamingCommand {
 public:
  explicit StreamingCommand(std::vector<std::string> argv) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(fds[1], STDERR_FILENO);
      std::vector<char*> args;
      for (std::string& word : argv) args.push_back(word.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~StreamingCommand() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  StreamingCommand(const StreamingCommand&) = delete;
  StreamingCommand& operator=(const StreamingCommand&) = delete;

  // Reads until a line containing every one of `needles` arrived or `wait` passed; returns that
  // line ("" when none did). Everything read is kept in output().
  std::string waitForLine(const std::vector<std::string>& needles, std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      size_t start = 0;
      for (size_t end; (end = output_.find('\n', start)) != std::string::npos; start = end + 1) {
        std::string line = output_.substr(start, end - start);
        bool all = true;
        for (const std::string& needle : needles) all = all && line.find(needle) != std::string::npos;
        if (all && !consumed_.count(start)) {
          consumed_.insert(start);
          return line;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || fd_ < 0) return "";
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[4096];
      ssize_t got = ::read(fd_, buffer, sizeof buffer);
      if (got <= 0) return "";
      output_.append(buffer, static_cast<size_t>(got));
    }
  }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
  std::set<size_t> consumed_;
};

// An endpoint's network namespace with a veth pair whose host side lives in `nodeNetns`.
class EndpointNetwork {
 public:
  EndpointNetwork(const TemporaryNetns& nodeNetns, const std::string& hostDevice) : node_(nodeNetns), host_(hostDevice) {
    ok_ = netns_.ok() && runQuietly("ip link add " + host_ + " netns " + node_.name() + " type veth peer name eth0 netns " +
                                    netns_.name());
  }
  ~EndpointNetwork() {
    if (ok_) runQuietly(node_.ip() + "link del " + host_);
  }
  EndpointNetwork(const EndpointNetwork&) = delete;
  EndpointNetwork& operator=(const EndpointNetwork&) = delete;
  bool ok() const { return ok_; }
  const TemporaryNetns& netns() const { return netns_; }
  const std::string& hostDevice() const { return host_; }

 private:
  TemporaryNetns netns_;
  const TemporaryNetns& node_;
  std::string host_;
  bool ok_ = false;
};

// An endpoint as the test sees it: its namespace and the addresses the agent gave it.
inline TrafficHost trafficHostOf(const std::string& name, const EndpointNetwork& network, const nlohmann::json& endpoint) {
  TrafficHost host;
  host.reference = name;
  host.netnsPath = network.netns().path();
  host.ipv4 = endpoint.value("ipv4", "");
  host.ipv6 = endpoint.value("ipv6", "");
  return host;
}

}  // namespace ciliumc::testing

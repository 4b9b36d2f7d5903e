// A fake ciliumd for the ctl_* tests: an httplib server on a Unix socket in a temp dir, answering
// fixed JSON the test registers, recording each request; plus runCtl, which runs the ciliumctl
// command line in-process against it and captures its output and exit code.
#pragma once
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/ciliumctl/ctl_app.h"

namespace ciliumc::ctl::testing {

struct RecordedRequest {
  std::string method, path, body, query;  // query: "a=1&b=2" (sorted by key)
};

class FakeAgent {
 public:
  FakeAgent() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ctl-test-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    socket_ = (dir_ / "ciliumd.sock").string();
    server_.set_address_family(AF_UNIX);
  }
  ~FakeAgent() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
    std::filesystem::remove_all(dir_);
  }
  FakeAgent(const FakeAgent&) = delete;
  FakeAgent& operator=(const FakeAgent&) = delete;

  // Answers `method path` (a regex, as httplib matches) with `status` and `body` (JSON).
  void reply(const std::string& method, const std::string& path, int status, std::string body) {
    auto handler = [this, status, body](const httplib::Request& request, httplib::Response& response) {
      record(request);
      response.status = status;
      response.set_content(body, "application/json");
    };
    route(method, path, handler);
  }
  void route(const std::string& method, const std::string& path, httplib::Server::Handler handler) {
    if (method == "GET") server_.Get(path, handler);
    else if (method == "PUT") server_.Put(path, handler);
    else if (method == "POST") server_.Post(path, handler);
    else if (method == "PATCH") server_.Patch(path, handler);
    else if (method == "DELETE") server_.Delete(path, handler);
    else ADD_FAILURE() << "unknown method " << method;
  }
  void start() {
    thread_ = std::thread([this] { server_.listen(socket_, 80); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_TRUE(server_.is_running()) << "the fake agent did not start on " << socket_;
  }
  void record(const httplib::Request& request) {
    std::string query;
    for (const auto& [key, value] : request.params) query += (query.empty() ? "" : "&") + key + "=" + value;
    std::lock_guard lock(mutex_);
    requests_.push_back({request.method, request.path, request.body, query});
  }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  RecordedRequest lastRequest() const {
    auto all = requests();
    return all.empty() ? RecordedRequest{} : all.back();
  }
  const std::string& socket() const { return socket_; }
  const std::filesystem::path& dir() const { return dir_; }
  httplib::Server& server() { return server_; }

 private:
  std::filesystem::path dir_;
  std::string socket_;
  httplib::Server server_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> requests_;
};

struct CtlRun {
  int exitCode = -1;
  std::string out, err;
};

// Runs `ciliumctl --socket SOCKET args...` in-process.
inline CtlRun runCtl(const std::string& socket, std::vector<std::string> args) {
  std::vector<std::string> argv = {"ciliumctl", "--socket", socket};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<const char*> pointers;
  for (const std::string& arg : argv) pointers.push_back(arg.c_str());
  std::ostringstream out, err;
  CtlRun run;
  run.exitCode = runCiliumctl(static_cast<int>(pointers.size()), pointers.data(), out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

}  // namespace ciliumc::ctl::testing

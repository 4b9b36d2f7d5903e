// ApiServer: ciliumd's HTTP/JSON API (docs/agent.md) on a Unix socket, served by cpp-httplib;
// and the opt-in Prometheus endpoint on a loopback TCP port.
// Contract: the socket is created with mode 0600 (0660 and the group when `apiGroup` is set);
// request bodies over 1 MiB get 413, bodies that are not JSON 400 with the parser's position,
// unknown paths 404, wrong methods 405. Handlers never throw out of the server.
#pragma once
#include <memory>
#include <string>
#include <thread>

#include "support/expected.h"

namespace httplib {
class Server;
}

namespace ciliumc::agent {

class Daemon;

inline constexpr size_t kMaxRequestBody = 1u << 20;

class ApiServer {
 public:
  ApiServer(Daemon& daemon);
  ~ApiServer();
  // Binds the socket (replacing a stale one) and serves on a background thread.
  Expected<bool> start(const std::string& socketPath, const std::string& apiGroup);
  // Serves GET /metrics on `address` ("127.0.0.1:PORT").
  Expected<bool> startMetrics(const std::string& address);
  void stop();

 private:
  void routes();
  Daemon& daemon_;
  std::unique_ptr<httplib::Server> server_, metrics_;
  std::thread thread_, metricsThread_;
  std::string socketPath_;
};

}  // namespace ciliumc::agent

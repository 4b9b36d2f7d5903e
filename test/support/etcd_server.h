// EtcdServer: a real etcd (Debian's /usr/bin/etcd) for tests, on free loopback ports with its
// own temporary data directory. Fault tests stop or kill it and start it again on the SAME ports
// and data dir, so clients see "etcd down, then back with its data".
// Contract: start() returns only once etcd answers /health (bounded, ~10 s) or with an Error
// (the tail of etcd's log in the message). The destructor kills the process and removes the
// data dir; the child also dies with the test process (PR_SET_PDEATHSIG), so nothing leaks.
// PR_SET_PDEATHSIG fires when the *thread* that called start() exits: call start() from the
// test's main thread (or a thread that outlives the server).
// Tests use CILIUMC_REQUIRE_ETCD_OR_SKIP() (below) before creating one.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <cstdlib>
#include <cstring>
#include <string>

#include "support/expected.h"

namespace ciliumc::testing {

inline constexpr const char* kEtcdBinary = "/usr/bin/etcd";

// True when the etcd binary is installed (tests skip otherwise, see the macro below).
bool etcdAvailable();

// Same rule as privileged.h: CILIUMC_REQUIRE_PRIVILEGED=1 turns a skip into a failure.
inline bool etcdRequired() {
  const char* value = std::getenv("CILIUMC_REQUIRE_PRIVILEGED");
  return value && *value && std::strcmp(value, "0") != 0;
}

// Certificates for a TLS etcd, made with openssl in `directory` (ECDSA P-256, valid one day): a
// CA; a server certificate for 127.0.0.1 / localhost and a client certificate, both signed by
// it; and an unrelated CA (to show that a server it did not sign is refused).
struct TestPki {
  std::string caFile, serverCertFile, serverKeyFile, clientCertFile, clientKeyFile, otherCaFile;
};
Expected<TestPki> makeTestPki(const std::string& directory);

class EtcdServer {
 public:
  EtcdServer();  // picks ports and a data dir; does not start (call start())
  ~EtcdServer();
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // Starts etcd (again, after stop()/kill(): same ports, same data). Waits until healthy.
  Expected<bool> start(std::chrono::milliseconds readyTimeout = std::chrono::seconds(10));
  // SIGTERM and wait (bounded; SIGKILL after 5 s). No-op when not running.
  void stop();
  // SIGKILL and wait.
  void kill();
  bool running() const { return pid_ > 0; }

  // Serve clients over TLS with `pki`'s server certificate and require client certificates
  // signed by its CA (etcd's --client-cert-auth). Call before the first start().
  void useTls(const TestPki& pki);

  std::string clientUrl() const;  // "http://127.0.0.1:PORT" ("https://..." with TLS)
  std::string endpoint() const;   // "127.0.0.1:PORT"
  int clientPort() const { return clientPort_; }
  const std::string& dataDir() const { return dataDir_; }
  std::string logPath() const;

 private:
  void signalAndWait(int signal, std::chrono::milliseconds patience);
  bool healthy() const;
  std::string logTail() const;

  int clientPort_ = 0;
  int peerPort_ = 0;
  int metricsPort_ = 0;  // plain-HTTP /health while clients are served over TLS
  std::optional<TestPki> tls_;
  std::string workDir_;  // holds data/ and etcd.log
  std::string dataDir_;
  pid_t pid_ = -1;
};

}  // namespace ciliumc::testing

// Use at the top of a TEST body (or SetUp) that needs etcd. Needs <gtest/gtest.h> included before.
#define CILIUMC_REQUIRE_ETCD_OR_SKIP()                                                               \
  do {                                                                                                \
    if (!::ciliumc::testing::etcdAvailable()) {                                                       \
      if (::ciliumc::testing::etcdRequired())                                                         \
        FAIL() << "this test needs " << ::ciliumc::testing::kEtcdBinary                               \
               << " (Debian's etcd-server) and CILIUMC_REQUIRE_PRIVILEGED=1 forbids skipping";       \
      GTEST_SKIP() << "needs " << ::ciliumc::testing::kEtcdBinary << " (apt-get install etcd-server)"; \
    }                                                                                                 \
  } while (0)

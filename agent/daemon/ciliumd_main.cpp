// ciliumd: the node agent. Parses the configuration, starts the daemon (restoring endpoints
// from the state dir), serves the API until SIGTERM/SIGINT. Stopping the agent leaves every
// endpoint's programs attached and enforcing: a restarted agent adopts them.
#include <signal.h>

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "agent/api/api_server.h"
#include "agent/daemon/config.h"
#include "agent/daemon/daemon.h"

int main(int argc, char** argv) {
  using namespace ciliumc::agent;
  CLI::App app{"ciliumd: the ciliumc node agent (endpoints, IPAM, identities and IP cache through etcd, policy enforcement)"};
  AgentConfig config;
  ConfigFlags flags;
  addConfigFlags(app, config, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help is success; every parse error is a usage error (exit 2), whatever CLI11's code.
    return app.exit(error) == 0 ? 0 : 2;
  }
  if (auto finished = finishConfig(config, flags); !finished) {
    std::cerr << "ciliumd: error: " << finished.error().message << "\n";
    return 2;
  }
  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto daemon = Daemon::start(config);
  if (!daemon) {
    std::cerr << "ciliumd: error: " << daemon.error().message << "\n";
    if (!daemon.error().hint.empty()) std::cerr << "  hint: " << daemon.error().hint << "\n";
    return 1;
  }
  ApiServer server(**daemon);
  if (auto started = server.start(config.socketPath, config.apiGroup); !started) {
    std::cerr << "ciliumd: error: " << started.error().message << "\n";
    return 1;
  }
  if (!config.prometheusAddress.empty())
    if (auto started = server.startMetrics(config.prometheusAddress); !started) {
      std::cerr << "ciliumd: error: " << started.error().message << "\n";
      return 1;
    }
  std::cerr << "ciliumd: node " << config.nodeName << " serving on " << config.socketPath << "\n";
  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "ciliumd: " << (received == SIGTERM ? "SIGTERM" : "SIGINT")
            << ": stopping (endpoints keep their programs)\n";
  server.stop();
  (*daemon)->stop();
  return 0;
}

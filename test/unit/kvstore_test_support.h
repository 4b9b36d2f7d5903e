// Shared by the kvstore_* tests: a fixture with a fresh etcd per test and a client on it, and a
// bounded wait for conditions that other threads (watch, keepalive) make true.
#pragma once
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "agent/kvstore/etcd_client.h"
#include "etcd_server.h"

namespace ciliumc::testing {

// Polls `condition` every 5 ms until it holds or `timeout` passes; returns its last value.
inline bool waitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

inline double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

class EtcdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CILIUMC_REQUIRE_ETCD_OR_SKIP();
    auto started = etcd.start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    client = connectClient();
    ASSERT_TRUE(client);
  }

  // Another client ("node") on the same etcd.
  std::unique_ptr<agent::EtcdClient> connectClient(std::chrono::milliseconds requestTimeout = std::chrono::milliseconds(2000)) {
    agent::KvOptions options;
    options.endpoints = {etcd.clientUrl()};
    options.requestTimeout = requestTimeout;
    auto connected = agent::EtcdClient::connect(options);
    EXPECT_TRUE(connected.ok()) << connected.error().message;
    return connected ? std::move(*connected) : nullptr;
  }

  EtcdServer etcd;
  std::unique_ptr<agent::EtcdClient> client;
};

}  // namespace ciliumc::testing

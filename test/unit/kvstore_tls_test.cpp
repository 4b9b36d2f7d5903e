// The etcd client over TLS against a real etcd serving TLS with client-certificate
// authentication (--client-cert-auth): what works with the right files, what is refused
// (no client certificate, a server from another CA, plain HTTP), and that bad TLS options are
// clear errors naming the file or the endpoint.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include "test/support/temporary_directory.h"
#include "test/unit/kvstore_test_support.h"

namespace ciliumc::testing {
namespace {

class KvTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CILIUMC_REQUIRE_ETCD_OR_SKIP();
    ASSERT_TRUE(pkiDirectory_.ok());
    directory_ = pkiDirectory_.path().string();
    auto made = makeTestPki(directory_);
    ASSERT_TRUE(made.ok()) << made.error().message;
    pki = *made;
    etcd.useTls(pki);
    auto started = etcd.start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  agent::KvOptions options(agent::EtcdTlsFiles tls) const {
    agent::KvOptions kv;
    kv.endpoints = {etcd.clientUrl()};
    kv.tls = std::move(tls);
    kv.dialTimeout = std::chrono::milliseconds(1500);
    return kv;
  }
  agent::EtcdTlsFiles clientFiles() const { return {pki.caFile, pki.clientCertFile, pki.clientKeyFile}; }

  TemporaryDirectory pkiDirectory_{"ciliumc-pki"};
  std::string directory_;
  TestPki pki;
  EtcdServer etcd;
};

TEST_F(KvTlsTest, WithTheCaAndAClientCertificateEverythingWorks) {
  ASSERT_EQ(etcd.clientUrl().rfind("https://", 0), 0u);
  auto client = agent::EtcdClient::connect(options(clientFiles()));
  ASSERT_TRUE(client.ok()) << client.error().message;
  std::atomic<int> seen{0};
  auto watch = (*client)->watchPrefix("tls/", 0, [&](const agent::WatchBatch& batch) { seen += int(batch.events.size()); });
  ASSERT_TRUE(watch.ok()) << watch.error().message;
  ASSERT_TRUE((*client)->put("tls/a", "1").ok());
  auto created = (*client)->createOnly("tls/b", "2");
  ASSERT_TRUE(created.ok() && *created);
  auto read = (*client)->get("tls/a");
  ASSERT_TRUE(read.ok() && *read);
  EXPECT_EQ((*read)->value, "1");
  auto lease = (*client)->grantLease(std::chrono::seconds(5));
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  EXPECT_TRUE(waitFor([&] { return seen == 2; }));
  EXPECT_EQ((*client)->connectionState(), agent::ConnectionState::Connected);

  // The scheme alone also means TLS: the same endpoint without https:// and with the files.
  agent::KvOptions bare = options(clientFiles());
  bare.endpoints = {etcd.endpoint()};
  auto second = agent::EtcdClient::connect(bare);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE((*second)->get("tls/b").ok());
}

TEST_F(KvTlsTest, WhatEtcdOrTheClientMustNotTrustIsRefused) {
  // No client certificate: etcd requires one.
  auto noClientCert = agent::EtcdClient::connect(options({pki.caFile, "", ""}));
  if (noClientCert.ok()) {
    // gRPC may finish the handshake lazily; the first call must fail then.
    EXPECT_FALSE((*noClientCert)->put("x", "y").ok()) << "etcd accepted a client without a certificate";
  } else {
    EXPECT_NE(noClientCert.error().message.find("TLS"), std::string::npos) << noClientCert.error().message;
  }
  // A server certificate from a CA we do not trust.
  auto otherCa = agent::EtcdClient::connect(options({pki.otherCaFile, pki.clientCertFile, pki.clientKeyFile}));
  ASSERT_FALSE(otherCa.ok()) << "a server signed by another CA was trusted";
  EXPECT_NE(otherCa.error().message.find("over TLS"), std::string::npos) << otherCa.error().message;
  EXPECT_NE(otherCa.error().message.find(etcd.endpoint()), std::string::npos) << otherCa.error().message;
  // Plain gRPC against the TLS port.
  agent::KvOptions plain;
  plain.endpoints = {etcd.endpoint()};
  plain.dialTimeout = std::chrono::milliseconds(1000);
  EXPECT_FALSE(agent::EtcdClient::connect(plain).ok());
}

TEST_F(KvTlsTest, BadTlsOptionsAreClearErrors) {
  auto expectError = [&](agent::KvOptions kv, const std::vector<std::string>& mentions) {
    auto client = agent::EtcdClient::connect(kv);
    ASSERT_FALSE(client.ok());
    for (const std::string& text : mentions)
      EXPECT_NE(client.error().message.find(text), std::string::npos) << client.error().message;
  };
  expectError(options({directory_ + "/missing.crt", "", ""}), {"CA file", "missing.crt", "cannot be read"});
  std::ofstream(directory_ + "/garbage.pem") << "not a certificate\n";
  expectError(options({directory_ + "/garbage.pem", "", ""}), {"garbage.pem", "not PEM"});
  expectError(options({pki.caFile, pki.clientCertFile, ""}), {"key"});
  expectError(options({pki.caFile, "", pki.clientKeyFile}), {"certificate"});
  expectError(options({pki.caFile, pki.clientCertFile, directory_ + "/nokey.pem"}), {"client key file", "nokey.pem"});
  agent::KvOptions http = options(clientFiles());
  http.endpoints = {"http://" + etcd.endpoint()};
  expectError(http, {"http://", "TLS files"});
  agent::KvOptions mixed = options(clientFiles());
  mixed.endpoints = {etcd.clientUrl(), "http://127.0.0.1:1"};
  expectError(mixed, {"mix"});
}

}  // namespace
}  // namespace ciliumc::testing

// The EtcdServer test fixture itself: etcd answers, stop/kill take it away, start() brings it
// back on the same port with the same data, and nothing is left behind.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "etcd_server.h"

namespace ciliumc::testing {
namespace {

// etcdctl's answer (stdout) and whether it succeeded.
std::pair<bool, std::string> etcdctl(const EtcdServer& etcd, const std::string& arguments) {
  std::string command = "ETCDCTL_API=3 /usr/bin/etcdctl --dial-timeout=500ms --command-timeout=1s --endpoints=" +
                        etcd.endpoint() + " " + arguments + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return {false, ""};
  std::string output;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  return {::pclose(pipe) == 0, output};
}

TEST(EtcdServer, StopAndStartKeepPortAndData) {
  CILIUMC_REQUIRE_ETCD_OR_SKIP();
  std::string dataDir;
  {
    EtcdServer etcd;
    auto started = etcd.start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    EXPECT_EQ(etcd.clientUrl(), "http://" + etcd.endpoint());
    dataDir = etcd.dataDir();
    ASSERT_TRUE(etcdctl(etcd, "put k v").first);
    const int port = etcd.clientPort();

    etcd.stop();
    EXPECT_FALSE(etcd.running());
    EXPECT_FALSE(etcdctl(etcd, "get k").first);

    ASSERT_TRUE(etcd.start().ok());
    EXPECT_EQ(etcd.clientPort(), port);
    EXPECT_EQ(etcdctl(etcd, "get k --print-value-only").second, "v\n");

    etcd.kill();
    EXPECT_FALSE(etcd.running());
    ASSERT_TRUE(etcd.start().ok());
    EXPECT_EQ(etcdctl(etcd, "get k --print-value-only").second, "v\n") << "data survives SIGKILL too";
  }
  EXPECT_FALSE(std::filesystem::exists(dataDir)) << "the destructor removes the data dir";
}

}  // namespace
}  // namespace ciliumc::testing

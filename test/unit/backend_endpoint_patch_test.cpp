// patchEndpointConfig: one compiled object per shape, one patched copy per endpoint.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "backend_bpf/codegen.h"
#include "backend_object_inspect.h"
#include "backend_shapes.h"

namespace ciliumc {
namespace {

ciliumc_endpoint_config configOf(uint32_t id, uint32_t identity, uint8_t lastByte) {
  ciliumc_endpoint_config config{};
  config.endpoint_id = id;
  config.identity = identity;
  uint8_t ipv4[4] = {10, 0, 0, lastByte};
  std::memcpy(config.ipv4, ipv4, 4);
  config.ipv6[0] = 0xfd;
  config.ipv6[15] = lastByte;
  return config;
}

class BackendEndpointPatch : public ::testing::Test {
 protected:
  void SetUp() override {
    auto codegen = BpfCodegen::create();
    ASSERT_TRUE(codegen) << codegen.error().message;
    auto object = (*codegen)->compileShape(testing::smallShape());
    ASSERT_TRUE(object) << object.error().message;
    object_ = *object;
    symbol_ = testing::inspectElf(object_).symbols["ciliumc_endpoint"];
    ASSERT_EQ(symbol_.size, sizeof(ciliumc_endpoint_config));
  }
  std::vector<uint8_t> object_;
  testing::ElfSymbol symbol_;
};

TEST_F(BackendEndpointPatch, WritesTheConfigAndNothingElse) {
  for (uint32_t id : {1u, 2u, 1000u}) {
    ciliumc_endpoint_config config = configOf(id, 256 + id, static_cast<uint8_t>(id));
    auto patched = patchEndpointConfig(object_, config);
    ASSERT_TRUE(patched) << patched.error().message;
    ASSERT_EQ(patched->size(), object_.size());
    EXPECT_EQ(std::memcmp(patched->data() + symbol_.fileOffset, &config, sizeof config), 0);
    for (size_t i = 0; i < object_.size(); ++i) {
      if (i < symbol_.fileOffset || i >= symbol_.fileOffset + sizeof config) {
        ASSERT_EQ((*patched)[i], object_[i]) << "byte " << i << " changed";
      }
    }
    // Patching a patched object again replaces the values.
    ciliumc_endpoint_config other = configOf(id + 1, 7, 99);
    auto again = patchEndpointConfig(*patched, other);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(std::memcmp(again->data() + symbol_.fileOffset, &other, sizeof other), 0);
  }
}

TEST_F(BackendEndpointPatch, LibbpfSeesThePatchedRodata) {
  ciliumc_endpoint_config config = configOf(42, 4242, 7);
  auto patched = patchEndpointConfig(object_, config);
  ASSERT_TRUE(patched) << patched.error().message;
  LIBBPF_OPTS(bpf_object_open_opts, options, .object_name = "patched");
  bpf_object* object = bpf_object__open_mem(patched->data(), patched->size(), &options);
  ASSERT_NE(object, nullptr);
  bool found = false;
  bpf_map* map;
  bpf_object__for_each_map(map, object) {
    if (!std::string(bpf_map__name(map)).ends_with(".rodata")) continue;
    size_t size = 0;
    const auto* bytes = static_cast<const uint8_t*>(bpf_map__initial_value(map, &size));
    ASSERT_NE(bytes, nullptr);
    ASSERT_GE(size, symbol_.value + sizeof config);
    EXPECT_EQ(std::memcmp(bytes + symbol_.value, &config, sizeof config), 0);
    found = true;
  }
  bpf_object__close(object);
  EXPECT_TRUE(found);
}

TEST_F(BackendEndpointPatch, RejectsWhatIsNotAnObjectWithTheSymbol) {
  std::vector<uint8_t> garbage(100, 0x42);
  EXPECT_FALSE(patchEndpointConfig(garbage, configOf(1, 1, 1)));
  EXPECT_FALSE(patchEndpointConfig({}, configOf(1, 1, 1)));
  std::ifstream self("/proc/self/exe", std::ios::binary);
  std::vector<uint8_t> host(std::istreambuf_iterator<char>(self), {});
  auto error = patchEndpointConfig(host, configOf(1, 1, 1));
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("ciliumc_endpoint"), std::string::npos) << error.error().message;
  std::vector<uint8_t> truncated(object_.begin(), object_.begin() + object_.size() / 3);
  EXPECT_FALSE(patchEndpointConfig(truncated, configOf(1, 1, 1)));
}

}  // namespace
}  // namespace ciliumc

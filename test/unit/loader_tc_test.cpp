// tc clsact attachment on a veth pair inside a temporary network namespace: attach, atomic
// replace, query, detach, and the host/endpoint side mapping.
#include <gtest/gtest.h>

#include "loader/loaded_object.h"
#include "loader/netns_scope.h"
#include "loader/tc_attach.h"
#include "test/support/netns.h"
#include "test/unit/loader_test_support.h"
#include "test/unit/privileged.h"

namespace ciliumc::loader {
namespace {

using ciliumc::testing::fixtureObject;
using ciliumc::testing::kRuntimeFixture;
using ciliumc::testing::TemporaryNetns;
using ciliumc::testing::VethPair;

uint32_t programIdOf(const LoadedObject& object, Direction direction) {
  auto stats = programStats(object.programFd(direction));
  return stats ? stats->id : 0;
}

// hook -> program id, for our filters on the device.
std::map<TcHook, uint32_t> attached(int ifindex) {
  std::map<TcHook, uint32_t> ids;
  auto attachments = queryAttachments(ifindex);
  EXPECT_TRUE(attachments.ok()) << attachments.error().message;
  if (attachments)
    for (const TcAttachment& attachment : *attachments) ids[attachment.hook] = attachment.programId;
  return ids;
}

TEST(LoaderTcTest, SidesMapDirectionsToHooks) {
  EXPECT_EQ(tcHookFor(AttachSide::Host, Direction::Egress), TcHook::Ingress);
  EXPECT_EQ(tcHookFor(AttachSide::Host, Direction::Ingress), TcHook::Egress);
  EXPECT_EQ(tcHookFor(AttachSide::Endpoint, Direction::Egress), TcHook::Egress);
  EXPECT_EQ(tcHookFor(AttachSide::Endpoint, Direction::Ingress), TcHook::Ingress);
}

TEST(LoaderTcTest, AttachReplaceAndDetachOnAVethInAnotherNamespace) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  const auto& elf = fixtureObject(kRuntimeFixture);
  ASSERT_TRUE(elf.ok()) << elf.error().message;
  LoadRequest request;
  request.elf = *elf;
  auto first = loadObject(request);
  auto second = loadObject(request);
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_NE(programIdOf(*first, Direction::Ingress), programIdOf(*second, Direction::Ingress));

  TemporaryNetns netns;
  ASSERT_TRUE(netns.ok()) << "ip netns add failed";
  VethPair veth(netns);
  ASSERT_TRUE(veth.ok()) << "creating the veth pair failed";
  EXPECT_FALSE(interfaceIndex(veth.first()).ok()) << "the device is not in our namespace";

  auto scope = NetnsScope::enter(netns.path());
  ASSERT_TRUE(scope.ok()) << scope.error().message;
  auto hostSide = interfaceIndex(veth.first());
  auto endpointSide = interfaceIndex(veth.second());
  ASSERT_TRUE(hostSide.ok() && endpointSide.ok());
  // However the test ends, leave no filter behind (the namespace goes away too).
  struct Detach {
    int a, b;
    ~Detach() { (void)destroyClsact(a), (void)destroyClsact(b); }
  } cleanup{*hostSide, *endpointSide};

  EXPECT_TRUE(attached(*hostSide).empty());
  ASSERT_TRUE(attachEndpoint(*hostSide, AttachSide::Host, first->programFd(Direction::Ingress),
                             first->programFd(Direction::Egress))
                  .ok());
  auto ids = attached(*hostSide);
  EXPECT_EQ(ids[TcHook::Ingress], programIdOf(*first, Direction::Egress)) << "endpoint egress on host tc ingress";
  EXPECT_EQ(ids[TcHook::Egress], programIdOf(*first, Direction::Ingress)) << "endpoint ingress on host tc egress";
  auto described = queryAttachments(*hostSide);
  ASSERT_TRUE(described.ok());
  for (const TcAttachment& attachment : *described)
    EXPECT_TRUE(attachment.programName == "ciliumc_ingress" || attachment.programName == "ciliumc_egress")
        << attachment.programName;

  // Atomic replace, back and forth (bounded).
  for (int round = 0; round < 20; ++round) {
    const LoadedObject& next = round % 2 == 0 ? *second : *first;
    ASSERT_TRUE(attachEndpoint(*hostSide, AttachSide::Host, next.programFd(Direction::Ingress),
                               next.programFd(Direction::Egress))
                    .ok())
        << "round " << round;
    ids = attached(*hostSide);
    ASSERT_EQ(ids.size(), 2u) << "exactly one filter per hook after a replace";
    EXPECT_EQ(ids[TcHook::Ingress], programIdOf(next, Direction::Egress)) << "round " << round;
  }

  ASSERT_TRUE(attachEndpoint(*endpointSide, AttachSide::Endpoint, first->programFd(Direction::Ingress),
                             first->programFd(Direction::Egress))
                  .ok());
  ids = attached(*endpointSide);
  EXPECT_EQ(ids[TcHook::Ingress], programIdOf(*first, Direction::Ingress));
  EXPECT_EQ(ids[TcHook::Egress], programIdOf(*first, Direction::Egress));

  ASSERT_TRUE(detachEndpoint(*hostSide).ok());
  EXPECT_TRUE(attached(*hostSide).empty());
  EXPECT_TRUE(detachEndpoint(*hostSide).ok()) << "detaching twice is fine";
  EXPECT_EQ(attached(*endpointSide).size(), 2u) << "the other device is untouched";
  ASSERT_TRUE(detachProgram(*endpointSide, TcHook::Ingress).ok());
  ids = attached(*endpointSide);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids.count(TcHook::Egress), 1u);
}

TEST(LoaderTcTest, ErrorsForMissingDevicesAndNamespaces) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  EXPECT_FALSE(interfaceIndex("ciliumc-none0").ok());
  EXPECT_FALSE(NetnsScope::enter("/var/run/netns/ciliumc-does-not-exist").ok());
  EXPECT_FALSE(attachProgram(999999, TcHook::Ingress, -1).ok());
}

}  // namespace
}  // namespace ciliumc::loader

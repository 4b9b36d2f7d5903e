// Probes: packets built for BPF_PROG_TEST_RUN, verdicts and the runtime's events, connection
// tracking between probes, cost per packet.
#include <gtest/gtest.h>

#include "loader/loaded_object.h"
#include "loader/map_fill.h"
#include "loader/object_layout.h"
#include "loader/packet_builder.h"
#include "loader/probe_runner.h"
#include "test/unit/loader_test_support.h"
#include "test/unit/privileged.h"

namespace ciliumc::loader {
namespace {

using ciliumc::testing::fixtureObject;
using ciliumc::testing::fixtureShape;
using ciliumc::testing::ip;
using ciliumc::testing::kRuntimeFixture;

uint16_t at16(const std::vector<uint8_t>& p, size_t i) { return uint16_t(p[i] << 8 | p[i + 1]); }

// One's complement sum over a range, folded; 0xffff when a stored checksum is right.
uint16_t onesSum(const std::vector<uint8_t>& bytes, size_t from, size_t to, uint32_t sum = 0) {
  for (size_t i = from; i + 1 < to; i += 2) sum += at16(bytes, i);
  if ((to - from) % 2) sum += uint32_t(bytes[to - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(sum);
}

TEST(LoaderPacketTest, Ipv4TcpSynWithValidChecksums) {
  auto packet = buildPacket(PacketSpec{ip("10.0.0.1"), ip("10.0.0.2"), Protocol::TCP, 443});
  ASSERT_TRUE(packet.ok()) << packet.error().message;
  const auto& p = *packet;
  ASSERT_EQ(p.size(), 14u + 20 + 20);
  EXPECT_EQ(at16(p, 12), 0x0800);
  EXPECT_EQ(p[14], 0x45);
  EXPECT_EQ(at16(p, 16), 40) << "IPv4 total length";
  EXPECT_EQ(p[23], 6);
  EXPECT_EQ(onesSum(p, 14, 34), 0xffff) << "IPv4 header checksum";
  EXPECT_EQ(at16(p, 34), 40000) << "source port";
  EXPECT_EQ(at16(p, 36), 443);
  EXPECT_EQ(p[47], 0x02) << "SYN only";
  uint32_t pseudo = onesSum(p, 26, 34) + 6 + 20;  // addresses, protocol, TCP length
  EXPECT_EQ(onesSum(p, 34, 54, pseudo), 0xffff) << "TCP checksum";
}

TEST(LoaderPacketTest, Ipv6UdpSctpAndIcmpv6) {
  auto udp = buildPacket(PacketSpec{ip("fd00::1"), ip("fd00::2"), Protocol::UDP, 53});
  ASSERT_TRUE(udp.ok());
  ASSERT_EQ(udp->size(), 14u + 40 + 8);
  EXPECT_EQ(at16(*udp, 12), 0x86dd);
  EXPECT_EQ(at16(*udp, 18), 8) << "payload length";
  EXPECT_EQ((*udp)[20], 17);
  uint32_t pseudo = onesSum(*udp, 22, 54) + 17 + 8;
  EXPECT_EQ(onesSum(*udp, 54, 62, pseudo), 0xffff) << "UDP checksum";

  auto sctp = buildPacket(PacketSpec{ip("10.0.0.1"), ip("10.0.0.2"), Protocol::SCTP, 9});
  ASSERT_TRUE(sctp.ok());
  ASSERT_EQ(sctp->size(), 14u + 20 + 12 + 20) << "common header + INIT chunk";
  EXPECT_EQ((*sctp)[34 + 12], 1) << "INIT";
  EXPECT_NE((*sctp)[34 + 8] | (*sctp)[34 + 9] | (*sctp)[34 + 10] | (*sctp)[34 + 11], 0) << "CRC32c set";

  auto icmp6 = buildPacket(PacketSpec{ip("fd00::1"), ip("fd00::2"), Protocol::ICMPv6, 128});
  ASSERT_TRUE(icmp6.ok());
  EXPECT_EQ((*icmp6)[54], 128);
  EXPECT_EQ(onesSum(*icmp6, 54, icmp6->size(), onesSum(*icmp6, 22, 54) + 58 + 8), 0xffff) << "ICMPv6 checksum";

  auto icmp = buildPacket(PacketSpec{ip("10.0.0.1"), ip("10.0.0.2"), Protocol::ICMP, 8});
  ASSERT_TRUE(icmp.ok());
  EXPECT_EQ((*icmp)[34], 8);
  EXPECT_EQ(onesSum(*icmp, 34, icmp->size()), 0xffff) << "ICMP checksum";
}

TEST(LoaderPacketTest, FragmentsTruncationAndErrors) {
  PacketSpec later{ip("fd00::1"), ip("fd00::2"), Protocol::TCP, 80};
  later.nonFirstFragment = true;
  auto fragment = buildPacket(later);
  ASSERT_TRUE(fragment.ok());
  EXPECT_EQ((*fragment)[20], 44) << "IPv6 fragment header";
  EXPECT_NE(at16(*fragment, 56) & 0xfff8, 0) << "non-zero fragment offset";
  PacketSpec v4 = later;
  v4.source = ip("10.0.0.1");
  v4.destination = ip("10.0.0.2");
  auto fragment4 = buildPacket(v4);
  ASSERT_TRUE(fragment4.ok());
  EXPECT_NE(at16(*fragment4, 20) & 0x1fff, 0);
  PacketSpec cut{ip("10.0.0.1"), ip("10.0.0.2"), Protocol::TCP, 80};
  cut.truncateTo = 40;
  EXPECT_EQ(buildPacket(cut)->size(), 40u);

  EXPECT_FALSE(buildPacket(PacketSpec{ip("10.0.0.1"), ip("fd00::2"), Protocol::TCP, 80}).ok());
  EXPECT_FALSE(buildPacket(PacketSpec{ip("fd00::1"), ip("fd00::2"), Protocol::ICMP, 8}).ok());
  EXPECT_FALSE(buildPacket(PacketSpec{ip("10.0.0.1"), ip("10.0.0.2"), Protocol::ICMPv6, 128}).ok());
  EXPECT_FALSE(buildPacket(PacketSpec{ip("10.0.0.1"), ip("10.0.0.2"), Protocol::Any, 80}).ok());
}

// The fixture shape loaded for endpoint 7 (identity 1000, 10.0.0.1) with the node's ipcache.
class LoaderProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) return;
    const auto& elf = fixtureObject(kRuntimeFixture);
    ASSERT_TRUE(elf.ok()) << elf.error().message;
    LoadRequest request;
    request.elf = *elf;
    ciliumc_endpoint_config config = testing::fixtureConfig();
    config.endpoint_id = 7;
    config.identity = 1000;
    config.ipv4[0] = 10;
    config.ipv4[3] = 1;
    request.endpoint = config;
    auto loaded = loadObject(request);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    object_.emplace(std::move(*loaded));
    ASSERT_TRUE(fillShapeMaps(fixtureShape(), *shapeMapsOf(*object_)).ok());
    auto filled = fillIpcache(object_->mapFd(kIpcacheMap),
                              {IpcacheEntry{ip("10.0.0.1"), 1000}, IpcacheEntry{ip("10.0.0.2"), 1001},
                               IpcacheEntry{ip("10.0.0.3"), 1002}, IpcacheEntry{ip("10.0.0.4"), 1003},
                               IpcacheEntry{ip("10.0.0.5"), 1004}, IpcacheEntry{ip("10.0.0.6"), 70000}});
    ASSERT_TRUE(filled.ok()) << filled.error().message;
    auto runner = ProbeRunner::create(object_->mapFd(kEventsMap), object_->mapFd(kCtMap), object_->mapFd(kConfigMap));
    ASSERT_TRUE(runner.ok()) << runner.error().message;
    runner_.emplace(std::move(*runner));
    ASSERT_TRUE(runner_->setEmitAllowEvents(true).ok());
  }

  // A fresh flow through one direction's program.
  ProbeOutcome probe(Direction direction, const PacketSpec& spec) {
    auto packet = buildPacket(spec);
    EXPECT_TRUE(packet.ok());
    EXPECT_TRUE(runner_->clearConnections().ok());
    auto outcome = runner_->run(object_->programFd(direction), *packet);
    EXPECT_TRUE(outcome.ok()) << outcome.error().message;
    return outcome.ok() ? *outcome : ProbeOutcome{};
  }

  std::optional<LoadedObject> object_;
  std::optional<ProbeRunner> runner_;
};

struct Expectation {
  Direction direction;
  const char* from;
  const char* to;
  Protocol protocol;
  uint16_t port;
  int tc;
  uint8_t reason;
  uint32_t rule;
};

TEST_F(LoaderProbeTest, VerdictsAndEventsFollowThePlan) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  const Expectation cases[] = {
      {Direction::Ingress, "10.0.0.1", "10.0.0.1", Protocol::TCP, 80, kTcActOk, CILIUMC_REASON_ALLOWED_BY_RULE, 1},
      {Direction::Ingress, "10.0.0.1", "10.0.0.1", Protocol::TCP, 22, kTcActShot, CILIUMC_REASON_DEFAULT_DENY, 0},
      {Direction::Ingress, "10.0.0.2", "10.0.0.1", Protocol::TCP, 80, kTcActShot, CILIUMC_REASON_DENIED_BY_RULE, 2},
      {Direction::Ingress, "10.0.0.3", "10.0.0.1", Protocol::UDP, 80, kTcActShot, CILIUMC_REASON_DEFAULT_DENY, 0},
      {Direction::Ingress, "8.8.8.8", "10.0.0.1", Protocol::TCP, 80, kTcActShot, CILIUMC_REASON_DEFAULT_DENY, 0},
      // class 3 < capacity 4 but beyond the rows: behaves like class 0, never like a zero cell.
      {Direction::Ingress, "10.0.0.4", "10.0.0.1", Protocol::TCP, 80, kTcActShot, CILIUMC_REASON_DEFAULT_DENY, 0},
      {Direction::Ingress, "10.0.0.5", "10.0.0.1", Protocol::TCP, 80, kTcActShot, CILIUMC_REASON_BAD_CLASS, 0},
      {Direction::Ingress, "10.0.0.6", "10.0.0.1", Protocol::TCP, 80, kTcActShot, CILIUMC_REASON_BAD_IDENTITY, 0},
      {Direction::Egress, "10.0.0.1", "10.0.0.2", Protocol::TCP, 22, kTcActShot, CILIUMC_REASON_DENIED_BY_RULE, 3},
      {Direction::Egress, "10.0.0.1", "10.0.0.2", Protocol::TCP, 80, kTcActOk, CILIUMC_REASON_DEFAULT_ALLOW, 0},
      {Direction::Egress, "10.0.0.1", "10.0.0.4", Protocol::SCTP, 9, kTcActOk, CILIUMC_REASON_DEFAULT_ALLOW, 0},
      {Direction::Egress, "10.0.0.1", "8.8.8.8", Protocol::ICMP, 8, kTcActOk, CILIUMC_REASON_DEFAULT_ALLOW, 0},
      {Direction::Egress, "10.0.0.9", "10.0.0.2", Protocol::TCP, 80, kTcActShot, CILIUMC_REASON_SPOOFED_SOURCE, 0},
  };
  for (const Expectation& c : cases) {
    SCOPED_TRACE(std::string(c.from) + " -> " + c.to + " " + protocolName(c.protocol) + "/" + std::to_string(c.port) +
                 (c.direction == Direction::Ingress ? " ingress" : " egress"));
    ProbeOutcome outcome = probe(c.direction, PacketSpec{ip(c.from), ip(c.to), c.protocol, c.port});
    EXPECT_EQ(outcome.tcVerdict, c.tc);
    ASSERT_EQ(outcome.events.size(), 1u);
    const ciliumc_event& event = outcome.events[0];
    EXPECT_EQ(event.reason, c.reason);
    EXPECT_EQ(event.rule, c.rule);
    EXPECT_EQ(event.deny, c.tc == kTcActShot ? 1 : 0);
    EXPECT_EQ(event.endpoint_id, 7u);
    EXPECT_EQ(event.identity, 1000u);
    EXPECT_EQ(event.direction, c.direction == Direction::Ingress ? CILIUMC_INGRESS : CILIUMC_EGRESS);
    EXPECT_EQ(event.family, 4);
    EXPECT_EQ(event.dport, c.port);
    EXPECT_EQ(event.saddr[3], ip(c.from).bytes[3]);
  }
}

TEST_F(LoaderProbeTest, PeerIdentityAndMalformedPackets) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  ProbeOutcome fromB = probe(Direction::Ingress, PacketSpec{ip("10.0.0.2"), ip("10.0.0.1"), Protocol::TCP, 80});
  ASSERT_EQ(fromB.events.size(), 1u);
  EXPECT_EQ(fromB.events[0].peer_identity, 1001u);
  ProbeOutcome world = probe(Direction::Ingress, PacketSpec{ip("2001:db8::1"), ip("fd00::1"), Protocol::TCP, 80});
  ASSERT_EQ(world.events.size(), 1u);
  EXPECT_EQ(world.events[0].peer_identity, 10u) << "world-ipv6";
  EXPECT_EQ(world.events[0].family, 6);

  PacketSpec cut{ip("10.0.0.1"), ip("10.0.0.1"), Protocol::TCP, 80};
  cut.truncateTo = 14 + 20 + 10;  // half a TCP header
  ProbeOutcome truncated = probe(Direction::Ingress, cut);
  EXPECT_EQ(truncated.tcVerdict, kTcActShot);
  ASSERT_EQ(truncated.events.size(), 1u);
  EXPECT_EQ(truncated.events[0].reason, CILIUMC_REASON_MALFORMED);

  // A later fragment has no L4 header: L4 kind NONE, port class 0 -> default deny here.
  PacketSpec later{ip("10.0.0.1"), ip("10.0.0.1"), Protocol::TCP, 80};
  later.nonFirstFragment = true;
  ProbeOutcome fragment = probe(Direction::Ingress, later);
  ASSERT_EQ(fragment.events.size(), 1u);
  EXPECT_EQ(fragment.events[0].l4_kind, CILIUMC_L4_NONE);
  EXPECT_EQ(fragment.events[0].reason, CILIUMC_REASON_DEFAULT_DENY);
}

TEST_F(LoaderProbeTest, AllowEventsAreOptional) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  ASSERT_TRUE(runner_->setEmitAllowEvents(false).ok());
  ProbeOutcome allowed = probe(Direction::Ingress, PacketSpec{ip("10.0.0.1"), ip("10.0.0.1"), Protocol::TCP, 80});
  EXPECT_EQ(allowed.tcVerdict, kTcActOk);
  EXPECT_TRUE(allowed.events.empty());
  ProbeOutcome denied = probe(Direction::Ingress, PacketSpec{ip("10.0.0.2"), ip("10.0.0.1"), Protocol::TCP, 80});
  EXPECT_EQ(denied.tcVerdict, kTcActShot);
  EXPECT_EQ(denied.events.size(), 1u) << "drops are always reported";
}

TEST_F(LoaderProbeTest, RepliesOfTrackedFlowsPassUntilConnectionsAreCleared) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  // Endpoint 10.0.0.1 sends UDP to 10.0.0.3:53 (egress class 0: default allow, tracked).
  auto request = buildPacket(PacketSpec{ip("10.0.0.1"), ip("10.0.0.3"), Protocol::UDP, 53, 40000});
  PacketSpec replySpec{ip("10.0.0.3"), ip("10.0.0.1"), Protocol::UDP, 40000, 53};
  auto reply = buildPacket(replySpec);
  ASSERT_TRUE(request.ok() && reply.ok());
  ASSERT_TRUE(runner_->clearConnections().ok());
  auto sent = runner_->run(object_->programFd(Direction::Egress), *request);
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->tcVerdict, kTcActOk);
  auto answered = runner_->run(object_->programFd(Direction::Ingress), *reply);
  ASSERT_TRUE(answered.ok());
  EXPECT_EQ(answered->tcVerdict, kTcActOk) << "ingress default-deny, but a reply";
  ASSERT_EQ(answered->events.size(), 1u);
  EXPECT_EQ(answered->events[0].reason, CILIUMC_REASON_REPLY);

  ASSERT_TRUE(runner_->clearConnections().ok());
  auto fresh = runner_->run(object_->programFd(Direction::Ingress), *reply);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->tcVerdict, kTcActShot) << "a fresh flow: the policy decides";
}

TEST_F(LoaderProbeTest, CostPerPacket) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  ASSERT_TRUE(runner_->setEmitAllowEvents(false).ok());
  auto packet = buildPacket(PacketSpec{ip("10.0.0.1"), ip("10.0.0.1"), Protocol::TCP, 80});
  ASSERT_TRUE(packet.ok());
  auto measured = runner_->run(object_->programFd(Direction::Ingress), *packet, 100000);
  ASSERT_TRUE(measured.ok()) << measured.error().message;
  EXPECT_EQ(measured->tcVerdict, kTcActOk);
  EXPECT_GT(measured->durationNs, 0u);
  EXPECT_LT(measured->durationNs, 100000u) << "well under 100 us per packet";
  RecordProperty("ns_per_packet", std::to_string(measured->durationNs));
  std::printf("fixture ingress, endpoint-to-endpoint tcp/80 allow: %u ns/packet (test_run, repeat 1e5)\n",
              measured->durationNs);
}

}  // namespace
}  // namespace ciliumc::loader

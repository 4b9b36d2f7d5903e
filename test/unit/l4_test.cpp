// Layer 4: protocol names, port ranges, ICMP type names, the port-spec syntax with precise error
// offsets and hints, and L4Match semantics (ANY = TCP+UDP+SCTP; port rules leave ICMP closed).
#include "ir/l4.h"

#include <gtest/gtest.h>

namespace ciliumc {
namespace {

PortSpec specOk(std::string_view text) {
  auto spec = parsePortSpec(text);
  EXPECT_TRUE(spec.ok()) << text << ": " << (spec ? "" : spec.error().message);
  return spec ? *spec : PortSpec{};
}

Error specError(std::string_view text) {
  auto spec = parsePortSpec(text);
  EXPECT_FALSE(spec.ok()) << text;
  return spec ? Error{} : spec.error();
}

TEST(ProtocolNames, RoundTripAndCaseInsensitive) {
  for (Protocol p : {Protocol::TCP, Protocol::UDP, Protocol::SCTP, Protocol::Any, Protocol::ICMP, Protocol::ICMPv6}) {
    auto back = protocolFromName(protocolName(p));
    ASSERT_TRUE(back.has_value()) << protocolName(p);
    EXPECT_EQ(*back, p);
  }
  EXPECT_EQ(protocolName(Protocol::ICMPv6), "icmpv6");
  EXPECT_EQ(protocolFromName("TCP"), Protocol::TCP);
  EXPECT_EQ(protocolFromName("ICMPv6"), Protocol::ICMPv6);
  EXPECT_FALSE(protocolFromName("tpc").has_value());
  EXPECT_FALSE(protocolFromName("").has_value());
  EXPECT_EQ(static_cast<int>(Protocol::SCTP), 132);
}

TEST(PortRangeTest, AnyMatchesTcpUdpSctpOnly) {
  PortRange any{Protocol::Any, 53, 53};
  EXPECT_TRUE(any.matches(Protocol::TCP, 53));
  EXPECT_TRUE(any.matches(Protocol::UDP, 53));
  EXPECT_TRUE(any.matches(Protocol::SCTP, 53));
  EXPECT_FALSE(any.matches(Protocol::ICMP, 53));
  EXPECT_FALSE(any.matches(Protocol::ICMPv6, 53));
  EXPECT_FALSE(any.matches(Protocol::TCP, 54));
}

TEST(PortRangeTest, InclusiveBoundsAndExactProtocol) {
  PortRange r{Protocol::TCP, 8000, 8100};
  EXPECT_TRUE(r.matches(Protocol::TCP, 8000));
  EXPECT_TRUE(r.matches(Protocol::TCP, 8100));
  EXPECT_FALSE(r.matches(Protocol::TCP, 7999));
  EXPECT_FALSE(r.matches(Protocol::TCP, 8101));
  EXPECT_FALSE(r.matches(Protocol::UDP, 8050));
  PortRange all{Protocol::UDP, 0, 65535};
  EXPECT_TRUE(all.allPorts());
  EXPECT_TRUE(all.matches(Protocol::UDP, 0));
  EXPECT_TRUE(all.matches(Protocol::UDP, 65535));
}

TEST(PortRangeTest, ToStringForms) {
  EXPECT_EQ((PortRange{Protocol::TCP, 0, 65535}).toString(), "tcp");
  EXPECT_EQ((PortRange{Protocol::TCP, 80, 80}).toString(), "tcp/80");
  EXPECT_EQ((PortRange{Protocol::UDP, 8000, 8100}).toString(), "udp/8000-8100");
  EXPECT_EQ((PortRange{Protocol::Any, 53, 53}).toString(), "any/53");
  EXPECT_EQ((PortRange{Protocol::Any, 0, 65535}).toString(), "any");
}

TEST(IcmpNames, KebabAndCamelCaseCaseInsensitive) {
  EXPECT_EQ(icmpTypeFromName(Protocol::ICMP, "echo-request"), 8);
  EXPECT_EQ(icmpTypeFromName(Protocol::ICMP, "EchoRequest"), 8);
  EXPECT_EQ(icmpTypeFromName(Protocol::ICMP, "ECHO-REPLY"), 0);
  EXPECT_EQ(icmpTypeFromName(Protocol::ICMPv6, "echo-request"), 128);
  EXPECT_EQ(icmpTypeFromName(Protocol::ICMPv6, "ICMPNodeInformationQuery"), 139);
  EXPECT_EQ(icmpTypeFromName(Protocol::ICMPv6, "DuplicateAddressConfirmationCodeSuffix"), 158);
  EXPECT_FALSE(icmpTypeFromName(Protocol::ICMP, "packet-too-big").has_value());
  EXPECT_FALSE(icmpTypeFromName(Protocol::ICMP, "").has_value());
}

TEST(IcmpNames, TablesMatchIana) {
  const std::vector<std::pair<int, std::string>> v4 = {
      {0, "echo-reply"},     {3, "destination-unreachable"}, {5, "redirect"},         {8, "echo-request"},
      {9, "router-advertisement"}, {10, "router-selection"}, {11, "time-exceeded"},   {12, "parameter-problem"},
      {13, "timestamp"},     {14, "timestamp-reply"},        {40, "photuris"},        {42, "extended-echo-request"},
      {43, "extended-echo-reply"}};
  EXPECT_EQ(icmpTypeNames(Protocol::ICMP).size(), v4.size());
  for (const auto& [type, name] : v4) {
    EXPECT_EQ(icmpTypeName(Protocol::ICMP, static_cast<uint8_t>(type)), name);
    EXPECT_EQ(icmpTypeFromName(Protocol::ICMP, name), type);
  }
  const std::vector<std::pair<int, std::string>> v6 = {
      {1, "destination-unreachable"}, {2, "packet-too-big"}, {3, "time-exceeded"}, {4, "parameter-problem"},
      {128, "echo-request"}, {129, "echo-reply"}, {130, "multicast-listener-query"},
      {131, "multicast-listener-report"}, {132, "multicast-listener-done"}, {133, "router-solicitation"},
      {134, "router-advertisement"}, {135, "neighbor-solicitation"}, {136, "neighbor-advertisement"},
      {137, "redirect-message"}, {138, "router-renumbering"}, {139, "icmp-node-information-query"},
      {140, "icmp-node-information-response"}, {141, "inverse-neighbor-discovery-solicitation"},
      {142, "inverse-neighbor-discovery-advertisement"}, {144, "home-agent-address-discovery-request"},
      {145, "home-agent-address-discovery-reply"}, {146, "mobile-prefix-solicitation"},
      {147, "mobile-prefix-advertisement"}, {157, "duplicate-address-request-code-suffix"},
      {158, "duplicate-address-confirmation-code-suffix"}, {160, "extended-echo-request"},
      {161, "extended-echo-reply"}};
  EXPECT_EQ(icmpTypeNames(Protocol::ICMPv6).size(), v6.size());
  for (const auto& [type, name] : v6) {
    EXPECT_EQ(icmpTypeName(Protocol::ICMPv6, static_cast<uint8_t>(type)), name);
    EXPECT_EQ(icmpTypeFromName(Protocol::ICMPv6, name), type);
  }
  EXPECT_EQ(icmpTypeName(Protocol::ICMP, 42), "extended-echo-request");
  EXPECT_EQ(icmpTypeName(Protocol::ICMP, 99), "");
}

TEST(IcmpTypeTest, ToStringNamedOrNumeric) {
  EXPECT_EQ((IcmpType{Protocol::ICMP, 8}).toString(), "icmp/echo-request");
  EXPECT_EQ((IcmpType{Protocol::ICMPv6, 128}).toString(), "icmpv6/echo-request");
  EXPECT_EQ((IcmpType{Protocol::ICMP, 99}).toString(), "icmp/99");
}

TEST(PortSpecParse, ProtocolAlonesMeansAllPorts) {
  PortSpec s = specOk("tcp");
  ASSERT_TRUE(s.ports.has_value());
  EXPECT_FALSE(s.icmp.has_value());
  EXPECT_EQ(*s.ports, (PortRange{Protocol::TCP, 0, 65535}));
  EXPECT_EQ(specOk("ANY").ports->protocol, Protocol::Any);
}

TEST(PortSpecParse, SinglePortsAndRanges) {
  EXPECT_EQ(*specOk("tcp/80").ports, (PortRange{Protocol::TCP, 80, 80}));
  EXPECT_EQ(*specOk("udp/8000-8100").ports, (PortRange{Protocol::UDP, 8000, 8100}));
  EXPECT_EQ(*specOk("any/53").ports, (PortRange{Protocol::Any, 53, 53}));
  EXPECT_EQ(*specOk("sctp/9").ports, (PortRange{Protocol::SCTP, 9, 9}));
  EXPECT_EQ(*specOk("tcp/65535").ports, (PortRange{Protocol::TCP, 65535, 65535}));
  EXPECT_EQ(*specOk("tcp/80-80").ports, (PortRange{Protocol::TCP, 80, 80}));
}

TEST(PortSpecParse, ExplicitPortZeroMeansAllPorts) {
  EXPECT_TRUE(specOk("tcp/0").ports->allPorts());
  EXPECT_EQ(specOk("tcp/0").ports->protocol, Protocol::TCP);
}

TEST(PortSpecParse, IcmpByNumberAndName) {
  PortSpec s = specOk("icmp/8");
  ASSERT_TRUE(s.icmp.has_value());
  EXPECT_FALSE(s.ports.has_value());
  EXPECT_EQ(*s.icmp, (IcmpType{Protocol::ICMP, 8}));
  EXPECT_EQ(*specOk("icmp/echo-request").icmp, (IcmpType{Protocol::ICMP, 8}));
  EXPECT_EQ(*specOk("icmpv6/128").icmp, (IcmpType{Protocol::ICMPv6, 128}));
  EXPECT_EQ(*specOk("icmpv6/EchoRequest").icmp, (IcmpType{Protocol::ICMPv6, 128}));
  EXPECT_EQ(*specOk("icmp/255").icmp, (IcmpType{Protocol::ICMP, 255}));
}

TEST(PortSpecParse, UnknownProtocolSuggestsTheClosest) {
  Error e = specError("tpc/80");
  EXPECT_EQ(e.offset, 0u);
  EXPECT_NE(e.message.find("`tpc`"), std::string::npos);
  EXPECT_EQ(e.hint, "did you mean `tcp`?");
  EXPECT_EQ(specError("icmp6/1").hint, "did you mean `icmpv6`?");
  EXPECT_NE(specError("http/80").hint, "");
  EXPECT_EQ(specError("/80").offset, 0u);
}

TEST(PortSpecParse, PortErrorsPointAtTheNumber) {
  Error big = specError("tcp/65536");
  EXPECT_EQ(big.offset, 4u);
  EXPECT_NE(big.message.find("65536"), std::string::npos);
  EXPECT_EQ(specError("tcp/80-70000").offset, 7u);
  EXPECT_EQ(specError("tcp/").offset, 4u);
  EXPECT_EQ(specError("tcp/8a").offset, 5u);
  EXPECT_EQ(specError("tcp/80-").offset, 7u);
  EXPECT_EQ(specError("tcp/-80").offset, 4u);
  EXPECT_EQ(specError("tcp/1-2-3").offset, 7u);
  EXPECT_EQ(specError("tcp/99999999999999999999999999").offset, 4u);
}

TEST(PortSpecParse, ReversedRangeSuggestsTheOrderedOne) {
  Error e = specError("tcp/90-80");
  EXPECT_EQ(e.offset, 7u);
  EXPECT_EQ(e.hint, "write the lower port first: `tcp/80-90`");
}

TEST(PortSpecParse, IcmpErrors) {
  Error typo = specError("icmp/echo-reqest");
  EXPECT_EQ(typo.offset, 5u);
  EXPECT_EQ(typo.hint, "did you mean `echo-request`?");
  Error wrongFamily = specError("icmp/packet-too-big");
  EXPECT_NE(wrongFamily.hint.find("icmpv6/packet-too-big"), std::string::npos);
  EXPECT_EQ(specError("icmp/256").offset, 5u);
  EXPECT_EQ(specError("icmp").offset, 4u);
  EXPECT_EQ(specError("icmpv6/").offset, 7u);
}

TEST(L4MatchTest, WildcardMatchesEveryProtocolIncludingIcmp) {
  L4Match wildcard;
  EXPECT_TRUE(wildcard.isWildcard());
  EXPECT_TRUE(wildcard.matches(Protocol::TCP, 1));
  EXPECT_TRUE(wildcard.matches(Protocol::ICMP, 8));
  EXPECT_TRUE(wildcard.matches(Protocol::ICMPv6, 128));
  EXPECT_EQ(wildcard.toString(), "any");
}

TEST(L4MatchTest, PortsOnlyLeaveIcmpClosed) {
  L4Match m{{PortRange{Protocol::Any, 0, 65535}}, {}};
  EXPECT_TRUE(m.matches(Protocol::UDP, 9999));
  EXPECT_FALSE(m.matches(Protocol::ICMP, 8));
  EXPECT_FALSE(m.matches(Protocol::ICMPv6, 128));
}

TEST(L4MatchTest, MatchesAnyListedRangeOrIcmpType) {
  L4Match m{{PortRange{Protocol::TCP, 80, 80}, PortRange{Protocol::UDP, 53, 53}}, {IcmpType{Protocol::ICMP, 8}}};
  EXPECT_TRUE(m.matches(Protocol::TCP, 80));
  EXPECT_TRUE(m.matches(Protocol::UDP, 53));
  EXPECT_FALSE(m.matches(Protocol::TCP, 53));
  EXPECT_TRUE(m.matches(Protocol::ICMP, 8));
  EXPECT_FALSE(m.matches(Protocol::ICMP, 0));
  EXPECT_FALSE(m.matches(Protocol::ICMPv6, 8));  // the family must match
  EXPECT_FALSE(m.matches(Protocol::ICMP, 8 + 256));
  EXPECT_EQ(m.toString(), "tcp/80, udp/53, icmp/echo-request");
}

}  // namespace
}  // namespace ciliumc

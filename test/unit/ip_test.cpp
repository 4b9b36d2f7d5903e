// IP addresses and prefixes: IPv4/IPv6 parsing (with `::` and embedded IPv4), RFC 5952
// printing, prefix validation with precise errors, containment.
#include "ir/ip.h"

#include <gtest/gtest.h>

namespace ciliumc {
namespace {

std::string roundTrip(std::string_view text) {
  auto ip = IpAddress::parse(text);
  EXPECT_TRUE(ip.ok()) << text << ": " << (ip ? "" : ip.error().message);
  return ip ? ip->toString() : "";
}

Error addressError(std::string_view text) {
  auto ip = IpAddress::parse(text);
  EXPECT_FALSE(ip.ok()) << text << " parsed as " << (ip ? ip->toString() : "");
  return ip ? Error{} : ip.error();
}

Error prefixError(std::string_view text) {
  auto p = IpPrefix::parse(text);
  EXPECT_FALSE(p.ok()) << text << " parsed as " << (p ? p->toString() : "");
  return p ? Error{} : p.error();
}

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }
IpPrefix prefix(std::string_view text) { return *IpPrefix::parse(text); }

TEST(Ipv4Parse, DottedQuad) {
  auto a = IpAddress::parse("192.0.2.10");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->family, IpFamily::V4);
  EXPECT_EQ(a->bitLength(), 32);
  EXPECT_EQ(a->bytes[0], 192);
  EXPECT_EQ(a->bytes[3], 10);
  EXPECT_EQ(a->toString(), "192.0.2.10");
  EXPECT_EQ(roundTrip("0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(roundTrip("255.255.255.255"), "255.255.255.255");
}

TEST(Ipv4Parse, ErrorsPointAtTheBadPart) {
  EXPECT_EQ(addressError("256.1.1.1").offset, 0u);
  EXPECT_EQ(addressError("1.2.3.300").offset, 6u);
  EXPECT_EQ(addressError("1.2.3").offset, 5u);
  EXPECT_EQ(addressError("1.2.3.4.5").offset, 7u);
  EXPECT_EQ(addressError("1.2.x.4").offset, 4u);
  EXPECT_EQ(addressError("1..3.4").offset, 2u);
  Error leading = addressError("10.01.0.1");
  EXPECT_EQ(leading.offset, 3u);
  EXPECT_NE(leading.message.find("leading zero"), std::string::npos);
  EXPECT_EQ(addressError("").offset, 0u);
  EXPECT_EQ(addressError(" 1.2.3.4").offset, 0u);
}

TEST(Ipv6Parse, FullAndCompressedForms) {
  auto a = IpAddress::parse("2001:db8:0:0:0:0:0:1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->family, IpFamily::V6);
  EXPECT_EQ(a->bitLength(), 128);
  EXPECT_EQ(a->bytes[0], 0x20);
  EXPECT_EQ(a->bytes[1], 0x01);
  EXPECT_EQ(a->bytes[15], 0x01);
  EXPECT_EQ(*a, ip("2001:db8::1"));
  EXPECT_EQ(roundTrip("::"), "::");
  EXPECT_EQ(roundTrip("::1"), "::1");
  EXPECT_EQ(roundTrip("fe80::"), "fe80::");
  EXPECT_EQ(roundTrip("FE80::ABCD"), "fe80::abcd");
}

TEST(Ipv6Parse, EmbeddedIpv4) {
  auto mapped = IpAddress::parse("::ffff:192.0.2.1");
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(mapped->bytes[10], 0xff);
  EXPECT_EQ(mapped->bytes[11], 0xff);
  EXPECT_EQ(mapped->bytes[12], 192);
  EXPECT_EQ(mapped->bytes[15], 1);
  EXPECT_EQ(mapped->toString(), "::ffff:192.0.2.1");
  EXPECT_EQ(roundTrip("64:ff9b::1.2.3.4"), "64:ff9b::102:304");
  EXPECT_EQ(roundTrip("1:2:3:4:5:6:1.2.3.4"), "1:2:3:4:5:6:102:304");
}

TEST(Ipv6Parse, Errors) {
  EXPECT_FALSE(IpAddress::parse(":::").ok());
  Error twice = addressError("1::2::3");
  EXPECT_EQ(twice.offset, 4u);
  EXPECT_NE(twice.message.find("more than once"), std::string::npos);
  EXPECT_EQ(addressError("12345::").offset, 4u);
  EXPECT_FALSE(IpAddress::parse("1:2:3:4:5:6:7:8:9").ok());
  EXPECT_FALSE(IpAddress::parse("1:2:3:4:5:6:7").ok());
  EXPECT_FALSE(IpAddress::parse("1:2:3:4:5:6:7:8::").ok());
  EXPECT_EQ(addressError(":1::").offset, 0u);
  EXPECT_EQ(addressError("1:").offset, 1u);
  EXPECT_EQ(addressError("fe80::1%eth0").offset, 7u);
  EXPECT_EQ(addressError("1::g").offset, 3u);
  EXPECT_EQ(addressError("::1.2.3.256").offset, 8u);
  EXPECT_FALSE(IpAddress::parse("1:2:3:4:5:6:7:1.2.3.4").ok());
}

TEST(Ipv6Print, Rfc5952) {
  // Leading zeros dropped, lowercase, longest zero run compressed, first on a tie, a single zero
  // group never compressed.
  EXPECT_EQ(roundTrip("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  EXPECT_EQ(roundTrip("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  EXPECT_EQ(roundTrip("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(roundTrip("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
  EXPECT_EQ(roundTrip("0:0:0:0:0:0:0:0"), "::");
  EXPECT_EQ(roundTrip("1:0:0:0:0:0:0:0"), "1::");
  EXPECT_EQ(roundTrip("0:0:0:0:0:0:0:1"), "::1");
  EXPECT_EQ(roundTrip("2001:DB8::A:B"), "2001:db8::a:b");
}

TEST(IpPrefixParse, AddressAndLength) {
  auto p = IpPrefix::parse("10.0.0.0/8");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->length, 8);
  EXPECT_EQ(p->toString(), "10.0.0.0/8");
  EXPECT_EQ(prefix("0.0.0.0/0").toString(), "0.0.0.0/0");
  EXPECT_TRUE(prefix("0.0.0.0/0").isDefaultRoute());
  EXPECT_FALSE(prefix("10.0.0.0/8").isDefaultRoute());
  EXPECT_EQ(prefix("2001:DB8::/32").toString(), "2001:db8::/32");
  EXPECT_EQ(prefix("::/0").length, 0);
}

TEST(IpPrefixParse, BareAddressIsAFullLengthPrefix) {
  EXPECT_EQ(prefix("192.0.2.1").length, 32);
  EXPECT_EQ(prefix("192.0.2.1").toString(), "192.0.2.1/32");
  EXPECT_EQ(prefix("::1").length, 128);
}

TEST(IpPrefixParse, HostBitsSetSaysWhichAndSuggestsTheNetwork) {
  Error e = prefixError("10.1.0.0/8");
  EXPECT_NE(e.message.find("host bits"), std::string::npos);
  EXPECT_NE(e.message.find("first 8 bits"), std::string::npos);
  EXPECT_NE(e.message.find("bit 16 "), std::string::npos);  // 10.1.x.x: the 16th bit is set
  EXPECT_EQ(e.hint, "did you mean 10.0.0.0/8?");
  EXPECT_EQ(prefixError("192.168.1.1/24").hint, "did you mean 192.168.1.0/24?");
  EXPECT_EQ(prefixError("2001:db8::1/64").hint, "did you mean 2001:db8::/64?");
  EXPECT_EQ(prefixError("0.0.0.1/0").hint, "did you mean 0.0.0.0/0?");
}

TEST(IpPrefixParse, LengthErrors) {
  Error tooLong = prefixError("10.0.0.0/33");
  EXPECT_EQ(tooLong.offset, 9u);
  EXPECT_NE(tooLong.message.find("0-32"), std::string::npos);
  EXPECT_TRUE(IpPrefix::parse("::/128").ok());
  EXPECT_NE(prefixError("::/129").message.find("0-128"), std::string::npos);
  EXPECT_EQ(prefixError("10.0.0.0/").offset, 9u);
  EXPECT_EQ(prefixError("10.0.0.0/8x").offset, 10u);
  EXPECT_EQ(prefixError("10.0.0.0/-1").offset, 9u);
  EXPECT_EQ(prefixError("10.0.0.0/08").offset, 9u);
  EXPECT_EQ(prefixError("10.0.0.0/99999999999999999999999").offset, 9u);
  EXPECT_EQ(prefixError("10.0.0.300/8").offset, 7u);
}

TEST(IpPrefixContains, Addresses) {
  IpPrefix p = prefix("10.0.0.0/8");
  EXPECT_TRUE(p.contains(ip("10.255.1.2")));
  EXPECT_FALSE(p.contains(ip("11.0.0.0")));
  EXPECT_TRUE(prefix("0.0.0.0/0").contains(ip("203.0.113.7")));
  EXPECT_FALSE(prefix("0.0.0.0/0").contains(ip("::1")));  // families never mix
  EXPECT_FALSE(prefix("::/0").contains(ip("1.2.3.4")));
  EXPECT_TRUE(prefix("2001:db8::/32").contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(prefix("2001:db8::/32").contains(ip("2001:db9::1")));
  EXPECT_TRUE(prefix("192.0.2.7/32").contains(ip("192.0.2.7")));
  EXPECT_FALSE(prefix("192.0.2.7/32").contains(ip("192.0.2.6")));
  EXPECT_TRUE(prefix("10.0.0.0/9").contains(ip("10.127.0.0")));
  EXPECT_FALSE(prefix("10.0.0.0/9").contains(ip("10.128.0.0")));
}

TEST(IpPrefixContains, Prefixes) {
  IpPrefix p = prefix("10.0.0.0/8");
  EXPECT_TRUE(p.contains(prefix("10.1.0.0/16")));
  EXPECT_TRUE(p.contains(p));
  EXPECT_FALSE(prefix("10.1.0.0/16").contains(p));
  EXPECT_FALSE(p.contains(prefix("11.0.0.0/16")));
  EXPECT_FALSE(p.contains(prefix("::/0")));
}

TEST(IpOrdering, ComparesByFamilyThenBytes) {
  EXPECT_LT(ip("1.2.3.4"), ip("1.2.3.5"));
  EXPECT_LT(ip("255.255.255.255"), ip("::"));
  EXPECT_LT(prefix("10.0.0.0/8"), prefix("10.0.0.0/16"));
}

}  // namespace
}  // namespace ciliumc

// IPv4/IPv6 addresses and prefixes (CIDRs). Value types, no allocation.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "support/expected.h"

namespace ciliumc {

enum class IpFamily : uint8_t { V4, V6 };

struct IpAddress {
  IpFamily family = IpFamily::V4;
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 uses bytes[0..3]

  static Expected<IpAddress> parse(std::string_view text);
  std::string toString() const;  // canonical (RFC 5952 for IPv6)
  int bitLength() const { return family == IpFamily::V4 ? 32 : 128; }
  bool bit(int index) const { return (bytes[index / 8] >> (7 - index % 8)) & 1; }
  auto operator<=>(const IpAddress&) const = default;
};

struct IpPrefix {
  IpAddress address;  // host bits are zero (parse rejects set host bits)
  int length = 0;

  // Accepts "a.b.c.d/n", "x::y/n", and a bare address (full-length prefix).
  static Expected<IpPrefix> parse(std::string_view text);
  std::string toString() const;
  bool contains(const IpAddress& ip) const;
  bool contains(const IpPrefix& other) const;  // other is equal to or inside this prefix
  bool isDefaultRoute() const { return length == 0; }
  auto operator<=>(const IpPrefix&) const = default;
};

}  // namespace ciliumc

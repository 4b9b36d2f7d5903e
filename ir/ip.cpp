#include "ir/ip.h"

#include <cstdio>
#include <vector>

#include "support/strings.h"

namespace ciliumc {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string quotedChar(char c) {
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return "a non-printable byte";
  return std::string("`") + c + "`";
}

// Dotted quad into out[0..3]. `base` is the offset of `text` in the caller's input.
Expected<bool> parseIpv4Into(std::string_view text, size_t base, uint8_t* out) {
  size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.')
        return Error{pos >= text.size() ? "IPv4 address has only " + std::to_string(part) + " of 4 parts"
                                        : "unexpected " + quotedChar(text[pos]) + " in IPv4 address",
                     base + pos, ""};
      ++pos;
    }
    size_t start = pos;
    while (pos < text.size() && isDigit(text[pos])) ++pos;
    if (pos == start) {
      if (pos < text.size()) return Error{"unexpected " + quotedChar(text[pos]) + " in IPv4 address", base + pos, ""};
      return Error{"IPv4 address ends where a number was expected", base + pos, ""};
    }
    std::string_view digits = text.substr(start, pos - start);
    if (digits.size() > 1 && digits[0] == '0')
      return Error{"IPv4 address part `" + std::string(digits) + "` has a leading zero (ambiguous: octal?)",
                   base + start, "write it without leading zeros"};
    unsigned long value = 0;
    if (!parseUnsigned(digits, 255, value))
      return Error{"IPv4 address part `" + std::string(digits) + "` is larger than 255", base + start, ""};
    out[part] = static_cast<uint8_t>(value);
  }
  if (pos != text.size())
    return Error{"unexpected " + quotedChar(text[pos]) + " after IPv4 address", base + pos, ""};
  return true;
}

// RFC 4291 text form: up to 8 hex groups, one `::`, optionally a trailing dotted quad.
Expected<bool> parseIpv6Into(std::string_view text, uint8_t* out) {
  std::vector<uint16_t> head, tail;
  bool sawDoubleColon = false;
  size_t pos = 0;
  if (startsWith(text, "::")) {
    sawDoubleColon = true;
    pos = 2;
  } else if (startsWith(text, ":")) {
    return Error{"IPv6 address cannot start with a single `:`", 0, "did you mean `::`?"};
  }
  while (pos < text.size()) {
    std::vector<uint16_t>& groups = sawDoubleColon ? tail : head;
    size_t start = pos;
    while (pos < text.size() && hexValue(text[pos]) >= 0) ++pos;
    if (pos < text.size() && text[pos] == '.') {
      // Embedded IPv4 (`::ffff:1.2.3.4`): must be the last 32 bits.
      uint8_t v4[4];
      if (auto ok = parseIpv4Into(text.substr(start), start, v4); !ok) return ok;
      groups.push_back(static_cast<uint16_t>(v4[0] << 8 | v4[1]));
      groups.push_back(static_cast<uint16_t>(v4[2] << 8 | v4[3]));
      pos = text.size();
      break;
    }
    if (pos == start) {
      if (pos < text.size() && text[pos] == '%')
        return Error{"IPv6 zone identifiers (`%...`) are not allowed", pos, ""};
      if (pos < text.size()) return Error{"unexpected " + quotedChar(text[pos]) + " in IPv6 address", pos, ""};
      return Error{"IPv6 address ends with a single `:`", pos - 1, ""};
    }
    if (pos - start > 4) return Error{"IPv6 group has more than 4 hex digits", start + 4, ""};
    uint16_t value = 0;
    for (size_t i = start; i < pos; ++i) value = static_cast<uint16_t>(value << 4 | hexValue(text[i]));
    groups.push_back(value);
    if (head.size() + tail.size() > 8) return Error{"IPv6 address has more than 8 groups", start, ""};
    if (pos == text.size()) break;
    if (text[pos] == '%') return Error{"IPv6 zone identifiers (`%...`) are not allowed", pos, ""};
    if (text[pos] != ':') return Error{"unexpected " + quotedChar(text[pos]) + " in IPv6 address", pos, ""};
    if (pos + 1 < text.size() && text[pos + 1] == ':') {
      if (sawDoubleColon) return Error{"IPv6 address contains `::` more than once", pos, ""};
      sawDoubleColon = true;
      pos += 2;
    } else {
      ++pos;
      if (pos == text.size()) return Error{"IPv6 address ends with a single `:`", pos - 1, ""};
    }
  }
  size_t total = head.size() + tail.size();
  if (total > 8 || (sawDoubleColon && total == 8)) {
    if (total > 8) return Error{"IPv6 address has more than 8 groups", 0, ""};
    return Error{"`::` stands for at least one zero group, but the address already has 8 groups",
                 text.find("::"), ""};
  }
  if (!sawDoubleColon && total < 8)
    return Error{"IPv6 address has only " + std::to_string(total) + " of 8 groups", text.size(),
                 "use `::` to abbreviate zero groups"};
  std::vector<uint16_t> groups = head;
  groups.resize(8 - tail.size(), 0);
  groups.insert(groups.end(), tail.begin(), tail.end());
  for (size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
    out[2 * i + 1] = static_cast<uint8_t>(groups[i] & 0xff);
  }
  return true;
}

std::string ipv6ToString(const std::array<uint8_t, 16>& b) {
  uint16_t groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = static_cast<uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  bool mapped = groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0 &&
                groups[5] == 0xffff;
  if (mapped) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "::ffff:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
    return buf;
  }
  // RFC 5952 §4.2: compress the longest run (>= 2) of zero groups, the first on a tie.
  int bestStart = -1, bestLength = 1;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) { ++i; continue; }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  std::string text;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == bestStart) {
      text += "::";
      i += bestLength - 1;
      continue;
    }
    if (!text.empty() && text.back() != ':') text += ':';
    std::snprintf(buf, sizeof buf, "%x", groups[i]);
    text += buf;
  }
  return text;
}

// Zeroes the bits after `length`; returns whether any was set, and the first set one.
bool clearHostBits(IpAddress& address, int length, int& firstSetBit) {
  bool anySet = false;
  for (int i = address.bitLength() - 1; i >= length; --i) {
    if (!address.bit(i)) continue;
    anySet = true;
    firstSetBit = i;
    address.bytes[i / 8] = static_cast<uint8_t>(address.bytes[i / 8] & ~(1u << (7 - i % 8)));
  }
  return anySet;
}

bool prefixBitsEqual(const IpAddress& a, const IpAddress& b, int length) {
  for (int i = 0; i < length; ++i)
    if (a.bit(i) != b.bit(i)) return false;
  return true;
}

}  // namespace

Expected<IpAddress> IpAddress::parse(std::string_view text) {
  IpAddress address;
  if (text.empty()) return Error{"empty IP address", 0, ""};
  if (text.find(':') != std::string_view::npos) {
    address.family = IpFamily::V6;
    if (auto ok = parseIpv6Into(text, address.bytes.data()); !ok) return ok.error();
    return address;
  }
  address.family = IpFamily::V4;
  if (auto ok = parseIpv4Into(text, 0, address.bytes.data()); !ok) return ok.error();
  return address;
}

std::string IpAddress::toString() const {
  if (family == IpFamily::V6) return ipv6ToString(bytes);
  return std::to_string(bytes[0]) + "." + std::to_string(bytes[1]) + "." + std::to_string(bytes[2]) + "." +
         std::to_string(bytes[3]);
}

Expected<IpPrefix> IpPrefix::parse(std::string_view text) {
  size_t slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return address.error();
  IpPrefix prefix{*address, address->bitLength()};
  if (slash == std::string_view::npos) return prefix;
  std::string_view lengthText = text.substr(slash + 1);
  size_t lengthOffset = slash + 1;
  if (lengthText.empty()) return Error{"prefix length missing after `/`", lengthOffset, ""};
  for (size_t i = 0; i < lengthText.size(); ++i)
    if (!isDigit(lengthText[i]))
      return Error{"unexpected " + quotedChar(lengthText[i]) + " in prefix length", lengthOffset + i, ""};
  if (lengthText.size() > 1 && lengthText[0] == '0')
    return Error{"prefix length `" + std::string(lengthText) + "` has a leading zero", lengthOffset,
                 "write it without leading zeros"};
  unsigned long length = 0;
  if (!parseUnsigned(lengthText, static_cast<unsigned long>(prefix.address.bitLength()), length))
    return Error{"prefix length /" + std::string(lengthText) + " is out of range for an " +
                     (prefix.address.family == IpFamily::V4 ? "IPv4 address (0-32)" : "IPv6 address (0-128)"),
                 lengthOffset, ""};
  prefix.length = static_cast<int>(length);
  int firstSetBit = 0;
  IpAddress network = prefix.address;
  if (clearHostBits(network, prefix.length, firstSetBit)) {
    IpPrefix suggestion{network, prefix.length};
    return Error{"`" + std::string(text) + "` has host bits set: only the first " + std::to_string(prefix.length) +
                     " bits may be non-zero, but bit " + std::to_string(firstSetBit + 1) + " of " +
                     std::to_string(prefix.address.bitLength()) + " is set",
                 0, "did you mean " + suggestion.toString() + "?"};
  }
  return prefix;
}

std::string IpPrefix::toString() const { return address.toString() + "/" + std::to_string(length); }

bool IpPrefix::contains(const IpAddress& ip) const {
  return ip.family == address.family && prefixBitsEqual(address, ip, length);
}

bool IpPrefix::contains(const IpPrefix& other) const {
  return other.address.family == address.family && other.length >= length && contains(other.address);
}

}  // namespace ciliumc

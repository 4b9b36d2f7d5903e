#include "loader/packet_builder.h"

#include <algorithm>
#include <array>

namespace ciliumc::loader {

namespace {

constexpr size_t kIpv4Bytes = 20;
constexpr size_t kFragmentHeaderBytes = 8;
constexpr uint8_t kIpv6FragmentHeader = 44;

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { u8(uint8_t(v >> 8)); u8(uint8_t(v)); }
  void u32(uint32_t v) { u16(uint16_t(v >> 16)); u16(uint16_t(v)); }
  void bytes(const uint8_t* data, size_t n) { out_.insert(out_.end(), data, data + n); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  size_t size() const { return out_.size(); }

 private:
  std::vector<uint8_t>& out_;
};

void put16(std::vector<uint8_t>& p, size_t at, uint16_t v) { p[at] = uint8_t(v >> 8); p[at + 1] = uint8_t(v); }

uint32_t sum16(const uint8_t* data, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t(data[i]) << 8 | data[i + 1];
  if (n % 2) sum += uint32_t(data[n - 1]) << 8;
  return sum;
}

uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

uint32_t crc32c(const uint8_t* data, size_t n) {
  uint32_t crc = 0xffffffff;
  for (size_t i = 0; i < n; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
  }
  return ~crc;
}

size_t addressBytes(const IpAddress& ip) { return ip.family == IpFamily::V4 ? 4 : 16; }

// The L4 header (and payload) without checksum; returns the offset of the checksum field
// inside it, or nothing when the protocol has no checksum we compute with the pseudo-header.
std::optional<size_t> writeL4(Writer& w, const PacketSpec& spec) {
  switch (spec.protocol) {
    case Protocol::TCP:
      w.u16(spec.sourcePort); w.u16(spec.port);
      w.u32(0x01020304);            // sequence number
      w.u32(0);                     // acknowledgement
      w.u8(5 << 4); w.u8(0x02);     // data offset 5 words; SYN
      w.u16(64240);                 // window
      w.u16(0); w.u16(0);           // checksum, urgent pointer
      w.zeros(spec.payloadBytes);
      return 16;
    case Protocol::UDP:
      w.u16(spec.sourcePort); w.u16(spec.port);
      w.u16(uint16_t(8 + spec.payloadBytes)); w.u16(0);
      w.zeros(spec.payloadBytes);
      return 6;
    case Protocol::SCTP:
      w.u16(spec.sourcePort); w.u16(spec.port);
      w.u32(0);                     // verification tag: 0 in a packet carrying INIT
      w.u32(0);                     // CRC32c, patched below
      w.u8(1); w.u8(0); w.u16(20);  // INIT chunk: type, flags, length
      w.u32(0x0badcafe);            // initiate tag
      w.u32(65536);                 // a_rwnd
      w.u16(10); w.u16(10);         // outbound streams, inbound streams
      w.u32(1);                     // initial TSN
      w.zeros(spec.payloadBytes);
      return std::nullopt;
    case Protocol::ICMP:
    case Protocol::ICMPv6:
      w.u8(uint8_t(spec.port)); w.u8(0); w.u16(0);  // type, code, checksum
      w.u16(spec.sourcePort); w.u16(1);             // identifier, sequence
      w.zeros(spec.payloadBytes);
      return 2;
    case Protocol::Any:
      break;
  }
  w.zeros(spec.payloadBytes);
  return std::nullopt;
}

}  // namespace

Expected<std::vector<uint8_t>> buildPacket(const PacketSpec& spec) {
  if (spec.source.family != spec.destination.family) return Error{"source and destination families differ"};
  if (spec.protocol == Protocol::Any) return Error{"a packet needs a concrete protocol, not `any`"};
  bool v4 = spec.source.family == IpFamily::V4;
  if (spec.protocol == Protocol::ICMP && !v4) return Error{"ICMP needs IPv4 addresses"};
  if (spec.protocol == Protocol::ICMPv6 && v4) return Error{"ICMPv6 needs IPv6 addresses"};

  std::vector<uint8_t> l4;
  Writer l4Writer(l4);
  std::optional<size_t> checksumAt = writeL4(l4Writer, spec);
  uint8_t protocol = static_cast<uint8_t>(spec.protocol);

  // Checksums over the pseudo-header (ICMPv4 has none: plain sum over the message).
  const size_t addrBytes = addressBytes(spec.source);
  if (spec.protocol == Protocol::SCTP) {
    uint32_t crc = crc32c(l4.data(), l4.size());
    l4[8] = uint8_t(crc); l4[9] = uint8_t(crc >> 8); l4[10] = uint8_t(crc >> 16); l4[11] = uint8_t(crc >> 24);
  } else if (checksumAt) {
    uint32_t sum = 0;
    if (spec.protocol != Protocol::ICMP) {
      sum = sum16(spec.source.bytes.data(), addrBytes, sum);
      sum = sum16(spec.destination.bytes.data(), addrBytes, sum);
      sum += protocol;
      sum += uint32_t(l4.size());
    }
    uint16_t checksum = fold(sum16(l4.data(), l4.size(), sum));
    if (spec.protocol == Protocol::UDP && checksum == 0) checksum = 0xffff;
    put16(l4, *checksumAt, checksum);
  }

  std::vector<uint8_t> packet;
  Writer w(packet);
  static constexpr std::array<uint8_t, 6> kDestinationMac{0x02, 0, 0, 0, 0, 0x02};
  static constexpr std::array<uint8_t, 6> kSourceMac{0x02, 0, 0, 0, 0, 0x01};
  w.bytes(kDestinationMac.data(), 6);
  w.bytes(kSourceMac.data(), 6);
  w.u16(v4 ? 0x0800 : 0x86dd);
  bool fragmented = spec.nonFirstFragment || spec.moreFragments;
  if (v4) {
    size_t headerAt = w.size();
    w.u8(0x45); w.u8(0);
    w.u16(uint16_t(kIpv4Bytes + l4.size()));
    w.u16(0x1234);  // identification
    uint16_t fragment = (spec.moreFragments ? 0x2000 : 0) | (spec.nonFirstFragment ? 185 : 0);  // offset in 8-byte units
    w.u16(fragment);
    w.u8(64); w.u8(protocol);
    w.u16(0);
    w.bytes(spec.source.bytes.data(), 4);
    w.bytes(spec.destination.bytes.data(), 4);
    put16(packet, headerAt + 10, fold(sum16(packet.data() + headerAt, kIpv4Bytes)));
  } else {
    w.u32(0x60000000);
    w.u16(uint16_t(l4.size() + (fragmented ? kFragmentHeaderBytes : 0)));
    w.u8(fragmented ? kIpv6FragmentHeader : protocol); w.u8(64);
    w.bytes(spec.source.bytes.data(), 16);
    w.bytes(spec.destination.bytes.data(), 16);
    if (fragmented) {
      w.u8(protocol); w.u8(0);
      w.u16(uint16_t((spec.nonFirstFragment ? 185 << 3 : 0) | (spec.moreFragments ? 1 : 0)));
      w.u32(0x1234);
    }
  }
  // A non-first fragment carries payload bytes, not the L4 header; keep the bytes anyway (what
  // matters is that the runtime must not interpret them as a header).
  w.bytes(l4.data(), l4.size());
  if (spec.truncateTo) packet.resize(std::min(packet.size(), *spec.truncateTo));
  return packet;
}

}  // namespace ciliumc::loader

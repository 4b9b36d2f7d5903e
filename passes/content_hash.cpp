#include "passes/content_hash.h"

#include <fmt/format.h>

#include <tuple>

namespace ciliumc {

namespace {

constexpr uint64_t kFnvPrime = 1099511628211ull;

void hashSelector(StableHash& hash, const LabelSelector& selector) {
  hash.add(selector.requirements().size());
  for (const Requirement& requirement : selector.requirements()) {
    hash.add(requirement.source).add(requirement.key).add(static_cast<uint64_t>(requirement.op));
    hash.add(requirement.values.size());
    for (const std::string& value : requirement.values) hash.add(value);
  }
}

void hashPrefix(StableHash& hash, const IpPrefix& prefix) {
  hash.add(static_cast<uint64_t>(prefix.address.family)).add(static_cast<uint64_t>(prefix.length));
  hash.add(std::string_view(reinterpret_cast<const char*>(prefix.address.bytes.data()), prefix.address.bytes.size()));
}

void hashPeer(StableHash& hash, const Peer& peer) {
  hash.add(static_cast<uint64_t>(peer.kind));
  switch (peer.kind) {
    case Peer::Kind::Selector: hashSelector(hash, peer.selector); break;
    case Peer::Kind::Entity: hash.add(static_cast<uint64_t>(peer.entity)); break;
    case Peer::Kind::Cidr:
      hashPrefix(hash, peer.cidr.prefix);
      hash.add(peer.cidr.except.size());
      for (const IpPrefix& hole : peer.cidr.except) hashPrefix(hash, hole);
      break;
  }
}

}  // namespace

void hashL4(StableHash& hash, const L4Match& l4) {
  hash.add(l4.ports.size());
  for (const PortRange& range : l4.ports)
    hash.add(static_cast<uint64_t>(range.protocol)).add(range.first).add(range.last);
  hash.add(l4.icmps.size());
  for (const IcmpType& icmp : l4.icmps) hash.add(static_cast<uint64_t>(icmp.protocol)).add(icmp.type);
}

namespace {

bool sameFile(const SourceLocation& a, const SourceLocation& b) {
  if (a.file == b.file) return true;
  return a.file && b.file && *a.file == *b.file;
}

}  // namespace

StableHash& StableHash::add(uint64_t value) {
  for (int byte = 0; byte < 8; ++byte) {
    state_ ^= (value >> (8 * byte)) & 0xff;
    state_ *= kFnvPrime;
  }
  return *this;
}

StableHash& StableHash::add(std::string_view text) {
  add(static_cast<uint64_t>(text.size()));
  for (char c : text) {
    state_ ^= static_cast<unsigned char>(c);
    state_ *= kFnvPrime;
  }
  return *this;
}

uint64_t StableHash::value() const {
  // splitmix64's finaliser: FNV's low bits are weak for hash tables.
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string hexDigest(uint64_t hash) { return fmt::format("{:016x}", hash); }

bool samePeer(const Peer& a, const Peer& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Peer::Kind::Selector: return a.selector == b.selector;
    case Peer::Kind::Entity: return a.entity == b.entity;
    case Peer::Kind::Cidr: return a.cidr == b.cidr;
  }
  return false;
}

bool peerLess(const Peer& a, const Peer& b) {
  if (a.kind != b.kind) return a.kind < b.kind;
  switch (a.kind) {
    case Peer::Kind::Selector: return a.selector < b.selector;
    case Peer::Kind::Entity: return a.entity < b.entity;
    case Peer::Kind::Cidr: return a.cidr < b.cidr;
  }
  return false;
}

uint64_t peerHash(const Peer& peer) {
  StableHash hash;
  hashPeer(hash, peer);
  return hash.value();
}

bool sameProvenance(const Provenance& a, const Provenance& b) {
  return std::tie(a.location.line, a.location.column, a.ruleIndex, a.direction, a.policy) ==
             std::tie(b.location.line, b.location.column, b.ruleIndex, b.direction, b.policy) &&
         sameFile(a.location, b.location);
}

void hashProvenance(StableHash& hash, const Provenance& provenance) {
  hash.add(provenance.location.file ? std::string_view(*provenance.location.file) : std::string_view("<unknown>"));
  hash.add(static_cast<uint64_t>(provenance.location.line));
  hash.add(static_cast<uint64_t>(provenance.location.column)).add(provenance.policy);
  hash.add(static_cast<uint64_t>(provenance.ruleIndex)).add(static_cast<uint64_t>(provenance.direction));
}

namespace {

bool samePeerList(const PeerList& a, const PeerList& b) {
  if (a == b) return true;
  if (!a || !b || a->size() != b->size()) return false;
  for (size_t i = 0; i < a->size(); ++i)
    if (!samePeer((*a)[i], (*b)[i])) return false;
  return true;
}

}  // namespace

bool sameEntry(const ResolvedEntry& a, const ResolvedEntry& b) {
  return a.verdict == b.verdict && a.l4 == b.l4 && samePeerList(a.peers, b.peers) &&
         sameProvenance(a.provenance, b.provenance);
}

uint64_t peerListContentHash(const std::vector<Peer>& peers) {
  StableHash hash;
  hash.add(peers.size());
  for (const Peer& peer : peers) hashPeer(hash, peer);
  return hash.value();
}

}  // namespace ciliumc

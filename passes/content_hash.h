// Content identity of the IR's values for the passes: equality, ordering and stable hashing of
// peers, provenance, entries and whole directions. Peers compare by value and ignore where they
// were written (Peer::location), so two rules naming the same selector intern to one peer.
// Hashes are stable across runs and platforms (FNV-1a over a canonical stream, no pointers):
// shape keys are printed and compared between compiles.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ir/endpoint_policy.h"

namespace ciliumc {

class StableHash {
 public:
  StableHash& add(uint64_t value);
  StableHash& add(std::string_view text);  // length-prefixed, so ("ab","c") != ("a","bc")
  uint64_t value() const;                  // finalised (mixed) value

 private:
  uint64_t state_ = 14695981039346656037ull;
};

std::string hexDigest(uint64_t hash);  // 16 lowercase hex digits

bool samePeer(const Peer& a, const Peer& b);
bool peerLess(const Peer& a, const Peer& b);
uint64_t peerHash(const Peer& peer);
struct PeerValueHash {
  size_t operator()(const Peer& peer) const { return static_cast<size_t>(peerHash(peer)); }
};
struct PeerValueEqual {
  bool operator()(const Peer& a, const Peer& b) const { return samePeer(a, b); }
};

using PeerList = std::shared_ptr<const std::vector<Peer>>;  // nullptr = every peer

bool sameProvenance(const Provenance& a, const Provenance& b);
void hashProvenance(StableHash& hash, const Provenance& provenance);

// Verdict, peers (the same values in the same order), L4 and provenance.
bool sameEntry(const ResolvedEntry& a, const ResolvedEntry& b);

void hashL4(StableHash& hash, const L4Match& l4);
uint64_t peerListContentHash(const std::vector<Peer>& peers);

}  // namespace ciliumc

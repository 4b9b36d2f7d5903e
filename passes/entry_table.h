// The distinct resolved entries of the whole policy IR, interned. Thousands of endpoints resolve
// the same rule entry to equal entries (same provenance, same shared peer list), so the facts
// every IR pass needs — the L4 key set, the peer list's coverage id, the provenance's id, a
// stable content hash — are computed once per distinct entry, and shapes are lists of ids.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "ir/endpoint_policy.h"
#include "passes/interner.h"
#include "passes/l4_keys.h"
#include "passes/peer_coverage.h"

namespace ciliumc {

using EntryId = uint32_t;

struct EntryFacts {
  ResolvedEntry entry;
  KeySet keys;                      // what entry.l4 covers
  uint32_t keysId = 0;              // equal key sets, equal id (dense, from 0)
  KeyInterval span;                 // from the first key to the end of the last (a quick filter)
  bool matchesNobody = false;       // the peer list matches no party (peerListMatchesNothing)
  PeerCoverage::ListId peers = 0;   // entry.peers in PeerCoverage
  uint32_t provenance = 0;          // equal provenance, equal id (dense, from 0)
  uint64_t contentHash = 0;         // stable across runs: verdict, peers, L4, provenance
};

class EntryTable {
 public:
  explicit EntryTable(PeerCoverage& coverage) : coverage_(coverage) {}
  EntryId intern(const ResolvedEntry& entry);
  const EntryFacts& operator[](EntryId id) const { return facts_[id]; }
  size_t size() const { return facts_.size(); }

 private:
  struct SameEntryAs {
    bool operator()(const EntryFacts& stored, const ResolvedEntry& probe) const;
  };
  struct SameProvenanceAs {
    bool operator()(const Provenance& stored, const Provenance& probe) const;
  };
  struct KeySetHash {
    uint64_t operator()(const KeySet& keys) const;
  };
  struct HashedByCaller {};  // only internWith is used: the caller computes the hash
  EntryFacts factsOf(const ResolvedEntry& entry);
  uint64_t peerListHash(const PeerList& peers);

  PeerCoverage& coverage_;
  Interner<EntryFacts, HashedByCaller, SameEntryAs> facts_;
  Interner<Provenance, HashedByCaller, SameProvenanceAs> provenances_;
  Interner<KeySet, KeySetHash> keySets_;
  std::unordered_map<const std::vector<Peer>*, uint64_t> listHashes_;
};

}  // namespace ciliumc

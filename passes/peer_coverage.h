// Peer coverage: "every party that `inner` matches, the `outer` peers match too", decided
// soundly (a `true` always holds under ir/evaluator.h peerMatches; a `false` may be a coverage
// too subtle to prove). The subsumption and deny-over-allow passes remove entries on `true`, so
// soundness is what keeps verdicts exact.
//
// Parties are those of the evaluator: cluster endpoints (any label set), the host, remote nodes
// and world addresses (world-ipv4/-ipv6). Selectors cover selectors by requirement subsets (an
// AND of fewer requirements matches more); everything else is decided on the reserved parties,
// whose labels are fixed (each peer's matches among them are computed once), and on CIDR
// containment with excepts.
#pragma once
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "ir/policy.h"
#include "passes/content_hash.h"

namespace ciliumc {

// Does the peer match no party at all (a CIDR inside one of its own excepts)?
bool peerMatchesNothing(const Peer& peer);
// Does some peer of `outer` match each party `inner` matches?
bool peersCoverPeer(const std::vector<Peer>& outer, const Peer& inner);
// Does a peer list (nullptr = every peer) match every party? Match no party at all?
bool peerListIsUniversal(const PeerList& peers);
bool peerListMatchesNothing(const PeerList& peers);

// Coverage between peer lists, memoised: the lists are shared by every endpoint that resolved
// the same rule entry, so the same pairs recur in every shape. Lists get dense ids (0 = every
// peer) so a pair is one probe of a flat table.
class PeerCoverage {
 public:
  using ListId = uint32_t;
  ListId idOf(const PeerList& peers);
  // Every party `inner` matches, `outer` matches.
  bool covers(ListId outer, ListId inner);
  // Some party can match both (they share a peer value that matches something, or one matches
  // every party and the other something): for "conflicting rules" findings.
  bool mayOverlap(ListId a, ListId b);

 private:
  // Open addressing over (outer, inner) pairs: key = outer << 32 | inner, plus one (0 = empty).
  class PairMemo {
   public:
    int find(uint64_t key) const;  // -1 when absent, else 0/1
    void insert(uint64_t key, bool value);

   private:
    size_t slotOf(uint64_t key) const;
    std::vector<uint64_t> keys_ = std::vector<uint64_t>(1024, 0);
    std::vector<uint8_t> values_ = std::vector<uint8_t>(1024, 0);
    size_t used_ = 0;
  };
  // A list with each peer's matches among the reserved parties computed once.
  struct ListFacts {
    const std::vector<Peer>* peers = nullptr;
    std::vector<uint8_t> reserved;  // per peer: bit set of host, remote-node, world-ipv4, world-ipv6
    uint8_t reservedUnion = 0;
  };
  static ListFacts factsOf(const std::vector<Peer>& peers);
  static bool coversPeer(const ListFacts& outer, const Peer& inner, uint8_t innerReserved);
  static bool listCoversList(const ListFacts& outer, const ListFacts& inner);
  const ListFacts& facts(ListId id);
  friend bool peersCoverPeer(const std::vector<Peer>& outer, const Peer& inner);
  friend bool peerListIsUniversal(const PeerList& peers);

  std::vector<PeerList> lists_ = {nullptr};
  std::vector<ListFacts> facts_ = {ListFacts{}};  // by list id; peers == nullptr until computed
  std::unordered_map<const std::vector<Peer>*, ListId> ids_;
  PairMemo coversMemo_;
  PairMemo overlapMemo_;
};

}  // namespace ciliumc

#include "passes/entry_table.h"

#include "passes/content_hash.h"

namespace ciliumc {

namespace {

// An in-memory hash of what usually tells entries apart (pointers included: interning only,
// never printed); candidates are then compared in full.
uint64_t quickHash(const ResolvedEntry& entry) {
  const Provenance& p = entry.provenance;
  uint64_t h = reinterpret_cast<uintptr_t>(p.location.file.get());
  for (uint64_t part : {uint64_t(p.location.line), uint64_t(p.location.column), uint64_t(p.ruleIndex + 1),
                        uint64_t(p.direction), uint64_t(entry.verdict), uint64_t(reinterpret_cast<uintptr_t>(entry.peers.get())),
                        uint64_t(entry.l4.ports.size()), uint64_t(entry.l4.icmps.size())})
    h = (h ^ part) * 0x100000001b3ull + 0x9e3779b97f4a7c15ull;
  return mixHash(h);
}

uint64_t keySetHash(const KeySet& keys) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const KeyInterval& interval : keys) hash = ((hash ^ interval.first) * 0x100000001b3ull ^ interval.end) * 0x100000001b3ull;
  return mixHash(hash);
}

}  // namespace

bool EntryTable::SameEntryAs::operator()(const EntryFacts& stored, const ResolvedEntry& probe) const {
  return sameEntry(stored.entry, probe);
}

bool EntryTable::SameProvenanceAs::operator()(const Provenance& stored, const Provenance& probe) const {
  return sameProvenance(stored, probe);
}

uint64_t EntryTable::KeySetHash::operator()(const KeySet& keys) const { return keySetHash(keys); }

uint64_t EntryTable::peerListHash(const PeerList& peers) {
  if (!peers) return 0x9e3779b97f4a7c15ull;  // "every peer"
  auto [found, inserted] = listHashes_.try_emplace(peers.get(), 0);
  if (inserted) found->second = peerListContentHash(*peers);
  return found->second;
}

EntryFacts EntryTable::factsOf(const ResolvedEntry& entry) {
  EntryFacts facts;
  facts.entry = entry;
  facts.keys = keySetOf(entry.l4);
  facts.keysId = keySets_.intern(facts.keys).first;
  if (!facts.keys.empty()) facts.span = {facts.keys.front().first, facts.keys.back().end};
  facts.peers = coverage_.idOf(entry.peers);
  facts.matchesNobody = peerListMatchesNothing(entry.peers);
  StableHash provenanceHash;
  hashProvenance(provenanceHash, entry.provenance);
  facts.provenance =
      provenances_.internWith(entry.provenance, provenanceHash.value(), [&] { return entry.provenance; }).first;
  StableHash content;
  content.add(static_cast<uint64_t>(entry.verdict)).add(peerListHash(entry.peers)).add(provenanceHash.value());
  hashL4(content, entry.l4);
  facts.contentHash = content.value();
  return facts;
}

EntryId EntryTable::intern(const ResolvedEntry& entry) {
  return facts_.internWith(entry, quickHash(entry), [&] { return factsOf(entry); }).first;
}

}  // namespace ciliumc

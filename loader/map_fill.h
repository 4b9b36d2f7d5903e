// Filling the maps of runtime/ciliumc_abi.h from the datapath plan (passes/datapath_plan.h).
// Contract: after fillShapeMaps the shape's maps hold exactly what the plan says:
//   ciliumc_class    every slot: [identity % 16][direction] = identityClasses (0 elsewhere);
//   ciliumc_verdict  for each direction d, class c < classCapacity, port class p:
//                    cell[verdictBase(d) + c * portClassCount(d) + p] = rows[c][p], and for
//                    rows.size() <= c < classCapacity row 0's cells (a zero cell would mean
//                    "allow": a class the agent assigns later but has not filled yet must behave
//                    like an unclassified identity, not like an allow-all);
//   ciliumc_cidr     exactly the plan's prefixes (prefixlen = 8 + prefix length);
//   ciliumc_column   (when given) entry i = the shape's port class of rangeStarts[i]
//                    (backend_bpf/plan_partition.h columnsOf), rangeStarts being the object's
//                    ciliumc_range_starts.
// ciliumc_port_table (per plan, backend_bpf/plan_partition.h portTableOf): filled once from the
//                  object's ciliumc_range_starts by ensurePortTable (in place through mmap when
//                  the map is BPF_F_MMAPABLE, as generated: ~3 ms; else one batch update:
//                  ~90 ms for 393,216 entries); key 0 is written last and
//                  is never zero afterwards (its egress column is stride >= 1), so a table whose
//                  key 0 holds a non-zero egress column is complete (e.g. adopted from a pin).
// Node maps are shared and may hold entries of other shapes or of the agent: fills upsert.
// Updates go through bpf_map_update_batch where the map type supports it, one syscall per
// element otherwise.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "ir/ip.h"
#include "loader/status.h"
#include "passes/datapath_plan.h"
#include "runtime/ciliumc_abi.h"

namespace ciliumc::loader {

struct FillStats {
  uint32_t classSlots = 0;
  uint32_t verdictCells = 0;
  uint32_t cidrEntries = 0;
  uint32_t columns = 0;
  uint32_t portTableEntries = 0;  // 0 when ensurePortTable found the table complete
  uint32_t ipcacheEntries = 0;
  uint32_t syscalls = 0;  // map update syscalls issued (batches count once)
  double ms = 0;
};

struct ShapeMapFds {
  int classMap = -1;
  int verdictMap = -1;
  int cidrMap = -1;  // -1 when the shape has no CIDR peers (no such map)
  int columnMap = -1;                 // -1: not filled (objects before ABI 2)
  std::vector<uint32_t> rangeStarts;  // the object's ciliumc_range_starts (needed with columnMap)
};

Expected<FillStats> fillShapeMaps(const ShapePlan& shape, const ShapeMapFds& maps);
// Fills ciliumc_port_table from ciliumc_range_starts unless it is complete already.
Expected<FillStats> ensurePortTable(int portTableFd, std::span<const uint32_t> rangeStarts);
Expected<FillStats> fillIpcache(int ipcacheFd, const std::vector<IpcacheEntry>& entries);
Status upsertIpcache(int ipcacheFd, const IpAddress& ip, NumericIdentity identity);
Status removeIpcache(int ipcacheFd, const IpAddress& ip);
Status setConfigFlags(int configFd, uint32_t flags);

ciliumc_ipcache_key ipcacheKeyOf(const IpAddress& ip);
ciliumc_cidr_key cidrKeyOf(const IpPrefix& prefix);
ciliumc_verdict_cell verdictCellOf(const VerdictCell& cell);

// The verdict cells the plan puts into ciliumc_verdict, indexed like the map (tests, dumps).
Expected<std::vector<ciliumc_verdict_cell>> verdictTableOf(const ShapePlan& shape, uint32_t mapEntries);

}  // namespace ciliumc::loader

#include "loader/map_fill.h"

#include "backend_bpf/plan_partition.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

namespace ciliumc::loader {

namespace {

struct MapShape {
  uint32_t type = 0;
  uint32_t keySize = 0;
  uint32_t valueSize = 0;
  uint32_t maxEntries = 0;
  uint32_t flags = 0;
};

Expected<MapShape> mapShapeOf(int fd, const char* what) {
  bpf_map_info info{};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0) return errnoError(std::string("reading ") + what + " info", errno);
  return MapShape{info.type, info.key_size, info.value_size, info.max_entries, info.map_flags};
}

Status expectLayout(const MapShape& shape, const char* what, uint32_t keySize, uint32_t valueSize) {
  if (shape.keySize != keySize || shape.valueSize != valueSize)
    return Error{std::string(what) + " has key/value sizes " + std::to_string(shape.keySize) + "/" +
                 std::to_string(shape.valueSize) + ", the ABI says " + std::to_string(keySize) + "/" +
                 std::to_string(valueSize) + " (object and loader built from different ciliumc_abi.h?)"};
  return success();
}

// Writes `count` key/value pairs: one batch syscall when the map type supports it, else one
// syscall per element. Adds the syscalls issued to `syscalls`.
Status updateElements(int fd, const void* keys, size_t keySize, const void* values, size_t valueSize,
                      uint32_t count, uint32_t& syscalls, const char* what) {
  if (count == 0) return success();
  bpf_map_batch_opts options{};
  options.sz = sizeof(options);
  uint32_t written = count;
  ++syscalls;
  if (bpf_map_update_batch(fd, keys, values, &written, &options) == 0) return success();
  int err = errno;
  // EINVAL/ENOTSUPP (524): no batch support for this map type; anything else is a real error.
  if (err != EINVAL && err != 524 && err != EOPNOTSUPP) return errnoError(std::string("batch update of ") + what, err);
  const auto* key = static_cast<const uint8_t*>(keys);
  const auto* value = static_cast<const uint8_t*>(values);
  for (uint32_t i = 0; i < count; ++i) {
    ++syscalls;
    if (bpf_map_update_elem(fd, key + i * keySize, value + i * valueSize, BPF_ANY) != 0)
      return errnoError(std::string("update of ") + what, errno);
  }
  return success();
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

uint8_t familyByte(IpFamily family) { return family == IpFamily::V4 ? 4 : 6; }

Status fillClassMap(const ShapePlan& shape, int fd, FillStats& stats) {
  auto info = mapShapeOf(fd, "ciliumc_class");
  if (!info) return info.error();
  if (auto ok = expectLayout(*info, "ciliumc_class", sizeof(uint32_t), sizeof(ciliumc_class_slot)); !ok) return ok;
  std::vector<ciliumc_class_slot> slots(info->maxEntries);
  for (const auto& [identity, classes] : shape.identityClasses) {
    uint32_t slot = identity / CILIUMC_CLASS_SLOT_IDS;
    if (identity >= CILIUMC_MAX_IDENTITY || slot >= slots.size())
      return Error{"identity " + std::to_string(identity) + " does not fit ciliumc_class (" +
                   std::to_string(info->maxEntries) + " slots)"};
    for (int direction = 0; direction < 2; ++direction)
      slots[slot].cls[identity % CILIUMC_CLASS_SLOT_IDS][direction] = classes[direction];
  }
  std::vector<uint32_t> keys(slots.size());
  for (uint32_t i = 0; i < keys.size(); ++i) keys[i] = i;
  stats.classSlots = static_cast<uint32_t>(slots.size());
  return updateElements(fd, keys.data(), sizeof(uint32_t), slots.data(), sizeof(ciliumc_class_slot),
                        static_cast<uint32_t>(slots.size()), stats.syscalls, "ciliumc_class");
}

Status fillVerdictMap(const ShapePlan& shape, int fd, FillStats& stats) {
  auto info = mapShapeOf(fd, "ciliumc_verdict");
  if (!info) return info.error();
  if (auto ok = expectLayout(*info, "ciliumc_verdict", sizeof(uint32_t), sizeof(ciliumc_verdict_cell)); !ok) return ok;
  auto cells = verdictTableOf(shape, info->maxEntries);
  if (!cells) return cells.error();
  std::vector<uint32_t> keys(cells->size());
  for (uint32_t i = 0; i < keys.size(); ++i) keys[i] = i;
  stats.verdictCells = static_cast<uint32_t>(cells->size());
  return updateElements(fd, keys.data(), sizeof(uint32_t), cells->data(), sizeof(ciliumc_verdict_cell),
                        static_cast<uint32_t>(cells->size()), stats.syscalls, "ciliumc_verdict");
}

Status fillCidrMap(const ShapePlan& shape, int fd, FillStats& stats) {
  if (fd < 0) {
    if (shape.cidr.empty()) return success();
    return Error{"the shape has CIDR peers but its object has no ciliumc_cidr map"};
  }
  auto info = mapShapeOf(fd, "ciliumc_cidr");
  if (!info) return info.error();
  if (auto ok = expectLayout(*info, "ciliumc_cidr", sizeof(ciliumc_cidr_key), sizeof(ciliumc_cidr_value)); !ok) return ok;
  if (shape.cidr.size() > info->maxEntries)
    return Error{"the shape has " + std::to_string(shape.cidr.size()) + " CIDR entries, ciliumc_cidr holds " +
                 std::to_string(info->maxEntries)};
  std::vector<ciliumc_cidr_key> keys;
  std::vector<ciliumc_cidr_value> values;
  std::set<std::vector<uint8_t>> wanted;
  for (const CidrClassEntry& entry : shape.cidr) {
    ciliumc_cidr_key key = cidrKeyOf(entry.prefix);
    keys.push_back(key);
    values.push_back(ciliumc_cidr_value{{entry.cls[0], entry.cls[1]}});
    const auto* bytes = reinterpret_cast<const uint8_t*>(&key);
    wanted.emplace(bytes, bytes + sizeof(key));
  }
  // Remove prefixes a previous fill left behind (bounded by the map's capacity).
  std::vector<ciliumc_cidr_key> stale;
  ciliumc_cidr_key current{};
  ciliumc_cidr_key next{};
  const void* previous = nullptr;
  for (uint32_t seen = 0; seen <= info->maxEntries && bpf_map_get_next_key(fd, previous, &next) == 0; ++seen) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(&next);
    if (!wanted.count(std::vector<uint8_t>(bytes, bytes + sizeof(next)))) stale.push_back(next);
    current = next;
    previous = &current;
  }
  for (const ciliumc_cidr_key& key : stale) {
    ++stats.syscalls;
    if (bpf_map_delete_elem(fd, &key) != 0 && errno != ENOENT) return errnoError("delete from ciliumc_cidr", errno);
  }
  stats.cidrEntries = static_cast<uint32_t>(keys.size());
  return updateElements(fd, keys.data(), sizeof(ciliumc_cidr_key), values.data(), sizeof(ciliumc_cidr_value),
                        static_cast<uint32_t>(keys.size()), stats.syscalls, "ciliumc_cidr");
}

}  // namespace

ciliumc_ipcache_key ipcacheKeyOf(const IpAddress& ip) {
  ciliumc_ipcache_key key{};
  key.family = familyByte(ip.family);
  std::memcpy(key.addr, ip.bytes.data(), ip.family == IpFamily::V4 ? 4 : 16);
  return key;
}

ciliumc_cidr_key cidrKeyOf(const IpPrefix& prefix) {
  ciliumc_cidr_key key{};
  key.prefixlen = 8 + static_cast<uint32_t>(prefix.length);
  key.family = familyByte(prefix.address.family);
  std::memcpy(key.addr, prefix.address.bytes.data(), prefix.address.family == IpFamily::V4 ? 4 : 16);
  return key;
}

ciliumc_verdict_cell verdictCellOf(const VerdictCell& cell) {
  ciliumc_verdict_cell out{};
  out.rule = cell.rule;
  out.reason = static_cast<uint8_t>(cell.reason);
  out.deny = cell.deny ? 1 : 0;
  return out;
}

Expected<std::vector<ciliumc_verdict_cell>> verdictTableOf(const ShapePlan& shape, uint32_t mapEntries) {
  // Cells no direction owns are unreachable when the runtime bounds-checks the class; should one
  // be read anyway, it drops (a zero cell would allow).
  ciliumc_verdict_cell unreachable{};
  unreachable.reason = CILIUMC_REASON_BAD_CLASS;
  unreachable.deny = 1;
  std::vector<ciliumc_verdict_cell> cells(mapEntries, unreachable);
  uint32_t capacity = shape.budget.classCapacity;
  for (Direction direction : {Direction::Ingress, Direction::Egress}) {
    const DirectionPlan& plan = shape.direction(direction);
    const char* name = direction == Direction::Ingress ? "ingress" : "egress";
    if (plan.rows.empty()) return Error{std::string("the ") + name + " plan has no row 0"};
    if (plan.rows.size() > capacity)
      return Error{std::string("the ") + name + " plan has " + std::to_string(plan.rows.size()) +
                   " peer classes but a capacity of " + std::to_string(capacity)};
    uint64_t base = shape.verdictBase(direction);
    uint64_t end = base + uint64_t(capacity) * plan.portClassCount;
    if (end > mapEntries)
      return Error{std::string("the ") + name + " verdict table needs cells up to " + std::to_string(end) +
                   ", ciliumc_verdict has " + std::to_string(mapEntries)};
    for (uint32_t cls = 0; cls < capacity; ++cls) {
      const std::vector<VerdictCell>& row = plan.rows[cls < plan.rows.size() ? cls : 0];
      if (row.size() != plan.portClassCount)
        return Error{std::string("the ") + name + " row " + std::to_string(cls) + " has " + std::to_string(row.size()) +
                     " cells for " + std::to_string(plan.portClassCount) + " port classes"};
      for (uint32_t port = 0; port < plan.portClassCount; ++port)
        cells[base + uint64_t(cls) * plan.portClassCount + port] = verdictCellOf(row[port]);
    }
  }
  return cells;
}

Status fillColumnMap(const ShapePlan& shape, const ShapeMapFds& maps, FillStats& stats) {
  if (maps.columnMap < 0) return success();
  auto columns = columnsOf(shape, maps.rangeStarts);
  if (!columns) return Error{"ciliumc_column: " + columns.error().message};
  auto info = mapShapeOf(maps.columnMap, "ciliumc_column");
  if (!info) return info.error();
  if (auto ok = expectLayout(*info, "ciliumc_column", sizeof(uint32_t), sizeof(uint32_t)); !ok) return ok;
  if (columns->size() > info->maxEntries)
    return Error{"ciliumc_column holds " + std::to_string(info->maxEntries) + " entries, the object's ranges need " +
                 std::to_string(columns->size())};
  std::vector<uint32_t> keys(columns->size());
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = static_cast<uint32_t>(i);
  stats.columns = static_cast<uint32_t>(keys.size());
  return updateElements(maps.columnMap, keys.data(), sizeof(uint32_t), columns->data(), sizeof(uint32_t),
                        static_cast<uint32_t>(keys.size()), stats.syscalls, "ciliumc_column");
}

Expected<FillStats> fillShapeMaps(const ShapePlan& shape, const ShapeMapFds& maps) {
  auto start = std::chrono::steady_clock::now();
  FillStats stats;
  if (maps.classMap < 0 || maps.verdictMap < 0) return Error{"the shape's ciliumc_class or ciliumc_verdict map is missing"};
  if (auto ok = fillClassMap(shape, maps.classMap, stats); !ok) return ok.error();
  if (auto ok = fillVerdictMap(shape, maps.verdictMap, stats); !ok) return ok.error();
  if (auto ok = fillCidrMap(shape, maps.cidrMap, stats); !ok) return ok.error();
  if (auto ok = fillColumnMap(shape, maps, stats); !ok) return ok.error();
  stats.ms = millisecondsSince(start);
  return stats;
}

Expected<FillStats> ensurePortTable(int portTableFd, std::span<const uint32_t> rangeStarts) {
  auto start = std::chrono::steady_clock::now();
  FillStats stats;
  auto info = mapShapeOf(portTableFd, "ciliumc_port_table");
  if (!info) return info.error();
  if (auto ok = expectLayout(*info, "ciliumc_port_table", sizeof(uint32_t), sizeof(ciliumc_port_table_entry)); !ok)
    return ok.error();
  if (info->maxEntries != kL4KeyEnd)
    return Error{"ciliumc_port_table has " + std::to_string(info->maxEntries) + " entries, not one per L4 key"};
  uint32_t zero = 0;
  ciliumc_port_table_entry first{};
  ++stats.syscalls;
  if (bpf_map_lookup_elem(portTableFd, &zero, &first) != 0) return errnoError("lookup in ciliumc_port_table", errno);
  if (first.range[1] != 0) {
    stats.ms = millisecondsSince(start);
    return stats;
  }
  auto table = portTableOf(rangeStarts);
  if (!table) return Error{"ciliumc_port_table: " + table.error().message};
  // BPF_F_MMAPABLE (as generated): write the array in place, ~100x faster than the batch
  // syscall, which copies element by element.
  if (info->flags & BPF_F_MMAPABLE) {
    size_t bytes = table->size() * sizeof(ciliumc_port_table_entry);
    ++stats.syscalls;
    void* mapped = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, portTableFd, 0);
    if (mapped == MAP_FAILED) return errnoError("mmap of ciliumc_port_table", errno);
    auto* entries = static_cast<ciliumc_port_table_entry*>(mapped);
    std::memcpy(entries + 1, table->data() + 1, bytes - sizeof(ciliumc_port_table_entry));
    std::atomic_thread_fence(std::memory_order_release);
    entries[0] = (*table)[0];  // the completeness mark last
    ::munmap(mapped, bytes);
    stats.portTableEntries = static_cast<uint32_t>(table->size());
    stats.ms = millisecondsSince(start);
    return stats;
  }
  std::vector<uint32_t> keys(table->size());
  for (uint32_t i = 0; i < keys.size(); ++i) keys[i] = i;
  // Keys 1.. first, key 0 (the completeness mark) last.
  auto rest = static_cast<uint32_t>(keys.size() - 1);
  if (auto ok = updateElements(portTableFd, keys.data() + 1, sizeof(uint32_t), table->data() + 1,
                               sizeof(ciliumc_port_table_entry), rest, stats.syscalls, "ciliumc_port_table");
      !ok)
    return ok.error();
  if (auto ok = updateElements(portTableFd, keys.data(), sizeof(uint32_t), table->data(),
                               sizeof(ciliumc_port_table_entry), 1, stats.syscalls, "ciliumc_port_table");
      !ok)
    return ok.error();
  stats.portTableEntries = static_cast<uint32_t>(table->size());
  stats.ms = millisecondsSince(start);
  return stats;
}

Expected<FillStats> fillIpcache(int ipcacheFd, const std::vector<IpcacheEntry>& entries) {
  auto start = std::chrono::steady_clock::now();
  FillStats stats;
  auto info = mapShapeOf(ipcacheFd, "ciliumc_ipcache");
  if (!info) return info.error();
  if (auto ok = expectLayout(*info, "ciliumc_ipcache", sizeof(ciliumc_ipcache_key), sizeof(ciliumc_ipcache_value)); !ok)
    return ok.error();
  std::vector<ciliumc_ipcache_key> keys;
  std::vector<ciliumc_ipcache_value> values;
  for (const IpcacheEntry& entry : entries) {
    keys.push_back(ipcacheKeyOf(entry.ip));
    values.push_back(ciliumc_ipcache_value{entry.identity});
  }
  stats.ipcacheEntries = static_cast<uint32_t>(keys.size());
  if (auto ok = updateElements(ipcacheFd, keys.data(), sizeof(ciliumc_ipcache_key), values.data(),
                               sizeof(ciliumc_ipcache_value), static_cast<uint32_t>(keys.size()), stats.syscalls,
                               "ciliumc_ipcache");
      !ok)
    return ok.error();
  stats.ms = millisecondsSince(start);
  return stats;
}

Status upsertIpcache(int ipcacheFd, const IpAddress& ip, NumericIdentity identity) {
  ciliumc_ipcache_key key = ipcacheKeyOf(ip);
  ciliumc_ipcache_value value{identity};
  if (bpf_map_update_elem(ipcacheFd, &key, &value, BPF_ANY) != 0) return errnoError("update of ciliumc_ipcache", errno);
  return success();
}

Status removeIpcache(int ipcacheFd, const IpAddress& ip) {
  ciliumc_ipcache_key key = ipcacheKeyOf(ip);
  if (bpf_map_delete_elem(ipcacheFd, &key) != 0 && errno != ENOENT) return errnoError("delete from ciliumc_ipcache", errno);
  return success();
}

Status setConfigFlags(int configFd, uint32_t flags) {
  uint32_t key = 0;
  ciliumc_config config{};
  config.flags = flags;
  if (bpf_map_update_elem(configFd, &key, &config, BPF_ANY) != 0) return errnoError("update of ciliumc_config", errno);
  return success();
}

}  // namespace ciliumc::loader

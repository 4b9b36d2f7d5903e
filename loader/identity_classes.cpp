#include "loader/identity_classes.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace ciliumc::loader {

namespace {

// The class of `row` in `plan`: an existing row's index, or rows.size() when it is new.
uint16_t classOfRow(const DirectionPlan& plan, const std::vector<VerdictCell>& row) {
  auto found = std::find(plan.rows.begin(), plan.rows.end(), row);
  return static_cast<uint16_t>(found - plan.rows.begin());
}

Status writeRow(const ShapePlan& shape, int verdictFd, Direction direction, uint16_t cls,
                const std::vector<VerdictCell>& row) {
  uint32_t base = shape.verdictBase(direction) + cls * shape.direction(direction).portClassCount;
  for (uint32_t port = 0; port < row.size(); ++port) {
    uint32_t key = base + port;
    ciliumc_verdict_cell cell = verdictCellOf(row[port]);
    if (bpf_map_update_elem(verdictFd, &key, &cell, BPF_ANY) != 0)
      return errnoError("writing verdict cell " + std::to_string(key) + " of shape " + shape.key, errno);
  }
  return success();
}

Status writeClasses(int classFd, NumericIdentity identity, std::array<uint16_t, 2> classes) {
  if (identity >= CILIUMC_MAX_IDENTITY) return Error{"identity " + std::to_string(identity) + " is beyond ciliumc_class"};
  uint32_t slot = identity / CILIUMC_CLASS_SLOT_IDS;
  ciliumc_class_slot value{};
  if (bpf_map_lookup_elem(classFd, &slot, &value) != 0) return errnoError("reading ciliumc_class slot", errno);
  for (int direction = 0; direction < 2; ++direction)
    value.cls[identity % CILIUMC_CLASS_SLOT_IDS][direction] = classes[direction];
  if (bpf_map_update_elem(classFd, &slot, &value, BPF_ANY) != 0) return errnoError("writing ciliumc_class slot", errno);
  return success();
}

}  // namespace

Expected<bool> classifyIdentity(ShapePlan& shape, const ShapeMapFds& maps, const Party& party) {
  std::array<uint16_t, 2> classes{};
  std::array<std::vector<VerdictCell>, 2> rows;
  for (int slot = 0; slot < 2; ++slot) {
    const DirectionPlan& plan = shape.directions[slot];
    rows[slot] = plan.rowFor(plan.peerSetOf(party));
    classes[slot] = classOfRow(plan, rows[slot]);
    if (classes[slot] >= shape.budget.classCapacity) return false;
  }
  for (int slot = 0; slot < 2; ++slot) {
    DirectionPlan& plan = shape.directions[slot];
    if (classes[slot] < plan.rows.size()) continue;
    if (auto written = writeRow(shape, maps.verdictMap, plan.direction, classes[slot], rows[slot]); !written)
      return written.error();
    plan.rows.push_back(rows[slot]);
  }
  if (auto written = writeClasses(maps.classMap, party.identity, classes); !written) return written.error();
  shape.identityClasses[party.identity] = classes;
  return true;
}

Status forgetIdentity(ShapePlan& shape, const ShapeMapFds& maps, NumericIdentity identity) {
  if (auto written = writeClasses(maps.classMap, identity, {0, 0}); !written) return written;
  shape.identityClasses.erase(identity);
  return success();
}

}  // namespace ciliumc::loader

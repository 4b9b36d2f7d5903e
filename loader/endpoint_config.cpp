#include "loader/endpoint_config.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cstring>
#include <vector>

#include "backend_bpf/plan_partition.h"
#include "loader/object_layout.h"

namespace ciliumc::loader {

namespace {

// Where the variable lives: the internal map of its DATASEC and its offset in it.
struct VariableSlot {
  bpf_map* map = nullptr;
  size_t offset = 0;
  size_t size = 0;
};

Expected<VariableSlot> findVariable(bpf_object* object, std::string_view variable) {
  const btf* types = bpf_object__btf(object);
  if (!types) return Error{"the object has no BTF, so `" + std::string(variable) + "` cannot be found"};
  uint32_t count = btf__type_cnt(types);
  for (uint32_t id = 1; id < count; ++id) {
    const btf_type* section = btf__type_by_id(types, id);
    if (!btf_is_datasec(section)) continue;
    const btf_var_secinfo* vars = btf_var_secinfos(section);
    for (uint16_t i = 0; i < btf_vlen(section); ++i) {
      const btf_type* var = btf__type_by_id(types, vars[i].type);
      if (!var || !btf_is_var(var) || variable != btf__name_by_offset(types, var->name_off)) continue;
      const char* sectionName = btf__name_by_offset(types, section->name_off);
      bpf_map* map = bpf_object__find_map_by_name(object, sectionName);
      if (!map || !bpf_map__is_internal(map))
        return Error{"`" + std::string(variable) + "` is in section " + sectionName + ", which is not a data map"};
      return VariableSlot{map, vars[i].offset, vars[i].size};
    }
  }
  return Error{"the object has no variable `" + std::string(variable) + "`"};
}

Expected<VariableSlot> findEndpointConfig(bpf_object* object) {
  auto slot = findVariable(object, kEndpointConfigVariable);
  if (slot && slot->size != sizeof(ciliumc_endpoint_config))
    return Error{"`ciliumc_endpoint` has " + std::to_string(slot->size) + " bytes, the ABI says " +
                 std::to_string(sizeof(ciliumc_endpoint_config))};
  return slot;
}

}  // namespace

ciliumc_endpoint_config endpointConfigOf(const EndpointPlan& endpoint) {
  ciliumc_endpoint_config config{};
  config.endpoint_id = endpoint.endpointId;
  config.identity = endpoint.identity;
  if (endpoint.ipv4) std::memcpy(config.ipv4, endpoint.ipv4->bytes.data(), sizeof(config.ipv4));
  if (endpoint.ipv6) std::memcpy(config.ipv6, endpoint.ipv6->bytes.data(), sizeof(config.ipv6));
  return config;
}

Expected<ciliumc_endpoint_config> endpointConfigOf(const CompilePlan& plan, const EndpointPlan& endpoint) {
  ciliumc_endpoint_config config = endpointConfigOf(endpoint);
  auto shape = shapeConfigOf(plan, endpoint.shape);
  if (!shape) return shape.error();
  config.shape = *shape;
  return config;
}

Status setEndpointConfig(bpf_object* object, const ciliumc_endpoint_config& config) {
  auto slot = findEndpointConfig(object);
  if (!slot) return slot.error();
  size_t size = 0;
  const void* initial = bpf_map__initial_value(slot->map, &size);
  if (!initial || slot->offset + slot->size > size) return Error{"`ciliumc_endpoint` lies outside its section"};
  std::vector<uint8_t> data(static_cast<const uint8_t*>(initial), static_cast<const uint8_t*>(initial) + size);
  std::memcpy(data.data() + slot->offset, &config, sizeof(config));
  if (int err = bpf_map__set_initial_value(slot->map, data.data(), data.size()); err != 0)
    return errnoError("setting the endpoint constants", err);
  return success();
}

Expected<ciliumc_endpoint_config> endpointConfigIn(bpf_object* object) {
  auto slot = findEndpointConfig(object);
  if (!slot) return slot.error();
  size_t size = 0;
  const void* initial = bpf_map__initial_value(slot->map, &size);
  if (!initial || slot->offset + slot->size > size) return Error{"`ciliumc_endpoint` lies outside its section"};
  ciliumc_endpoint_config config{};
  std::memcpy(&config, static_cast<const uint8_t*>(initial) + slot->offset, sizeof(config));
  return config;
}

Expected<std::vector<uint32_t>> rangeStartsIn(bpf_object* object) {
  auto slot = findVariable(object, kRangeStartsVariable);
  if (!slot) return slot.error();
  size_t size = 0;
  const void* initial = bpf_map__initial_value(slot->map, &size);
  if (!initial || slot->offset + slot->size > size || slot->size % sizeof(uint32_t) != 0)
    return Error{"`ciliumc_range_starts` lies outside its section or is not an array of __u32"};
  std::vector<uint32_t> starts(slot->size / sizeof(uint32_t));
  std::memcpy(starts.data(), static_cast<const uint8_t*>(initial) + slot->offset, slot->size);
  return starts;
}

}  // namespace ciliumc::loader

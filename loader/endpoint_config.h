// The per-endpoint constants of an object: struct ciliumc_endpoint_config in .rodata, variable
// `ciliumc_endpoint`. One compiled shape serves every endpoint of that shape; the loader writes
// each endpoint's values before bpf_object__load (the kernel then freezes .rodata, so the
// verifier sees constants).
#pragma once
#include <vector>

#include "passes/datapath_plan.h"
#include "loader/status.h"
#include "runtime/ciliumc_abi.h"

struct bpf_object;

namespace ciliumc::loader {

// The endpoint's own constants; the shape part stays zero.
ciliumc_endpoint_config endpointConfigOf(const EndpointPlan& endpoint);
// The full constants: the endpoint's and those of its shape (backend_bpf shapeConfigOf).
Expected<ciliumc_endpoint_config> endpointConfigOf(const CompilePlan& plan, const EndpointPlan& endpoint);

// Finds the variable through the object's BTF (whichever .rodata* section holds it) and
// overwrites it in that map's initial value. Fails when the object has no such variable or
// its size differs from the ABI's.
Status setEndpointConfig(bpf_object* object, const ciliumc_endpoint_config& config);

// Reads the variable back from the object's initial value (before load) — for tests and dumps.
Expected<ciliumc_endpoint_config> endpointConfigIn(bpf_object* object);

// The object's `ciliumc_range_starts` (.rodata): the plan-wide port ranges its code classifies
// into, from which a shape's ciliumc_column is computed. Readable before and after load.
Expected<std::vector<uint32_t>> rangeStartsIn(bpf_object* object);

}  // namespace ciliumc::loader

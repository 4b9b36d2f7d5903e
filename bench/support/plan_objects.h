// Compiling a plan's BPF objects: the ONE place the benchmarks call the back end's code
// generator, so that a change in how the back end compiles (today: one object per policy
// shape, BpfCodegen::compileShape, then a per-endpoint .rodata patch) is adapted here only.
// It does what `ciliumc compile` does (cli/compile_command.cpp), minus writing files.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "backend_bpf/codegen.h"
#include "loader/plan_loader.h"
#include "passes/datapath_plan.h"

namespace ciliumc::bench {

struct PlanObjects {
  std::vector<std::optional<std::vector<uint8_t>>> shapes;  // ELF per shape; set for compiled shapes
  size_t compiled = 0;    // shapes compiled
  double wallMs = 0;      // code generation, wall clock, all threads
  CodegenTimings summed;  // per-stage times summed over shapes (CPU-ish: threads overlap)
};

// Compiles the shapes in `wanted` (all when empty) on `jobs` threads, one BpfCodegen each.
Expected<PlanObjects> compilePlanObjects(const CompilePlan& plan, unsigned jobs, const std::vector<bool>& wanted = {});

// The object of plan.endpoints[index]: its shape's object with the endpoint's constants.
Expected<std::vector<uint8_t>> endpointObject(const PlanObjects& objects, const CompilePlan& plan, size_t index);

// For loader::PlanLoader: the compiled bytes of a shape (an error for a shape not compiled).
loader::ShapeObjectSource shapeObjectSource(const PlanObjects& objects);

}  // namespace ciliumc::bench

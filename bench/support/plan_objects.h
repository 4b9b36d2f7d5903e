// Compiling a plan's BPF objects: the ONE place the benchmarks call the back end's code
// generator, so that a change in how the back end compiles is adapted here only. Today: the
// plan compiles ONCE (BpfCodegen::compilePlan: one object whose code serves every shape, the
// shape's constants in .rodata and its port-class columns in a map), and each endpoint's object
// is that object with the endpoint's and its shape's constants patched into .rodata — what
// `ciliumc compile` does (cli/compile_command.cpp), minus writing files.
#pragma once
#include <cstdint>
#include <vector>

#include "backend_bpf/codegen.h"
#include "loader/plan_loader.h"
#include "passes/datapath_plan.h"

namespace ciliumc::bench {

struct PlanObjects {
  std::vector<uint8_t> object;  // the plan's one ELF object
  size_t shapes = 0;            // shapes it serves
  double wallMs = 0;            // code generation, wall clock (one thread)
  CodegenTimings timings;
};

Expected<PlanObjects> compilePlanObjects(const CompilePlan& plan);

// The object of plan.endpoints[index]: the plan's object with the endpoint's constants.
Expected<std::vector<uint8_t>> endpointObject(const PlanObjects& objects, const CompilePlan& plan, size_t index);

// For loader::PlanLoader: the compiled bytes for a shape (the plan's object, for every shape).
loader::ShapeObjectSource shapeObjectSource(const PlanObjects& objects);

}  // namespace ciliumc::bench

// The generated half of a BPF object, built with IRBuilder + DIBuilder into the module that holds
// the parsed runtime bitcode (layout: backend_bpf/codegen.h).
#pragma once
#include <string_view>

#include "backend_bpf/plan_partition.h"
#include "support/expected.h"

namespace llvm {
class Module;
}

namespace ciliumc {

// Adds to `runtime` the plan's maps (ciliumc_verdict, ciliumc_cidr, ciliumc_column, and
// ciliumc_port_table when a direction uses it), the .rodata
// array ciliumc_range_starts, the port trees, the body of ciliumc_port_class and the two programs, then makes the runtime's entry points internal and
// always-inline. Fails when the runtime's declarations do not have the signatures the generated
// calls use, or when its debug info lacks a type the generated maps reuse (the runtime changed
// without this file).
Expected<bool> addGeneratedCode(llvm::Module& runtime, const PlanLowering& plan,
                                std::string_view sourceName);

}  // namespace ciliumc

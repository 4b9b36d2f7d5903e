// The BPF back end: a CompilePlan (or one ShapePlan) in, one BPF ELF object (in memory) out, with
// in-process LLVM.
//
// Generated program layout. ONE object per compile plan: the code is the same for every shape of
// the plan; per endpoint only .rodata differs (endpoint and shape constants), per shape only the
// contents and sizes of the shape maps, which the loader sets (loader/plan_loader.h):
//
//   from runtime/ciliumc_runtime.c (bitcode embedded at build time, linked into every module):
//     maps      ciliumc_ipcache  HASH, NO_PREALLOC, 65536   ipcache_key -> ipcache_value  node-wide
//               ciliumc_ct       LRU_HASH, 65536            ct_key -> ct_value            node-wide
//               ciliumc_events   RINGBUF, 256 KiB           struct ciliumc_event records  node-wide
//               ciliumc_config   ARRAY, 1                   u32 -> struct ciliumc_config  node-wide
//               ciliumc_class    ARRAY, 4096 slots          u32 -> struct ciliumc_class_slot
//     .rodata   ciliumc_endpoint (const volatile struct ciliumc_endpoint_config, with the nested
//               struct ciliumc_shape_config: verdict bases, port classes, class capacity, CIDR
//               and conntrack per direction), patched per endpoint by patchEndpointConfig() or
//               set by the loader before load; the compiled object holds shape 0's constants
//     license   "GPL"
//     ciliumc_enforce(skb, direction, verdict_map, cidr_map, column_map): the whole per-packet
//               path; made internal + always-inline here, so it is folded into each program
//   generated here from the plan (module_builder.cpp; the same from c_emitter.cpp; plan-wide
//   values from lowerPlan, backend_bpf/plan_partition.h):
//     maps      ciliumc_verdict  ARRAY, max over shapes of budget.verdictEntries
//                                u32 -> struct ciliumc_verdict_cell
//               ciliumc_cidr     LPM_TRIE, NO_PREALLOC, max over shapes of budget.cidrEntries
//                                (at least 1; always present) cidr_key -> cidr_value
//               ciliumc_column   ARRAY, 2 * stride   u32 (direction * stride + global range) ->
//                                u32 port class of the shape
//     .rodata   ciliumc_range_starts (const volatile __u32[2 * stride]): the global ranges' first
//               L4 keys, from which the loader computes any shape's ciliumc_column
//               ciliumc_port_table  ARRAY, BPF_F_MMAPABLE (the loader fills it in place),
//                                kL4KeyEnd (6 * 65536) entries, only when some direction uses
//                                it: u32 l4key -> struct ciliumc_port_table_entry { __u32
//                                range[2]; } = the key's ciliumc_column index per direction.
//                                Plan-wide: the loader fills it from ciliumc_range_starts once
//                                and shares it between every object with the same starts
//                                (loader/shared_maps.h, pinned under ports-<hash>)
//     __u32 ciliumc_port_tree_ingress(__u32 l4key), ..._egress: answer the ciliumc_column index
//               of the direction's global L4 key ranges (the union of every shape's range
//               starts), lowered one of two ways, decided per direction by lowerPlan and
//               recorded in PlanDirectionLowering::portTable:
//               - ranges <= CodegenOptions::portTableThreshold (default 64): a balanced compare
//                 tree; internal + always-inline, or, when some shape's budget says so or the
//                 plan has more than 8 ranges in the direction, a global noinline function = a
//                 BPF global subprogram the verifier checks once (its work grows with the ranges:
//                 ~50k processed instructions at 12,836 ranges);
//               - more ranges: one bpf_map_lookup_elem in ciliumc_port_table (a miss, which
//                 cannot happen for a key < kL4KeyEnd, answers the direction's first column),
//                 internal + always-inline. The verifier inlines array lookups on a constant map,
//                 so the code, the verifier's work and the per-packet cost (a few ns) do not
//                 depend on the rule count
//     __u32 ciliumc_port_class(__u32 direction, __u32 l4key): picks the direction's tree
//               (declared by the runtime; internal + always-inline)
//     int ciliumc_ingress(struct __sk_buff *skb), int ciliumc_egress(...), section "tc": each
//               `return ciliumc_enforce(skb, <direction>, &ciliumc_verdict, &ciliumc_cidr,
//               &ciliumc_column);`
//   Optimisation: the runtime arrives as clang -O2 bitcode; the always-inline functions are
//   inlined into the programs and the direction folded (SCCP, SimplifyCFG, InstCombine, EarlyCSE,
//   ADCE), so each program is the runtime specialised for its direction, plus at most one call
//   to a global port-tree subprogram (which is optnone: already optimal as built, and cheap to
//   compile that way even at 1,000 ranges). The shape constants are folded by the verifier at
//   load time (frozen .rodata), so dead paths (no CIDR, no conntrack) are not verified.
//   Debug info: full types and subprograms (BTF: map definitions, FUNC/FUNC_PROTO with every
//   parameter named, line info); variable locations are dropped, BTF has no use for them.
//   Functions are nounwind; allocas live in the entry block.
//
// Thread safety: a BpfCodegen is not thread-safe; give each thread its own. Instances are
// independent (each compile uses a fresh LLVMContext; the TargetMachine is per instance; LLVM's
// target registration happens once per process, guarded). patchEndpointConfig and emitC are
// pure functions and thread-safe.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backend_bpf/plan_partition.h"
#include "passes/datapath_plan.h"
#include "runtime/ciliumc_abi.h"
#include "support/expected.h"

namespace llvm {
class Module;
}

namespace ciliumc {

// Where a compilation spent its time (milliseconds, wall clock).
struct CodegenTimings {
  double parseRuntime = 0;  // the embedded runtime bitcode into a fresh context
  double buildModule = 0;   // generated maps, trees, programs + module verification
  double optimize = 0;      // inlining + constant folding
  double codegen = 0;       // instruction selection .. object/assembly in memory
};

struct CodegenOptions {
  // File name of the generated code in the debug info (shows in BTF line info and verifier logs).
  std::string sourceName = "ciliumc-generated.c";
  CodegenTimings* timings = nullptr;  // filled when set
  // A direction with more plan-wide port ranges than this classifies ports through the plan-wide
  // ciliumc_port_table (one array lookup) instead of a compare tree (plan_partition.h).
  uint32_t portTableThreshold = kDefaultPortTableThreshold;
  // Test hook: runs on the optimised module right before code generation.
  std::function<void(llvm::Module&)> beforeCodegenForTesting;
};

enum class EmitKind {
  LlvmIr,    // the optimised module, textual IR (--emit=llvm)
  Assembly,  // BPF assembly (--emit=asm)
  C,         // one self-contained C file (--emit=c), see emitC
};

class BpfCodegen {
 public:
  // Fails when LLVM has no BPF target.
  static Expected<std::unique_ptr<BpfCodegen>> create();
  ~BpfCodegen();
  BpfCodegen(const BpfCodegen&) = delete;
  BpfCodegen& operator=(const BpfCodegen&) = delete;

  // The one BPF ELF object of every shape of the plan: load it for any endpoint with that
  // endpoint's config (patchEndpointConfig / the loader) and its shape's map sizes and contents.
  // Errors: an empty or inconsistent plan, or any error LLVM reports (collected by the
  // context's diagnostic handler; LLVM's default one would exit the process).
  Expected<std::vector<uint8_t>> compilePlan(const CompilePlan& plan, const CodegenOptions& options = {});
  // The same for some shapes (compilePlan compiles plan.shapes); compileShape is a plan of one.
  Expected<std::vector<uint8_t>> compileShapes(std::span<const ShapePlan> shapes, const CodegenOptions& options = {});
  Expected<std::vector<uint8_t>> compileShape(const ShapePlan& shape, const CodegenOptions& options = {});

  // The shape (as a plan of one) as text: LLVM IR, BPF assembly or C (the latter without LLVM,
  // same as emitC).
  Expected<std::string> emit(const ShapePlan& shape, EmitKind kind, const CodegenOptions& options = {});

 private:
  struct Impl;
  explicit BpfCodegen(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One self-contained C file for a shape (as a plan of one): the ABI header, the runtime source
// and the generated maps, port trees and programs. `clang -O2 -g -target bpf -c` compiles it (no
// include directories needed) to an object with the same maps, programs and verdicts as
// compileShape's once the loader sets .rodata (its ciliumc_endpoint initial value is all zero).
Expected<std::string> emitC(const ShapePlan& shape);
// The same with options (only portTableThreshold applies).
Expected<std::string> emitC(const ShapePlan& shape, const CodegenOptions& options);

// A loader::ShapeObjectSource that compiles the whole plan once (on first use) and returns that
// one object for every shape index. `codegen` and `plan` must outlive it; not thread-safe.
std::function<Expected<std::vector<uint8_t>>(uint32_t shapeIndex)> planObjectSource(
    BpfCodegen& codegen, const CompilePlan& plan, CodegenOptions options = {});

// A copy of a compiled object whose `ciliumc_endpoint` (.rodata) holds `config` (endpoint and
// shape constants: see loader::endpointConfigOf(plan, endpoint)): compile once per plan, write
// one object per endpoint. Errors when the ELF has no such symbol of that size
// in a section with file contents.
Expected<std::vector<uint8_t>> patchEndpointConfig(std::span<const uint8_t> elf,
                                                   const ciliumc_endpoint_config& config);

}  // namespace ciliumc

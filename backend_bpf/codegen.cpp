// BpfCodegen: parse the embedded runtime bitcode into a fresh context, add the generated code,
// verify, optimise (inline and fold, new pass manager) and emit an object, assembly or IR to
// memory.
#include "backend_bpf/codegen.h"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/DebugInfo.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Passes/StandardInstrumentations.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/Transforms/IPO/AlwaysInliner.h>
#include <llvm/Transforms/IPO/GlobalDCE.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/ADCE.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SCCP.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

#include <chrono>
#include <optional>
#include <mutex>

#include "backend_bpf/module_builder.h"
#include "backend_bpf/plan_partition.h"
#include "runtime/embedded_runtime.h"

namespace ciliumc {
namespace {

constexpr const char* kTriple = "bpfel";
// v3: 32-bit jumps and ALU ops; supported by every kernel with BTF-defined maps and ring buffers.
constexpr const char* kCpu = "v3";

void initializeBpfTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeBPFTargetInfo();
    LLVMInitializeBPFTarget();
    LLVMInitializeBPFTargetMC();
    LLVMInitializeBPFAsmPrinter();
  });
}

// Collects every error LLVM reports instead of letting the default handler print it and exit
// the process; warnings and remarks are dropped.
class CollectingDiagnosticHandler : public llvm::DiagnosticHandler {
 public:
  explicit CollectingDiagnosticHandler(std::string& errors) : errors_(errors) {}
  bool handleDiagnostics(const llvm::DiagnosticInfo& info) override {
    if (info.getSeverity() == llvm::DS_Error) {
      llvm::raw_string_ostream out(errors_);
      if (!errors_.empty()) out << "; ";
      llvm::DiagnosticPrinterRawOStream printer(out);
      info.print(printer);
    }
    return true;
  }

 private:
  std::string& errors_;
};

// One compilation: its own context (so nothing accumulates across shapes and the diagnostic
// handler reports into this compilation's error text).
struct Compilation {
  Compilation() { context.setDiagnosticHandler(std::make_unique<CollectingDiagnosticHandler>(errors)); }
  std::string errors;
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module;

  Expected<bool> failIfLlvmReported(const char* stage) const {
    if (errors.empty()) return true;
    return Error(std::string("LLVM ") + stage + ": " + errors);
  }
};

// BTF takes types, functions, parameter names (from each DISubprogram's retained nodes) and line
// info from the debug info, never variable locations; tracking those through optimisation and
// code generation would cost about a third of the compile time.
void dropVariableLocations(llvm::Module& module) {
  for (llvm::Function& function : module) {
    llvm::at::deleteAll(&function);
    for (llvm::BasicBlock& block : function)
      for (llvm::Instruction& instruction : llvm::make_early_inc_range(block)) {
        instruction.dropDbgRecords();
        if (llvm::isa<llvm::DbgVariableIntrinsic>(instruction)) instruction.eraseFromParent();
      }
  }
}

// Adds the time since construction (or the last lap) to a CodegenTimings field, when wanted.
class Stopwatch {
 public:
  explicit Stopwatch(CodegenTimings* timings) : timings_(timings) {}
  void lap(double CodegenTimings::*field) {
    auto now = std::chrono::steady_clock::now();
    if (timings_) timings_->*field += std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
  }

 private:
  CodegenTimings* timings_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

struct BpfCodegen::Impl {
  std::unique_ptr<llvm::TargetMachine> machine;

  // Builds, verifies and optimises the module of a plan's shapes into `compilation`.
  Expected<bool> buildModule(Compilation& compilation, const PlanLowering& lowering,
                             const CodegenOptions& options) {
    Stopwatch stopwatch(options.timings);
    auto bitcode = runtime::bitcode();
    llvm::MemoryBufferRef buffer(
        llvm::StringRef(reinterpret_cast<const char*>(bitcode.data()), bitcode.size()), "ciliumc_runtime.bc");
    auto parsed = llvm::parseBitcodeFile(buffer, compilation.context);
    if (!parsed) return Error("runtime bitcode: " + llvm::toString(parsed.takeError()));
    compilation.module = std::move(*parsed);
    llvm::Module& module = *compilation.module;
    module.setModuleIdentifier("ciliumc-" + lowering.key);
    module.setTargetTriple(kTriple);  // clang writes "bpf", the host-endian alias
    module.setDataLayout(machine->createDataLayout());
    stopwatch.lap(&CodegenTimings::parseRuntime);

    auto added = addGeneratedCode(module, lowering, options.sourceName);
    if (!added) return added.error();
    dropVariableLocations(module);
    std::string problems;
    llvm::raw_string_ostream problemStream(problems);
    bool brokenDebugInfo = false;
    if (llvm::verifyModule(module, &problemStream, &brokenDebugInfo) || brokenDebugInfo)
      return Error("generated module does not verify (BTF needs valid debug info): " + problems);
    if (auto ok = compilation.failIfLlvmReported("module construction"); !ok) return ok;
    stopwatch.lap(&CodegenTimings::buildModule);

    optimize(module);
    stopwatch.lap(&CodegenTimings::optimize);
    return compilation.failIfLlvmReported("optimisation");
  }

  // The runtime arrives optimised (clang -O2, with BPF's own IR passes); what is left per plan
  // is inlining ciliumc_enforce, the port trees and ciliumc_port_class into the two programs and
  // folding the direction: constant propagation, then removal of the dead paths.
  void optimize(llvm::Module& module) {
    llvm::LoopAnalysisManager loops;
    llvm::FunctionAnalysisManager functions;
    llvm::CGSCCAnalysisManager sccs;
    llvm::ModuleAnalysisManager modules;
    // The standard instrumentations make the pass managers honour optnone (global port trees).
    llvm::PassInstrumentationCallbacks callbacks;
    llvm::StandardInstrumentations instrumentations(module.getContext(), /*DebugLogging=*/false);
    instrumentations.registerCallbacks(callbacks, &modules);
    llvm::PassBuilder passes(machine.get(), llvm::PipelineTuningOptions(), std::nullopt, &callbacks);
    passes.registerModuleAnalyses(modules);
    passes.registerCGSCCAnalyses(sccs);
    passes.registerFunctionAnalyses(functions);
    passes.registerLoopAnalyses(loops);
    passes.crossRegisterProxies(loops, functions, sccs, modules);
    llvm::FunctionPassManager fold;
    fold.addPass(llvm::SCCPPass());
    fold.addPass(llvm::SimplifyCFGPass());
    fold.addPass(llvm::InstCombinePass());
    fold.addPass(llvm::EarlyCSEPass());
    fold.addPass(llvm::ADCEPass());
    fold.addPass(llvm::SimplifyCFGPass());
    llvm::ModulePassManager pipeline;
    pipeline.addPass(llvm::AlwaysInlinerPass());
    pipeline.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fold)));
    pipeline.addPass(llvm::GlobalDCEPass());
    pipeline.run(module, modules);
  }

  Expected<std::vector<char>> generate(Compilation& compilation, const CodegenOptions& options,
                                       llvm::CodeGenFileType fileType) {
    if (options.beforeCodegenForTesting) options.beforeCodegenForTesting(*compilation.module);
    Stopwatch stopwatch(options.timings);
    llvm::SmallVector<char, 0> buffer;
    llvm::raw_svector_ostream out(buffer);
    llvm::legacy::PassManager codegen;  // code generation still runs on the legacy manager
    if (machine->addPassesToEmitFile(codegen, out, nullptr, fileType))
      return Error("the BPF target cannot emit this file type");
    codegen.run(*compilation.module);
    stopwatch.lap(&CodegenTimings::codegen);
    if (auto ok = compilation.failIfLlvmReported("code generation"); !ok) return ok.error();
    return std::vector<char>(buffer.begin(), buffer.end());
  }
};

BpfCodegen::BpfCodegen(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpfCodegen::~BpfCodegen() = default;

Expected<std::unique_ptr<BpfCodegen>> BpfCodegen::create() {
  initializeBpfTarget();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(kTriple, error);
  if (!target) return Error("LLVM has no BPF target: " + error);
  auto impl = std::make_unique<Impl>();
  impl->machine.reset(target->createTargetMachine(kTriple, kCpu, "", llvm::TargetOptions(),
                                                  llvm::Reloc::PIC_, std::nullopt,
                                                  llvm::CodeGenOptLevel::Aggressive));
  if (!impl->machine) return Error("cannot create the BPF target machine");
  return std::unique_ptr<BpfCodegen>(new BpfCodegen(std::move(impl)));
}

Expected<std::vector<uint8_t>> BpfCodegen::compileShapes(std::span<const ShapePlan> shapes,
                                                         const CodegenOptions& options) {
  auto lowering = lowerPlan(shapes, options.portTableThreshold);
  if (!lowering) return lowering.error();
  Compilation compilation;
  if (auto built = impl_->buildModule(compilation, *lowering, options); !built) return built.error();
  auto object = impl_->generate(compilation, options, llvm::CodeGenFileType::ObjectFile);
  if (!object) return object.error();
  // The unpatched object carries the first shape's constants (an endpoint id of 0).
  ciliumc_endpoint_config defaults{};
  defaults.shape = lowering->defaultShape;
  return patchEndpointConfig(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(object->data()), object->size()),
                             defaults);
}

Expected<std::vector<uint8_t>> BpfCodegen::compilePlan(const CompilePlan& plan, const CodegenOptions& options) {
  return compileShapes(plan.shapes, options);
}

Expected<std::vector<uint8_t>> BpfCodegen::compileShape(const ShapePlan& shape,
                                                        const CodegenOptions& options) {
  return compileShapes(std::span<const ShapePlan>(&shape, 1), options);
}

Expected<std::string> BpfCodegen::emit(const ShapePlan& shape, EmitKind kind,
                                       const CodegenOptions& options) {
  if (kind == EmitKind::C) return emitC(shape, options);
  auto lowering = lowerPlan(std::span<const ShapePlan>(&shape, 1), options.portTableThreshold);
  if (!lowering) return lowering.error();
  Compilation compilation;
  if (auto built = impl_->buildModule(compilation, *lowering, options); !built) return built.error();
  if (kind == EmitKind::LlvmIr) {
    std::string text;
    llvm::raw_string_ostream out(text);
    compilation.module->print(out, nullptr);
    return text;
  }
  auto assembly = impl_->generate(compilation, options, llvm::CodeGenFileType::AssemblyFile);
  if (!assembly) return assembly.error();
  return std::string(assembly->begin(), assembly->end());
}

std::function<Expected<std::vector<uint8_t>>(uint32_t)> planObjectSource(BpfCodegen& codegen, const CompilePlan& plan,
                                                                         CodegenOptions options) {
  struct Cache {
    bool compiled = false;
    std::vector<uint8_t> object;
    std::optional<Error> error;
  };
  auto cache = std::make_shared<Cache>();
  return [&codegen, &plan, options = std::move(options), cache](uint32_t shapeIndex) -> Expected<std::vector<uint8_t>> {
    if (shapeIndex >= plan.shapes.size()) return Error("no shape #" + std::to_string(shapeIndex) + " in the plan");
    if (!cache->compiled) {
      cache->compiled = true;
      if (auto object = codegen.compilePlan(plan, options))
        cache->object = std::move(*object);
      else
        cache->error = object.error();
    }
    if (cache->error) return *cache->error;
    return cache->object;
  };
}

}  // namespace ciliumc

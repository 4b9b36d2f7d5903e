// BpfCodegen on hand-made ShapePlans: the object's maps, programs, symbols and BTF as libbpf and
// libelf read them (no kernel needed), the port trees the IR computes, --emit=llvm|asm, errors.
#include "backend_bpf/codegen.h"

#include <gtest/gtest.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <algorithm>
#include <thread>

#include "backend_object_inspect.h"
#include "backend_shapes.h"
#include "backend_tree_interpreter.h"

namespace ciliumc {
namespace {

using testing::DirectionSpec;
using testing::makeShape;
using testing::smallShape;
using testing::tcpRanges;

// include/uapi/linux/bpf.h
constexpr unsigned kHash = 1, kArray = 2, kLruHash = 9, kLpmTrie = 11, kRingbuf = 27;
constexpr uint32_t kNoPrealloc = 1;

class BackendCodegen : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = BpfCodegen::create();
    ASSERT_TRUE(created) << created.error().message;
    codegen_ = created->release();
  }
  static void TearDownTestSuite() { delete codegen_; }

  std::vector<uint8_t> compile(const ShapePlan& shape, const CodegenOptions& options = {}) {
    auto object = codegen_->compileShape(shape, options);
    EXPECT_TRUE(object) << object.error().message;
    return object ? *object : std::vector<uint8_t>{};
  }

  static BpfCodegen* codegen_;
};
BpfCodegen* BackendCodegen::codegen_ = nullptr;

void expectMap(const testing::ObjectInfo& info, const std::string& name, unsigned type,
               uint32_t maxEntries, uint32_t keySize, uint32_t valueSize, uint32_t flags = 0) {
  auto found = info.maps.find(name);
  ASSERT_NE(found, info.maps.end()) << "no map " << name;
  EXPECT_EQ(found->second.type, type) << name;
  EXPECT_EQ(found->second.maxEntries, maxEntries) << name;
  EXPECT_EQ(found->second.keySize, keySize) << name;
  EXPECT_EQ(found->second.valueSize, valueSize) << name;
  EXPECT_EQ(found->second.flags, flags) << name;
}

TEST_F(BackendCodegen, SmallShapeHasTheRuntimeMapsTheShapeMapsAndTwoTcPrograms) {
  ShapePlan shape = smallShape();
  auto object = compile(shape);
  testing::ObjectInfo info = testing::inspectObject(object);
  ASSERT_EQ(info.error, "") << info.libbpfLog;
  EXPECT_EQ(info.programs, (std::map<std::string, std::string>{{"ciliumc_ingress", "tc"},
                                                               {"ciliumc_egress", "tc"}}));
  expectMap(info, "ciliumc_ipcache", kHash, 65536, sizeof(ciliumc_ipcache_key),
            sizeof(ciliumc_ipcache_value), kNoPrealloc);
  expectMap(info, "ciliumc_ct", kLruHash, 65536, sizeof(ciliumc_ct_key), sizeof(ciliumc_ct_value));
  expectMap(info, "ciliumc_events", kRingbuf, 256 * 1024, 0, 0);
  expectMap(info, "ciliumc_config", kArray, 1, 4, sizeof(ciliumc_config));
  expectMap(info, "ciliumc_class", kArray, CILIUMC_CLASS_SLOTS, 4, sizeof(ciliumc_class_slot));
  expectMap(info, "ciliumc_verdict", kArray, shape.budget.verdictEntries, 4, sizeof(ciliumc_verdict_cell));
  // ABI 2: the LPM map is always there (at least 1 entry; the loader sizes it per shape) and
  // consulted only in the directions .rodata names; the column map maps the plan's global
  // ranges to the shape's port classes.
  expectMap(info, "ciliumc_cidr", kLpmTrie, 1, sizeof(ciliumc_cidr_key), sizeof(ciliumc_cidr_value), kNoPrealloc);
  expectMap(info, "ciliumc_column", kArray, 2 * 5, 4, 4);  // stride: the 5 ingress ranges
  bool rodata = std::any_of(info.maps.begin(), info.maps.end(), [](const auto& map) {
    return map.first.ends_with(".rodata") && map.second.valueSize >= sizeof(ciliumc_endpoint_config);
  });
  EXPECT_TRUE(rodata) << "the endpoint constants live in .rodata";

  // BTF: programs are global functions whose parameter is named (else libbpf drops all BTF).
  for (const char* program : {"ciliumc_ingress", "ciliumc_egress"}) {
    ASSERT_EQ(info.functions.count(program), 1u) << program;
    EXPECT_EQ(info.functions[program].parameters, std::vector<std::string>{"skb"});
    EXPECT_EQ(info.functions[program].linkage, BTF_FUNC_GLOBAL);
  }

  testing::ElfInfo elf = testing::inspectElf(object);
  for (const char* section : {"tc", "license", ".maps", ".rodata", ".BTF", ".BTF.ext"})
    EXPECT_NE(std::find(elf.sections.begin(), elf.sections.end(), section), elf.sections.end()) << section;
  EXPECT_EQ(std::find(elf.sections.begin(), elf.sections.end(), ".eh_frame"), elf.sections.end())
      << "functions must be nounwind";
  EXPECT_EQ(elf.symbols["ciliumc_endpoint"].section, ".rodata");
  EXPECT_EQ(elf.symbols["ciliumc_endpoint"].size, sizeof(ciliumc_endpoint_config));
  EXPECT_EQ(elf.symbols.count("ciliumc_enforce"), 0u) << "the runtime is inlined into the programs";
  EXPECT_EQ(elf.symbols.count("ciliumc_port_class"), 0u);
}

TEST_F(BackendCodegen, CidrPeersAddTheLpmTrie) {
  DirectionSpec ingress;
  ingress.cidrPeer = true;
  ingress.enforced = true;
  ShapePlan shape = makeShape(ingress, DirectionSpec{}, 4, 1024);
  testing::ObjectInfo info = testing::inspectObject(compile(shape));
  ASSERT_EQ(info.error, "") << info.libbpfLog;
  expectMap(info, "ciliumc_cidr", kLpmTrie, 1024, sizeof(ciliumc_cidr_key), sizeof(ciliumc_cidr_value),
            kNoPrealloc);
}

TEST_F(BackendCodegen, GlobalTreesAreGlobalSubprogramsAndInlineTreesVanish) {
  DirectionSpec ingress = tcpRanges(6, 3);  // plan-wide trees inline up to 8 ranges (plan_partition.cpp)
  DirectionSpec egress = tcpRanges(300, 7);
  egress.treeInline = false;
  CodegenOptions trees;
  trees.portTableThreshold = testing::kTreesOnly;
  auto object = compile(makeShape(ingress, egress), trees);
  testing::ElfInfo elf = testing::inspectElf(object);
  ASSERT_EQ(elf.symbols.count("ciliumc_port_tree_egress"), 1u);
  const testing::ElfSymbol& tree = elf.symbols["ciliumc_port_tree_egress"];
  EXPECT_EQ(tree.type, STT_FUNC);
  EXPECT_EQ(tree.binding, STB_GLOBAL);
  EXPECT_EQ(tree.section, ".text");
  EXPECT_EQ(elf.symbols.count("ciliumc_port_tree_ingress"), 0u) << "the inline tree is folded in";

  testing::ObjectInfo info = testing::inspectObject(object);
  ASSERT_EQ(info.error, "") << info.libbpfLog;
  ASSERT_EQ(info.functions.count("ciliumc_port_tree_egress"), 1u);
  EXPECT_EQ(info.functions["ciliumc_port_tree_egress"].linkage, BTF_FUNC_GLOBAL);
  EXPECT_EQ(info.functions["ciliumc_port_tree_egress"].parameters, std::vector<std::string>{"l4key"});
}

// The IR's trees classify like the PortTree they were printed from, per direction.
TEST_F(BackendCodegen, TreesInTheIrClassifyLikeTheirPlan) {
  ShapePlan shape = testing::randomGlobalTreeShape(11, 150, 37);
  CodegenOptions trees;
  trees.portTableThreshold = testing::kTreesOnly;
  auto ir = codegen_->emit(shape, EmitKind::LlvmIr, trees);
  ASSERT_TRUE(ir) << ir.error().message;
  testing::IrFunctionRunner runner(*ir);
  testing::expectTreesClassifyLikePlan(runner, shape);
}

TEST_F(BackendCodegen, EmitsIrAndAssemblyOfTheSameProgram) {
  ShapePlan shape = smallShape();
  auto ir = codegen_->emit(shape, EmitKind::LlvmIr);
  ASSERT_TRUE(ir) << ir.error().message;
  EXPECT_NE(ir->find("@ciliumc_ingress(ptr %skb)"), std::string::npos) << *ir;
  EXPECT_NE(ir->find("section \"tc\""), std::string::npos);
  EXPECT_EQ(ir->find("define internal"), std::string::npos) << "internal helpers are inlined away";
  auto assembly = codegen_->emit(shape, EmitKind::Assembly);
  ASSERT_TRUE(assembly) << assembly.error().message;
  EXPECT_NE(assembly->find("ciliumc_ingress:"), std::string::npos);
  EXPECT_NE(assembly->find("ciliumc_egress:"), std::string::npos);
  EXPECT_NE(assembly->find("call 130"), std::string::npos) << "bpf_ringbuf_output";
  auto c = codegen_->emit(shape, EmitKind::C);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(*c, *emitC(shape));
}

TEST_F(BackendCodegen, CompilingIsDeterministicAndInstancesAreIndependent) {
  ShapePlan shape = makeShape(tcpRanges(64, 5), tcpRanges(20, 3));
  auto reference = compile(shape);
  std::vector<uint8_t> results[2];
  std::string errors[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      auto codegen = BpfCodegen::create();
      if (!codegen) return void(errors[t] = codegen.error().message);
      for (int round = 0; round < 3; ++round) {
        auto object = (*codegen)->compileShape(shape);
        if (!object) return void(errors[t] = object.error().message);
        results[t] = *object;
      }
    });
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(errors[t], "");
    EXPECT_EQ(results[t], reference) << "thread " << t;
  }
}

TEST_F(BackendCodegen, InconsistentPlansAreErrorsNotCrashes) {
  ShapePlan tooSmall = smallShape();
  tooSmall.budget.verdictEntries -= 1;
  auto error = codegen_->compileShape(tooSmall);
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("do not fit the verdict table"), std::string::npos) << error.error().message;

  ShapePlan crowded = smallShape();
  crowded.budget.classCapacity = 1;  // ingress has 2 rows
  crowded.budget.verdictEntries = 100;
  EXPECT_FALSE(codegen_->compileShape(crowded));

  ShapePlan unsorted = smallShape();
  std::swap(unsorted.directions[1].rangeStarts[1], unsorted.directions[1].rangeStarts[2]);
  error = codegen_->compileShape(unsorted);
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("egress"), std::string::npos) << error.error().message;

  ShapePlan badRow = smallShape();
  badRow.directions[0].rows[1].pop_back();
  EXPECT_FALSE(codegen_->compileShape(badRow));
  EXPECT_FALSE(emitC(badRow));
}

// An error LLVM reports while generating code (here: a function whose stack exceeds BPF's 512
// bytes) comes back as an Error; the default handler would have exited the process.
TEST_F(BackendCodegen, BackendErrorsBecomeErrors) {
  CodegenOptions options;
  options.beforeCodegenForTesting = [](llvm::Module& module) {
    llvm::IRBuilder<> builder(module.getContext());
    auto* function = llvm::Function::Create(llvm::FunctionType::get(builder.getInt32Ty(), false),
                                            llvm::GlobalValue::ExternalLinkage, "too_much_stack", module);
    function->setSection("tc");
    builder.SetInsertPoint(llvm::BasicBlock::Create(module.getContext(), "entry", function));
    auto* type = llvm::ArrayType::get(builder.getInt64Ty(), 100);
    llvm::Value* buffer = builder.CreateAlloca(type);
    llvm::Value* last = builder.CreateConstGEP2_32(type, buffer, 0, 0);  // 800 bytes below the frame
    builder.CreateStore(builder.getInt64(1), last, /*isVolatile=*/true);
    builder.CreateRet(builder.CreateTrunc(builder.CreateLoad(builder.getInt64Ty(), last, true), builder.getInt32Ty()));
  };
  auto error = codegen_->compileShape(smallShape(), options);
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("stack limit"), std::string::npos) << error.error().message;
  // The code generator is still usable.
  EXPECT_TRUE(codegen_->compileShape(smallShape()));
}

TEST_F(BackendCodegen, ReportsWhereTheTimeGoes) {
  CodegenTimings timings;
  CodegenOptions options;
  options.timings = &timings;
  ASSERT_TRUE(codegen_->compileShape(smallShape(), options));
  EXPECT_GT(timings.parseRuntime, 0);
  EXPECT_GT(timings.optimize, 0);
  EXPECT_GT(timings.codegen, 0);
  RecordProperty("compile_ms", std::to_string(timings.parseRuntime + timings.buildModule +
                                              timings.optimize + timings.codegen));
}

}  // namespace
}  // namespace ciliumc

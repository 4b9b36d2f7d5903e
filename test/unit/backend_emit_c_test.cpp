// --emit=c: one self-contained C file that clang-19 (a build dependency) compiles with
// `clang -O2 -g -target bpf -c` into an object with the same maps, programs, constants and port
// trees as the one compileShape generates. (Verdicts by execution: the loader's tests.)
#include <gtest/gtest.h>

#include <sstream>

#include "backend_bpf/codegen.h"
#include "backend_clang.h"
#include "backend_object_inspect.h"
#include "backend_shapes.h"
#include "backend_tree_interpreter.h"

namespace ciliumc {
namespace {

using testing::DirectionSpec;
using testing::makeShape;
using testing::smallShape;
using testing::tcpRanges;

class BackendEmitC : public ::testing::Test {
 protected:
  // clang-19 on the shape's C with `flags`: the output file's bytes; no diagnostics allowed.
  std::vector<uint8_t> clang(const ShapePlan& shape, const std::string& flags, const std::string& outputName,
                             const CodegenOptions& options = {}) {
    auto source = emitC(shape, options);
    EXPECT_TRUE(source) << source.error().message;
    if (!source) return {};
    testing::ClangResult result = testing::runClang(scratch_.path(), *source, flags, outputName);
    EXPECT_EQ(result.status, 0) << result.diagnostics;
    EXPECT_EQ(result.diagnostics, "") << "the emitted C compiles without warnings";
    return result.output;
  }

  testing::TemporaryDirectory scratch_{"ciliumc-backend"};
};

std::vector<ShapePlan> shapes() {
  DirectionSpec cidr;
  cidr.cidrPeer = true;
  cidr.enforced = true;
  DirectionSpec global = tcpRanges(200, 6);
  global.treeInline = false;
  return {smallShape(), makeShape(cidr, tcpRanges(30, 4), 6, 512, "cidr"),
          makeShape(tcpRanges(64, 5), global, 3, 0, "global-tree")};
}

TEST_F(BackendEmitC, IsOneFileWithoutIncludes) {
  auto source = emitC(smallShape());
  ASSERT_TRUE(source) << source.error().message;
  std::istringstream lines(*source);
  for (std::string line; std::getline(lines, line);)
    EXPECT_NE(line.rfind("#include", 0), 0u) << line;
  for (const char* part : {"runtime/ciliumc_abi.h", "runtime/ciliumc_bpf.h", "runtime/ciliumc_runtime.c",
                           "SEC(\"tc\") int ciliumc_ingress(struct __sk_buff *skb)", "} ciliumc_verdict SEC(\".maps\");"})
    EXPECT_NE(source->find(part), std::string::npos) << part;
}

TEST_F(BackendEmitC, ClangBuildsTheSameObjectLayout) {
  auto codegen = BpfCodegen::create();
  ASSERT_TRUE(codegen) << codegen.error().message;
  for (const ShapePlan& shape : shapes()) {
    SCOPED_TRACE(shape.key);
    auto fromC = clang(shape, "-O2 -g -target bpf -c", "shape.o");
    auto generated = (*codegen)->compileShape(shape);
    ASSERT_TRUE(generated) << generated.error().message;
    testing::ObjectInfo c = testing::inspectObject(fromC), ir = testing::inspectObject(*generated);
    ASSERT_EQ(c.error, "") << c.libbpfLog;
    ASSERT_EQ(ir.error, "") << ir.libbpfLog;
    EXPECT_EQ(c.programs, ir.programs);
    ASSERT_EQ(c.maps.size(), ir.maps.size());
    for (const auto& [name, map] : ir.maps) {
      if (name.ends_with(".rodata")) continue;  // libbpf names it after the object
      ASSERT_EQ(c.maps.count(name), 1u) << name;
      EXPECT_EQ(c.maps[name].type, map.type) << name;
      EXPECT_EQ(c.maps[name].maxEntries, map.maxEntries) << name;
      EXPECT_EQ(c.maps[name].keySize, map.keySize) << name;
      EXPECT_EQ(c.maps[name].valueSize, map.valueSize) << name;
      EXPECT_EQ(c.maps[name].flags, map.flags) << name;
    }
    for (const char* tree : {"ciliumc_port_tree_ingress", "ciliumc_port_tree_egress"})
      EXPECT_EQ(c.functions.count(tree), ir.functions.count(tree)) << tree;
    testing::ElfInfo elf = testing::inspectElf(fromC);
    EXPECT_EQ(elf.symbols["ciliumc_endpoint"].section, ".rodata");
    EXPECT_EQ(elf.symbols["ciliumc_endpoint"].size, sizeof(ciliumc_endpoint_config));
    // The C object takes per-endpoint constants the same way.
    ciliumc_endpoint_config config{};
    config.endpoint_id = 3;
    EXPECT_TRUE(patchEndpointConfig(fromC, config));
  }
}

TEST_F(BackendEmitC, TreesInTheCClassifyLikeTheirPlan) {
  ShapePlan shape = testing::randomGlobalTreeShape(5, 90, 300);
  CodegenOptions trees;
  trees.portTableThreshold = testing::kTreesOnly;
  auto ir = clang(shape, "-O2 -target bpf -S -emit-llvm", "shape.ll", trees);
  testing::IrFunctionRunner runner(std::string(ir.begin(), ir.end()));
  testing::expectTreesClassifyLikePlan(runner, shape);
}

}  // namespace
}  // namespace ciliumc

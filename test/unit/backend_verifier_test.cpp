// The kernel verifier accepts what the back end generates, with BTF (libbpf's "BTF is optional"
// fallback counts as a failure), for the lowering variants: a small shape, a 64-range inline
// tree, a 1,000-range global-subprogram tree, CIDR peers. Load only: running programs and
// filling maps is the loader's business (loader/ and its tests).
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include "backend_bpf/codegen.h"
#include "backend_clang.h"
#include "backend_object_inspect.h"
#include "backend_shapes.h"
#include "privileged.h"

namespace ciliumc {
namespace {

using testing::DirectionSpec;
using testing::makeShape;
using testing::tcpRanges;

struct Loaded {
  std::string error;  // empty = loaded with BTF
  std::map<std::string, uint32_t> verifiedInsns;
};

Loaded load(std::span<const uint8_t> elf) {
  Loaded result;
  testing::libbpfMessages().clear();
  auto previous = libbpf_set_print(testing::collectLibbpfMessage);
  LIBBPF_OPTS(bpf_object_open_opts, options, .object_name = "verified");
  bpf_object* object = bpf_object__open_mem(elf.data(), elf.size(), &options);
  if (!object) {
    result.error = "open failed";
  } else if (int error = bpf_object__load(object); error) {
    result.error = "load failed (" + std::to_string(error) + ")";
  } else {
    bpf_program* program;
    bpf_object__for_each_program(program, object) {
      bpf_prog_info info{};
      uint32_t length = sizeof info;
      bpf_obj_get_info_by_fd(bpf_program__fd(program), &info, &length);
      result.verifiedInsns[bpf_program__name(program)] = info.verified_insns;
    }
  }
  if (object) bpf_object__close(object);
  libbpf_set_print(previous);
  std::string log = testing::libbpfMessages();
  if (result.error.empty() && log.find("BTF is optional") != std::string::npos)
    result.error = "loaded without BTF";
  if (!result.error.empty()) result.error += "\n" + log.substr(log.size() > 20000 ? log.size() - 20000 : 0);
  return result;
}

TEST(BackendVerifier, AcceptsEveryLoweringWithBtf) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  auto codegen = BpfCodegen::create();
  ASSERT_TRUE(codegen) << codegen.error().message;
  DirectionSpec inline64 = tcpRanges(64, 7), global1000 = tcpRanges(1000, 13), cidr;
  inline64.enforced = global1000.enforced = cidr.enforced = cidr.cidrPeer = true;
  global1000.treeInline = false;
  std::vector<std::pair<std::string, ShapePlan>> shapes = {
      {"small", testing::smallShape()},
      {"inline64", makeShape(inline64, inline64, 8)},
      {"global1000", makeShape(global1000, global1000, 8)},
      {"cidr", makeShape(cidr, cidr, 8, 4096)},
  };
  shapes.push_back({"tree1000", makeShape(global1000, global1000, 8)});  // compiled with trees only
  for (const auto& [name, shape] : shapes) {
    CodegenOptions options;
    if (name == "tree1000") options.portTableThreshold = testing::kTreesOnly;
    auto object = (*codegen)->compileShape(shape, options);
    ASSERT_TRUE(object) << name << ": " << object.error().message;
    Loaded loaded = load(*object);
    ASSERT_EQ(loaded.error, "") << name;
    for (const auto& [program, insns] : loaded.verifiedInsns) {
      EXPECT_GT(insns, 0u);
      RecordProperty(name + "." + program + ".verified_insns", std::to_string(insns));
    }
  }
}

TEST(BackendVerifier, AcceptsTheEmittedCCompiledByClang) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  DirectionSpec global = tcpRanges(300, 9);
  global.treeInline = false;
  for (const ShapePlan& shape : {testing::smallShape(), makeShape(global, tcpRanges(64, 7), 8)}) {
    auto source = emitC(shape);
    ASSERT_TRUE(source) << source.error().message;
    testing::TemporaryDirectory scratch("ciliumc-backend");
    testing::ClangResult object = testing::runClang(scratch.path(), *source, "-O2 -g -target bpf -c", "shape.o");
    ASSERT_EQ(object.status, 0) << object.diagnostics;
    Loaded loaded = load(object.output);
    EXPECT_EQ(loaded.error, "") << shape.key;
    EXPECT_EQ(loaded.verifiedInsns.size(), 2u);
  }
}

}  // namespace
}  // namespace ciliumc

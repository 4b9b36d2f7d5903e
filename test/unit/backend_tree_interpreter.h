// Runs the port-tree functions of generated LLVM IR (from --emit=llvm, or from clang compiling
// --emit=c) in LLVM's interpreter, so tests can compare what the printed code computes with
// the PortTree it was printed from.
#pragma once
#include <llvm/AsmParser/Parser.h>
#include <llvm/ExecutionEngine/ExecutionEngine.h>
#include <llvm/ExecutionEngine/GenericValue.h>
#include <llvm/ExecutionEngine/Interpreter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/raw_ostream.h>

#include <gtest/gtest.h>

#include <span>

#include "backend_bpf/plan_partition.h"

#include <memory>
#include <optional>
#include <random>
#include <string>

#include "backend_shapes.h"

namespace ciliumc::testing {

class IrFunctionRunner {
 public:
  // Parses `irText`; error() says why when that fails.
  explicit IrFunctionRunner(const std::string& irText) {
    llvm::SMDiagnostic diagnostic;
    auto module = llvm::parseAssemblyString(irText, diagnostic, context_);
    if (!module) {
      llvm::raw_string_ostream out(error_);
      diagnostic.print("generated", out);
      return;
    }
    module_ = module.get();
    std::string engineError;
    engine_.reset(llvm::EngineBuilder(std::move(module))
                      .setEngineKind(llvm::EngineKind::Interpreter)
                      .setErrorStr(&engineError)
                      .create());
    if (!engine_) error_ = "no interpreter: " + engineError;
  }
  const std::string& error() const { return error_; }
  bool hasFunction(const std::string& name) const { return module_ && module_->getFunction(name); }

  // Calls `i32 name(i32)`.
  std::optional<uint32_t> call(const std::string& name, uint32_t argument) {
    llvm::Function* function = module_ ? module_->getFunction(name) : nullptr;
    if (!engine_ || !function || function->isDeclaration()) return std::nullopt;
    llvm::GenericValue value;
    value.IntVal = llvm::APInt(32, argument);
    return static_cast<uint32_t>(engine_->runFunction(function, {value}).IntVal.getZExtValue());
  }

 private:
  llvm::LLVMContext context_;
  llvm::Module* module_ = nullptr;  // owned by engine_
  std::unique_ptr<llvm::ExecutionEngine> engine_;
  std::string error_;
};

// In both directions' trees (global functions in the IR), every range's first, middle and last
// key lead to the range's class: the tree answers a ciliumc_column index, whose entry (the
// shape's columns for the plan-of-one partition, backend_bpf/plan_partition.h) is the class.
inline void expectTreesClassifyLikePlan(IrFunctionRunner& runner, const ShapePlan& shape) {
  ASSERT_EQ(runner.error(), "");
  auto lowered = lowerPlan(std::span<const ShapePlan>(&shape, 1));
  ASSERT_TRUE(lowered.ok()) << lowered.error().message;
  auto columns = columnsOf(shape, lowered->partition.flatStarts());
  ASSERT_TRUE(columns.ok()) << columns.error().message;
  auto classOf = [&](std::optional<uint32_t> index) -> std::optional<uint32_t> {
    if (!index || *index >= columns->size()) return std::nullopt;
    return (*columns)[*index];
  };
  for (Direction d : {Direction::Ingress, Direction::Egress}) {
    const DirectionPlan& plan = shape.direction(d);
    std::string name = d == Direction::Ingress ? "ciliumc_port_tree_ingress" : "ciliumc_port_tree_egress";
    ASSERT_TRUE(runner.hasFunction(name)) << name;
    for (size_t i = 0; i < plan.rangeStarts.size(); ++i) {
      uint32_t end = i + 1 < plan.rangeStarts.size() ? plan.rangeStarts[i + 1] : kL4KeyEnd;
      for (uint32_t key : {plan.rangeStarts[i], (plan.rangeStarts[i] + end) / 2, end - 1})
        EXPECT_EQ(classOf(runner.call(name, key)), plan.rangeClass[i]) << name << " key " << key;
    }
  }
}

// A shape with two global trees over random ranges (neighbours may share a class).
inline ShapePlan randomGlobalTreeShape(uint32_t seed, uint32_t ingressRanges, uint32_t egressRanges) {
  std::mt19937 random(seed);
  auto ranges = [&](uint32_t count, uint16_t classes) {
    DirectionSpec spec;
    spec.portClassCount = classes;
    spec.rangeStarts.clear();
    spec.rangeClass.clear();
    uint32_t key = 0;
    for (uint32_t i = 0; i < count; ++i) {
      spec.rangeStarts.push_back(key);
      spec.rangeClass.push_back(static_cast<uint16_t>(random() % classes));
      key += 1 + random() % (kL4KeyEnd / count / 2);
    }
    spec.treeInline = false;  // a global tree survives as a function the interpreter can call
    return spec;
  };
  DirectionSpec ingress = ranges(ingressRanges, 9);
  DirectionSpec egress = ranges(egressRanges, 4);
  return makeShape(ingress, egress);
}

}  // namespace ciliumc::testing

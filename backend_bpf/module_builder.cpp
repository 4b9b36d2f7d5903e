// addGeneratedCode: the plan-dependent maps, port trees and programs as LLVM IR with full debug
// info (BTF). The BPF rules this file follows (docs/backend-notes.md): maps are BTF-defined
// globals in ".maps"; every function has a DISubprogram and every parameter a named
// DILocalVariable in its retained nodes (else libbpf drops the whole BTF); functions are nounwind; every instruction
// has a location; allocas would go in the entry block (the generated code needs none).
#include "backend_bpf/module_builder.h"

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/IR/DIBuilder.h>
#include <llvm/IR/DebugInfo.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <array>
#include <map>
#include <string>
#include <vector>

#include "backend_bpf/generated_names.h"

namespace ciliumc {
namespace {

using llvm::BasicBlock;
using llvm::DIType;
using llvm::Function;
using llvm::FunctionType;
using llvm::GlobalValue;
using llvm::GlobalVariable;
using llvm::StringRef;

// include/uapi/linux/bpf.h, as in runtime/ciliumc_bpf.h.
constexpr uint64_t kMapTypeArray = 2;
constexpr uint64_t kMapTypeLpmTrie = 11;
constexpr uint64_t kMapFlagNoPrealloc = 1;
constexpr uint64_t kMapFlagMmapable = 1024;  // BPF_F_MMAPABLE: the loader fills ciliumc_port_table by memcpy
constexpr uint64_t kHelperMapLookupElem = 1;  // BPF_FUNC_map_lookup_elem

StringRef ref(std::string_view s) { return {s.data(), s.size()}; }

// Debug types the generated code shares with the runtime, so BTF has one definition of each.
struct RuntimeTypes {
  DIType* intType = nullptr;        // int: BTF map attributes are arrays of int
  DIType* u32 = nullptr;            // __u32
  DIType* skbuff = nullptr;         // struct __sk_buff
  DIType* verdictCell = nullptr;    // struct ciliumc_verdict_cell
  DIType* cidrKey = nullptr;        // struct ciliumc_cidr_key
  DIType* cidrValue = nullptr;      // struct ciliumc_cidr_value
};

Expected<RuntimeTypes> findRuntimeTypes(const llvm::Module& module) {
  llvm::DebugInfoFinder finder;
  finder.processModule(module);
  std::map<std::string, DIType*> byName;
  for (DIType* type : finder.types()) {
    if (!type || type->getName().empty()) continue;
    bool useful = false;
    if (auto* basic = llvm::dyn_cast<llvm::DIBasicType>(type)) useful = basic->getName() == "int";
    if (auto* derived = llvm::dyn_cast<llvm::DIDerivedType>(type))
      useful = derived->getTag() == llvm::dwarf::DW_TAG_typedef;
    if (auto* composite = llvm::dyn_cast<llvm::DICompositeType>(type))
      useful = composite->getTag() == llvm::dwarf::DW_TAG_structure_type && !composite->isForwardDecl();
    if (useful) byName.emplace(type->getName().str(), type);
  }
  RuntimeTypes types;
  std::string missing;
  auto take = [&](DIType*& slot, const char* name) {
    auto it = byName.find(name);
    if (it == byName.end()) missing += std::string(missing.empty() ? "" : ", ") + name;
    else slot = it->second;
  };
  take(types.intType, "int");
  take(types.u32, "__u32");
  take(types.skbuff, "__sk_buff");
  take(types.verdictCell, "ciliumc_verdict_cell");
  take(types.cidrKey, "ciliumc_cidr_key");
  take(types.cidrValue, "ciliumc_cidr_value");
  if (!missing.empty()) return Error("runtime bitcode lacks the debug types " + missing);
  return types;
}

// The runtime function `name`, which must have type `expected`.
Expected<Function*> runtimeFunction(llvm::Module& module, std::string_view name,
                                    FunctionType* expected) {
  Function* function = module.getFunction(ref(name));
  if (!function) return Error("runtime bitcode has no function " + std::string(name));
  if (function->getFunctionType() != expected)
    return Error("runtime function " + std::string(name) +
                 " does not have the signature the code generator calls");
  return function;
}

class ModuleBuilder {
 public:
  ModuleBuilder(llvm::Module& module, const PlanLowering& plan, const RuntimeTypes& types,
                std::string_view sourceName)
      : module_(module), context_(module.getContext()), plan_(plan), types_(types),
        di_(module), builder_(context_) {
    file_ = di_.createFile(ref(sourceName), "/");
    unit_ = di_.createCompileUnit(llvm::dwarf::DW_LANG_C99, file_, "ciliumc", /*isOptimized=*/true,
                                  "", 0);
  }

  Expected<bool> build() {
    llvm::Type* i32 = builder_.getInt32Ty();
    llvm::Type* ptr = builder_.getPtrTy();
    auto enforce = runtimeFunction(module_, bpfnames::kEnforce,
                                   FunctionType::get(i32, {ptr, i32, ptr, ptr, ptr}, false));
    if (!enforce) return enforce.error();
    auto portClass = runtimeFunction(module_, bpfnames::kPortClass, FunctionType::get(i32, {i32, i32}, false));
    if (!portClass) return portClass.error();
    if (!(*portClass)->isDeclaration())
      return Error("runtime bitcode defines " + std::string(bpfnames::kPortClass) + " itself");

    GlobalVariable* verdictMap = addMap(bpfnames::kVerdictMap,
                                        {{"type", attribute(kMapTypeArray)},
                                         {"max_entries", attribute(plan_.verdictEntries)},
                                         {"key", types_.u32},
                                         {"value", types_.verdictCell}});
    GlobalVariable* cidrMap = addMap(bpfnames::kCidrMap, {{"type", attribute(kMapTypeLpmTrie)},
                                                          {"max_entries", attribute(plan_.cidrEntries)},
                                                          {"map_flags", attribute(kMapFlagNoPrealloc)},
                                                          {"key", types_.cidrKey},
                                                          {"value", types_.cidrValue}});
    GlobalVariable* columnMap = addMap(bpfnames::kColumnMap,
                                       {{"type", attribute(kMapTypeArray)},
                                        {"max_entries", attribute(plan_.partition.columnEntries())},
                                        {"key", types_.u32},
                                        {"value", types_.u32}});
    addRangeStarts();
    if (plan_.usesPortTable())
      portTable_ = addMap(bpfnames::kPortTableMap, {{"type", attribute(kMapTypeArray)},
                                                    {"max_entries", attribute(kL4KeyEnd)},
                                                    {"map_flags", attribute(kMapFlagMmapable)},
                                                    {"key", types_.u32},
                                                    {"value", portTableEntryType()}});

    Function* trees[2];
    for (int d = 0; d < 2; ++d) trees[d] = addPortTree(plan_.directions[d]);
    definePortClass(*portClass, trees);
    for (const PlanDirectionLowering& direction : plan_.directions)
      addProgram(direction.direction, *enforce, {verdictMap, cidrMap, columnMap});

    // The runtime's entry points exist once per program after inlining.
    for (Function* shared : {*enforce, *portClass}) {
      shared->setLinkage(GlobalValue::InternalLinkage);
      shared->removeFnAttr(llvm::Attribute::NoInline);
      shared->addFnAttr(llvm::Attribute::AlwaysInline);
    }
    di_.finalize();
    return true;
  }

 private:
  struct MapField {
    const char* name;
    DIType* pointee;  // BTF map definitions are structs of pointers
  };

  // int[value]: how BTF-defined maps spell a number (the __uint macro of libbpf).
  DIType* attribute(uint64_t value) {
    llvm::DINodeArray range = di_.getOrCreateArray({di_.getOrCreateSubrange(0, int64_t(value))});
    return di_.createArrayType(value * 32, 32, types_.intType, range);
  }

  GlobalVariable* addMap(std::string_view name, const std::vector<MapField>& fields) {
    std::vector<llvm::Type*> slots(fields.size(), builder_.getPtrTy());
    auto* type = llvm::StructType::get(context_, slots);
    auto* map = new GlobalVariable(module_, type, false, GlobalValue::ExternalLinkage,
                                   llvm::Constant::getNullValue(type), ref(name));
    map->setSection(".maps");
    map->setAlignment(llvm::Align(8));
    map->setDSOLocal(true);
    std::vector<llvm::Metadata*> members;
    for (size_t i = 0; i < fields.size(); ++i)
      members.push_back(di_.createMemberType(unit_, fields[i].name, file_, nextLine_, 64, 64, i * 64,
                                             llvm::DINode::FlagZero,
                                             di_.createPointerType(fields[i].pointee, 64)));
    auto* definition = di_.createStructType(unit_, "", file_, nextLine_, 64 * fields.size(), 64,
                                            llvm::DINode::FlagZero, nullptr, di_.getOrCreateArray(members));
    map->addDebugInfo(di_.createGlobalVariableExpression(unit_, ref(name), "", file_, nextLine_++,
                                                         definition, /*IsLocalToUnit=*/false));
    return map;
  }

  // A function with debug info whose parameters are named; the builder is left in its entry
  // block with a location set.
  Function* startFunction(Function* function, DIType* returnType,
                          const std::vector<std::pair<const char*, DIType*>>& parameters,
                          bool localToUnit) {
    std::vector<llvm::Metadata*> signature{returnType};
    for (const auto& parameter : parameters) signature.push_back(parameter.second);
    auto flags = llvm::DISubprogram::SPFlagDefinition | llvm::DISubprogram::SPFlagOptimized;
    if (localToUnit) flags |= llvm::DISubprogram::SPFlagLocalToUnit;
    unsigned line = nextLine_++;
    llvm::DISubprogram* subprogram = di_.createFunction(
        unit_, function->getName(), "", file_, line,
        di_.createSubroutineType(di_.getOrCreateTypeArray(signature)), line,
        llvm::DINode::FlagPrototyped, flags);
    function->setSubprogram(subprogram);
    function->addFnAttr(llvm::Attribute::NoUnwind);
    BasicBlock* entry = BasicBlock::Create(context_, "entry", function);
    builder_.SetInsertPoint(entry);
    auto* location = llvm::DILocation::get(context_, line, 1, subprogram);
    builder_.SetCurrentDebugLocation(location);
    // Parameter names reach BTF through the subprogram's retained variables (AlwaysPreserve);
    // their locations would be dropped before optimisation anyway (codegen.cpp).
    for (unsigned i = 0; i < parameters.size(); ++i) {
      function->getArg(i)->setName(parameters[i].first);
      di_.createParameterVariable(subprogram, parameters[i].first, i + 1, file_, line,
                                  parameters[i].second, /*AlwaysPreserve=*/true);
    }
    return function;
  }

  // const volatile __u32 ciliumc_range_starts[2 * stride] in .rodata: the loader computes each
  // shape's ciliumc_column from it (volatile in the debug type, like ciliumc_endpoint; nothing
  // in the program reads it).
  void addRangeStarts() {
    std::vector<uint32_t> starts = plan_.partition.flatStarts();
    auto* initial = llvm::ConstantDataArray::get(context_, llvm::ArrayRef<uint32_t>(starts));
    auto* global = new GlobalVariable(module_, initial->getType(), /*isConstant=*/true,
                                      GlobalValue::ExternalLinkage, initial, ref(bpfnames::kRangeStarts));
    global->setSection(".rodata");
    global->setAlignment(llvm::Align(4));
    global->setDSOLocal(true);
    DIType* element = di_.createQualifiedType(llvm::dwarf::DW_TAG_const_type,
                                              di_.createQualifiedType(llvm::dwarf::DW_TAG_volatile_type, types_.u32));
    llvm::DINodeArray range = di_.getOrCreateArray({di_.getOrCreateSubrange(0, int64_t(starts.size()))});
    DIType* type = di_.createArrayType(starts.size() * 32, 32, element, range);
    global->addDebugInfo(di_.createGlobalVariableExpression(unit_, ref(bpfnames::kRangeStarts), "", file_,
                                                            nextLine_++, type, /*IsLocalToUnit=*/false));
  }

  // struct ciliumc_port_table_entry { __u32 range[2]; } (runtime/ciliumc_abi.h); the runtime
  // does not use it, so its debug info does not have it.
  DIType* portTableEntryType() {
    llvm::DINodeArray two = di_.getOrCreateArray({di_.getOrCreateSubrange(0, int64_t(2))});
    DIType* array = di_.createArrayType(64, 32, types_.u32, two);
    llvm::Metadata* member = di_.createMemberType(unit_, "range", file_, nextLine_, 64, 32, 0,
                                                  llvm::DINode::FlagZero, array);
    return di_.createStructType(unit_, "ciliumc_port_table_entry", file_, nextLine_++, 64, 32,
                                llvm::DINode::FlagZero, nullptr, di_.getOrCreateArray({member}));
  }

  // The table form of ciliumc_port_tree_<direction>: entry = bpf_map_lookup_elem(&table, &l4key);
  // return entry ? entry->range[direction] : the direction's first column. The key lives in an
  // entry-block alloca (helpers take pointers).
  void buildPortTableLookup(Function* function, Direction d) {
    llvm::Type* i32 = builder_.getInt32Ty();
    llvm::Type* ptr = builder_.getPtrTy();
    uint32_t slot = d == Direction::Ingress ? 0 : 1;
    llvm::AllocaInst* key = builder_.CreateAlloca(i32, nullptr, "key");
    key->setAlignment(llvm::Align(4));
    builder_.CreateAlignedStore(function->getArg(0), key, llvm::Align(4));
    auto* lookupType = FunctionType::get(ptr, {ptr, ptr}, false);
    auto* helper = llvm::ConstantExpr::getIntToPtr(builder_.getInt64(kHelperMapLookupElem), ptr);
    llvm::Value* entry = builder_.CreateCall(lookupType, helper, {portTable_, key}, "entry");
    BasicBlock* hit = BasicBlock::Create(context_, "hit", function);
    BasicBlock* miss = BasicBlock::Create(context_, "miss", function);
    builder_.CreateCondBr(builder_.CreateIsNull(entry), miss, hit);
    builder_.SetInsertPoint(hit);
    llvm::Value* field = builder_.CreateConstInBoundsGEP1_32(i32, entry, slot);
    builder_.CreateRet(builder_.CreateAlignedLoad(i32, field, llvm::Align(4), "column"));
    builder_.SetInsertPoint(miss);
    builder_.CreateRet(builder_.getInt32(slot * plan_.partition.stride));
  }

  // __u32 ciliumc_port_tree_<direction>(__u32 l4key): one block per compare, one per leaf (or the
  // port table lookup).
  Function* addPortTree(const PlanDirectionLowering& direction) {
    llvm::Type* i32 = builder_.getInt32Ty();
    auto* function = Function::Create(FunctionType::get(i32, {i32}, false),
                                      direction.treeInline ? GlobalValue::InternalLinkage
                                                           : GlobalValue::ExternalLinkage,
                                      ref(bpfnames::portTreeName(direction.direction)), module_);
    function->setDSOLocal(true);
    // A global tree is a BPF global subprogram: noinline keeps it out of its callers. It is
    // already optimal as built, and optnone spares it the optimiser and the optimising
    // instruction selector, which cost far more than anything else on trees of 1,000 ranges.
    if (direction.treeInline) {
      function->addFnAttr(llvm::Attribute::AlwaysInline);
    } else {
      function->addFnAttr(llvm::Attribute::NoInline);
      function->addFnAttr(llvm::Attribute::OptimizeNone);
    }
    startFunction(function, types_.u32, {{"l4key", types_.u32}}, direction.treeInline);
    if (direction.portTable) {
      buildPortTableLookup(function, direction.direction);
      return function;
    }
    llvm::Value* key = function->getArg(0);
    const PortTree& tree = direction.tree;
    std::vector<BasicBlock*> blocks(tree.nodes.size());
    std::map<uint32_t, BasicBlock*> classBlocks;
    for (size_t i = 0; i < tree.nodes.size(); ++i) {
      const PortTree::Node& node = tree.nodes[i];
      if (!node.isLeaf()) {
        blocks[i] = BasicBlock::Create(context_, "below_" + std::to_string(node.threshold), function);
        continue;
      }
      BasicBlock*& leaf = classBlocks[node.portClass];
      if (!leaf) {
        leaf = BasicBlock::Create(context_, "class_" + std::to_string(node.portClass), function);
        builder_.SetInsertPoint(leaf);
        builder_.CreateRet(builder_.getInt32(node.portClass));
      }
      blocks[i] = leaf;
    }
    builder_.SetInsertPoint(&function->getEntryBlock());
    builder_.CreateBr(blocks[0]);
    for (size_t i = 0; i < tree.nodes.size(); ++i) {
      const PortTree::Node& node = tree.nodes[i];
      if (node.isLeaf()) continue;
      builder_.SetInsertPoint(blocks[i]);
      builder_.CreateCondBr(builder_.CreateICmpULT(key, builder_.getInt32(node.threshold)),
                            blocks[node.below], blocks[node.atOrAbove]);
    }
    return function;
  }

  // The runtime's declaration gets the body: direction == ingress ? tree_ingress : tree_egress.
  void definePortClass(Function* portClass, Function* const trees[2]) {
    startFunction(portClass, types_.u32, {{"direction", types_.u32}, {"l4key", types_.u32}}, true);
    llvm::Value* key = portClass->getArg(1);
    BasicBlock* ingress = BasicBlock::Create(context_, "ingress", portClass);
    BasicBlock* egress = BasicBlock::Create(context_, "egress", portClass);
    builder_.CreateCondBr(builder_.CreateICmpEQ(portClass->getArg(0), builder_.getInt32(0)), ingress, egress);
    builder_.SetInsertPoint(ingress);
    builder_.CreateRet(builder_.CreateCall(trees[0], {key}));
    builder_.SetInsertPoint(egress);
    builder_.CreateRet(builder_.CreateCall(trees[1], {key}));
  }

  // int ciliumc_<direction>(struct __sk_buff *skb) in section "tc": one call of the runtime,
  // with the maps in the order ciliumc_enforce takes them (verdict, cidr, column).
  void addProgram(Direction direction, Function* enforce, std::array<GlobalVariable*, 3> maps) {
    auto* function = Function::Create(FunctionType::get(builder_.getInt32Ty(), {builder_.getPtrTy()}, false),
                                      GlobalValue::ExternalLinkage,
                                      ref(bpfnames::programName(direction)), module_);
    function->setDSOLocal(true);
    function->setSection(ref(bpfnames::kProgramSection));
    startFunction(function, types_.intType, {{"skb", di_.createPointerType(types_.skbuff, 64)}}, false);
    llvm::Value* verdict = builder_.CreateCall(
        enforce, {function->getArg(0), builder_.getInt32(direction == Direction::Ingress ? 0 : 1),
                  maps[0], maps[1], maps[2]});
    builder_.CreateRet(verdict);
  }

  llvm::Module& module_;
  llvm::LLVMContext& context_;
  const PlanLowering& plan_;
  const RuntimeTypes& types_;
  llvm::DIBuilder di_;
  llvm::IRBuilder<> builder_;
  llvm::DIFile* file_ = nullptr;
  llvm::DICompileUnit* unit_ = nullptr;
  GlobalVariable* portTable_ = nullptr;  // ciliumc_port_table, when some direction uses it
  unsigned nextLine_ = 1;  // generated code has no source: each definition gets its own line
};

}  // namespace

Expected<bool> addGeneratedCode(llvm::Module& runtime, const PlanLowering& plan,
                                std::string_view sourceName) {
  auto types = findRuntimeTypes(runtime);
  if (!types) return types.error();
  ModuleBuilder builder(runtime, plan, *types, sourceName);
  return builder.build();
}

}  // namespace ciliumc

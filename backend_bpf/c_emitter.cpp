// emitC: a shape as one C file that `clang -O2 -g -target bpf -c` compiles without include
// directories. It is the runtime's source with its local headers inlined (an amalgamation, in
// include order) followed by the generated maps, port trees and programs — the same PlanLowering
// (of a plan of one shape) and PortTree that module_builder.cpp turns into IR, printed as C.
#include <set>
#include <sstream>
#include <string>

#include "backend_bpf/codegen.h"
#include "backend_bpf/generated_names.h"
#include "backend_bpf/plan_partition.h"
#include "runtime/embedded_runtime.h"

namespace ciliumc {
namespace {

const runtime::SourceFile* findSource(std::string_view name) {
  for (const runtime::SourceFile& file : runtime::sources())
    if (file.name == name) return &file;
  return nullptr;
}

// The text between the quotes or angle brackets of an #include line, or empty.
std::string_view includedName(std::string_view line, char open, char close) {
  size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos || line.substr(start).rfind("#include", 0) != 0) return {};
  size_t first = line.find(open, start);
  size_t last = first == std::string_view::npos ? first : line.find(close, first + 1);
  if (last == std::string_view::npos) return {};
  return line.substr(first + 1, last - first - 1);
}

// Appends `file` with every `#include "x"` of an embedded runtime file replaced by that file's
// text (once; later includes are guarded anyway). <linux/types.h> (from the ABI header) is
// dropped: ciliumc_bpf.h, inlined before it, defines those types without kernel headers. Any
// other include would make the file depend on the include path, so it is an error.
Expected<bool> appendAmalgamated(std::ostringstream& out, const runtime::SourceFile& file,
                                 std::set<std::string_view>& inlined) {
  inlined.insert(file.name);
  out << "/* ==== runtime/" << file.name << " ==== */\n";
  std::string_view text = file.text;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (std::string_view local = includedName(line, '"', '"'); !local.empty()) {
      const runtime::SourceFile* header = findSource(local);
      if (!header) return Error("runtime/" + std::string(file.name) + " includes \"" + std::string(local) + "\", which is not embedded");
      if (!inlined.count(header->name))
        if (auto ok = appendAmalgamated(out, *header, inlined); !ok) return ok;
      continue;
    }
    if (std::string_view system = includedName(line, '<', '>'); !system.empty()) {
      if (system != "linux/types.h" || !inlined.count("ciliumc_bpf.h"))
        return Error("runtime/" + std::string(file.name) + " includes <" + std::string(system) +
                     ">, which --emit=c cannot inline");
      out << "/* <linux/types.h>: the __u* types are defined by ciliumc_bpf.h above */\n";
      continue;
    }
    out << line << '\n';
  }
  out << "/* ==== end of runtime/" << file.name << " ==== */\n\n";
  return true;
}

std::string l4KeyComment(uint32_t key) {
  static const char* const kinds[] = {"TCP", "UDP", "SCTP", "ICMP", "ICMPv6", "no L4"};
  uint32_t kind = key >> 16;
  std::string name = kind < 6 ? kinds[kind] : "end";
  return name + " " + std::to_string(key & 0xffff);
}

// Prints the subtree at `index` as statements that return its class. A split is
// `if (key < threshold) { <below> }` followed by <at or above> at the same depth, so nesting
// follows only the "below" edges.
void printTree(std::ostringstream& out, const PortTree& tree, int32_t index, int indent) {
  std::string pad(2 * indent, ' ');
  const PortTree::Node& node = tree.nodes[index];
  if (node.isLeaf()) {
    out << pad << "return " << node.portClass << ";\n";
    return;
  }
  out << pad << "if (l4key < " << node.threshold << "u) { /* " << l4KeyComment(node.threshold) << " */\n";
  printTree(out, tree, node.below, indent + 1);
  out << pad << "}\n";
  printTree(out, tree, node.atOrAbove, indent);
}

// `flags`: the map_flags expression, empty for none.
void printMap(std::ostringstream& out, std::string_view name, std::string_view type,
              uint32_t maxEntries, std::string_view flags, std::string_view key, std::string_view value) {
  out << "struct {\n"
      << "  __uint(type, " << type << ");\n"
      << "  __uint(max_entries, " << maxEntries << ");\n";
  if (!flags.empty()) out << "  __uint(map_flags, " << flags << ");\n";
  out << "  __type(key, " << key << ");\n"
      << "  __type(value, " << value << ");\n"
      << "} " << name << " SEC(\".maps\");\n\n";
}

void printGenerated(std::ostringstream& out, const PlanLowering& plan) {
  out << "/* ==== generated for " << plan.key << " ==== */\n\n";
  printMap(out, bpfnames::kVerdictMap, "BPF_MAP_TYPE_ARRAY", plan.verdictEntries, "", "__u32",
           "struct ciliumc_verdict_cell");
  printMap(out, bpfnames::kCidrMap, "BPF_MAP_TYPE_LPM_TRIE", plan.cidrEntries, "BPF_F_NO_PREALLOC",
           "struct ciliumc_cidr_key", "struct ciliumc_cidr_value");
  printMap(out, bpfnames::kColumnMap, "BPF_MAP_TYPE_ARRAY", plan.partition.columnEntries(), "", "__u32",
           "__u32");

  if (plan.usesPortTable())
    printMap(out, bpfnames::kPortTableMap, "BPF_MAP_TYPE_ARRAY", kL4KeyEnd, "1024u /* BPF_F_MMAPABLE */", "__u32",
             "struct ciliumc_port_table_entry");

  out << "/* The global L4 key ranges' first keys, [direction * " << plan.partition.stride
      << " + range] (for the loader) */\nconst volatile __u32 " << bpfnames::kRangeStarts << "["
      << plan.partition.columnEntries() << "] = {";
  std::vector<uint32_t> starts = plan.partition.flatStarts();
  for (size_t i = 0; i < starts.size(); ++i) out << (i % 8 == 0 ? "\n  " : " ") << starts[i] << "u,";
  out << "\n};\n\n";

  for (const PlanDirectionLowering& direction : plan.directions) {
    if (direction.portTable) {
      size_t slot = direction.direction == Direction::Ingress ? 0 : 1;
      out << "/* " << directionName(direction.direction) << " global port ranges: " << direction.ranges
          << ", one " << bpfnames::kPortTableMap << " lookup; answers the ciliumc_column index */\n"
          << "static __always_inline __u32 " << bpfnames::portTreeName(direction.direction) << "(__u32 l4key) {\n"
          << "  struct ciliumc_port_table_entry *entry = bpf_map_lookup_elem(&" << bpfnames::kPortTableMap
          << ", &l4key);\n"
          << "  return entry ? entry->range[" << slot << "] : " << slot * plan.partition.stride << "u;\n}\n\n";
      continue;
    }
    out << "/* " << directionName(direction.direction) << " global port ranges: " << direction.ranges
        << ", tree depth " << direction.tree.depth << ", "
        << (direction.treeInline ? "inlined" : "a global subprogram (verified once)")
        << "; answers the ciliumc_column index */\n"
        << (direction.treeInline ? "static __always_inline " : "__attribute__((noinline)) ")
        << "__u32 " << bpfnames::portTreeName(direction.direction) << "(__u32 l4key) {\n";
    printTree(out, direction.tree, 0, 1);
    out << "}\n\n";
  }
  out << "static __always_inline __u32 " << bpfnames::kPortClass << "(__u32 direction, __u32 l4key) {\n"
      << "  return direction == CILIUMC_INGRESS ? " << bpfnames::portTreeName(Direction::Ingress)
      << "(l4key) : " << bpfnames::portTreeName(Direction::Egress) << "(l4key);\n}\n\n";

  for (const PlanDirectionLowering& direction : plan.directions) {
    bool ingress = direction.direction == Direction::Ingress;
    out << "SEC(\"" << bpfnames::kProgramSection << "\") int " << bpfnames::programName(direction.direction)
        << "(struct __sk_buff *skb) {\n"
        << "  return " << bpfnames::kEnforce << "(skb, " << (ingress ? "CILIUMC_INGRESS" : "CILIUMC_EGRESS")
        << ", &" << bpfnames::kVerdictMap << ", &" << bpfnames::kCidrMap << ", &" << bpfnames::kColumnMap
        << ");\n}\n\n";
  }
}

}  // namespace

Expected<std::string> emitC(const ShapePlan& shape) { return emitC(shape, CodegenOptions{}); }

Expected<std::string> emitC(const ShapePlan& shape, const CodegenOptions& options) {
  auto lowering = lowerPlan(std::span<const ShapePlan>(&shape, 1), options.portTableThreshold);
  if (!lowering) return lowering.error();
  std::ostringstream out;
  out << "/* ciliumc: policy shape " << shape.key << " as one C file (--emit=c).\n"
      << " * Build: clang -O2 -g -target bpf -c <this file> -o <object>\n"
      << " * The runtime (runtime/ciliumc_runtime.c with its headers inlined) followed by the code\n"
      << " * generated for the shape: the same maps, programs and verdicts as the compiled object. */\n"
      << "#define CILIUMC_SINGLE_FILE 1\n\n";
  const runtime::SourceFile* main = findSource("ciliumc_runtime.c");
  if (!main) return Error("the runtime source is not embedded");
  std::set<std::string_view> inlined;
  if (auto ok = appendAmalgamated(out, *main, inlined); !ok) return ok.error();
  printGenerated(out, *lowering);
  return out.str();
}

}  // namespace ciliumc

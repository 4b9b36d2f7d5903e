// Shared pieces of the loader tests (loader_*_test.cpp): BPF objects compiled from small C
// fixtures with clang at test time, a hand-built ShapePlan that matches the runtime fixture,
// and a private bpffs mount.
//
// The runtime fixture is the real runtime (runtime/ciliumc_runtime.c, single-file mode) plus a
// hand-written "generated" part: ciliumc_verdict, ciliumc_cidr, ciliumc_column, the plan-wide
// ranges ciliumc_range_starts (0, TCP 80, TCP 81 per direction), a port tree answering the column
// index and the two programs — what backend_bpf generates for fixtureShape(), without depending
// on the code generator. Its shape constants come from fixtureConfig() (.rodata), its columns
// from fillShapeMaps with shapeMapsOf(object).
#pragma once
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "backend_bpf/plan_partition.h"
#include "loader/pin_layout.h"
#include "passes/datapath_plan.h"
#include "runtime/ciliumc_abi.h"
#include "support/expected.h"

namespace ciliumc::testing {

inline const char* clangForBpf() { return "clang-19"; }

// Compiles C source to a BPF object (clang -O2 -g -target bpf). `flags` are extra arguments.
inline Expected<std::vector<uint8_t>> compileBpfC(const std::string& source, const std::string& flags = "") {
  char directory[] = "/tmp/ciliumc-loader-test-XXXXXX";
  if (!::mkdtemp(directory)) return Error{"mkdtemp failed"};
  std::string dir = directory;
  std::string c = dir + "/fixture.c", o = dir + "/fixture.o", log = dir + "/clang.log";
  std::ofstream(c) << source;
  std::string command = std::string(clangForBpf()) + " -O2 -g -target bpf -std=gnu2x -Wno-unused-function -I" +
                        CILIUMC_SOURCE_DIR + "/runtime -I/usr/include/x86_64-linux-gnu " + flags + " -c " + c +
                        " -o " + o + " 2>" + log;
  int status = std::system(command.c_str());
  std::ifstream object(o, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(object)), std::istreambuf_iterator<char>());
  std::stringstream diagnostics;
  diagnostics << std::ifstream(log).rdbuf();
  std::system(("rm -rf " + dir).c_str());
  if (status != 0 || bytes.empty()) return Error{"clang failed: " + diagnostics.str()};
  return bytes;
}

// The runtime plus a generated part for fixtureShape(): capacity 4 classes, 2 port classes per
// direction (fixtureConfig: verdict base 0 (ingress) and 8 (egress)). -DFIXTURE_CAPACITY=, -DFIXTURE_PORT_CLASSES=
// and -DFIXTURE_CIDR_ENTRIES= make larger geometries (for fill measurements; the port tree still
// only yields classes 0 and 1).
inline constexpr const char* kRuntimeFixture = R"(
#define CILIUMC_SINGLE_FILE
#include "ciliumc_runtime.c"
#ifndef FIXTURE_CAPACITY
#define FIXTURE_CAPACITY 4
#endif
#ifndef FIXTURE_PORT_CLASSES
#define FIXTURE_PORT_CLASSES 2
#endif
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2 * FIXTURE_CAPACITY * FIXTURE_PORT_CLASSES);
  __type(key, __u32);
  __type(value, struct ciliumc_verdict_cell);
} ciliumc_verdict SEC(".maps");
#ifndef FIXTURE_CIDR_ENTRIES
#define FIXTURE_CIDR_ENTRIES 1
#endif
struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, FIXTURE_CIDR_ENTRIES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct ciliumc_cidr_key);
  __type(value, struct ciliumc_cidr_value);
} ciliumc_cidr SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 6);
  __type(key, __u32);
  __type(value, __u32);
} ciliumc_column SEC(".maps");
const volatile __u32 ciliumc_range_starts[6] = {
  0, CILIUMC_L4_KEY(CILIUMC_L4_TCP, 80), CILIUMC_L4_KEY(CILIUMC_L4_TCP, 81),
  0, CILIUMC_L4_KEY(CILIUMC_L4_TCP, 80), CILIUMC_L4_KEY(CILIUMC_L4_TCP, 81)};
static __always_inline __u32 ciliumc_port_class(__u32 direction, __u32 l4key) {
  __u32 range = l4key < CILIUMC_L4_KEY(CILIUMC_L4_TCP, 80) ? 0 : l4key < CILIUMC_L4_KEY(CILIUMC_L4_TCP, 81) ? 1 : 2;
  return direction * 3 + range;
}
SEC("tc") int ciliumc_ingress(struct __sk_buff *skb) {
  return ciliumc_enforce(skb, CILIUMC_INGRESS, &ciliumc_verdict, &ciliumc_cidr, &ciliumc_column);
}
SEC("tc") int ciliumc_egress(struct __sk_buff *skb) {
  return ciliumc_enforce(skb, CILIUMC_EGRESS, &ciliumc_verdict, &ciliumc_cidr, &ciliumc_column);
}
)";

// A global subprogram with an unnamed parameter (C23): the kernel rejects the BTF ("Invalid
// arg#2") and libbpf falls back to loading without BTF ("BTF is optional, ignoring").
inline constexpr const char* kBtfRejectedFixture = R"(
#include "ciliumc_bpf.h"
__attribute__((noinline)) int ciliumc_helper(struct __sk_buff *skb, int) { return skb ? 0 : 1; }
SEC("tc") int ciliumc_ingress(struct __sk_buff *skb) { return ciliumc_helper(skb, 1); }
char _license[] SEC("license") = "GPL";
)";

// Reads a packet byte without a bounds check: the verifier refuses it.
inline constexpr const char* kVerifierRejectedFixture = R"(
#include "ciliumc_bpf.h"
SEC("tc") int ciliumc_ingress(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  return *(volatile unsigned char *)(data + 20); /* unchecked packet read */
}
char _license[] SEC("license") = "GPL";
)";

// Compiled once per test process and flags.
inline const Expected<std::vector<uint8_t>>& fixtureObject(const char* source, const std::string& flags = "") {
  static std::map<std::pair<const char*, std::string>, Expected<std::vector<uint8_t>>> cache;
  auto key = std::make_pair(source, flags);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, compileBpfC(source, flags)).first;
  return it->second;
}

inline VerdictCell cell(DatapathReason reason, bool deny, uint32_t rule = 0) { return VerdictCell{rule, reason, deny}; }

// The shape the runtime fixture implements (identities: 1000 -> ingress class 1, 1001 -> 2 / egress
// 1, 1003 -> class 3, a class with no row; 1004 -> class 5, beyond the capacity of 4):
//   ingress (enforced)  class 0: default deny;  class 1: tcp/80 allowed by rule 1, else default deny;
//                       class 2: denied by rule 2
//   egress (not enforced) class 0: default allow; class 1: tcp/80 default allow, else denied by rule 3
inline ShapePlan fixtureShape(const std::string& key = "fixture0") {
  ShapePlan shape;
  shape.key = key;
  for (int d = 0; d < 2; ++d) {
    DirectionPlan& plan = shape.directions[d];
    plan.direction = d == 0 ? Direction::Ingress : Direction::Egress;
    plan.rangeStarts = {0, l4Key(L4Kind::TCP, 80), l4Key(L4Kind::TCP, 81)};
    plan.rangeClass = {0, 1, 0};
    plan.portClassCount = 2;
  }
  DirectionPlan& ingress = shape.directions[0];
  ingress.enforced = true;
  VerdictCell defaultDeny = cell(DatapathReason::DefaultDeny, true);
  ingress.rows = {{defaultDeny, defaultDeny},
                  {defaultDeny, cell(DatapathReason::AllowedByRule, false, 1)},
                  {cell(DatapathReason::DeniedByRule, true, 2), cell(DatapathReason::DeniedByRule, true, 2)}};
  ingress.entries = {LoweredEntry{Verdict::Allow, std::nullopt, {1}, 1}, LoweredEntry{Verdict::Deny, std::nullopt, {0, 1}, 2}};
  DirectionPlan& egress = shape.directions[1];
  VerdictCell defaultAllow = cell(DatapathReason::DefaultAllow, false);
  egress.rows = {{defaultAllow, defaultAllow}, {cell(DatapathReason::DeniedByRule, true, 3), defaultAllow}};
  egress.entries = {LoweredEntry{Verdict::Deny, std::nullopt, {0}, 3}};
  shape.identityClasses = {{1000, {1, 0}}, {1001, {2, 1}}, {1003, {3, 3}}, {1004, {5, 5}}};
  shape.budget.classCapacity = 4;
  shape.budget.verdictEntries = 16;
  return shape;
}

// Endpoint constants for the runtime fixture: zero endpoint fields, fixtureShape()'s shape
// constants (verdict bases 0 and 8, 2 port classes, capacity 4, conntrack both ways).
inline ciliumc_endpoint_config fixtureConfig() {
  ciliumc_endpoint_config config{};
  if (auto lowered = lowerShape(fixtureShape())) config.shape = shapeConfigOf(*lowered);
  return config;
}

inline IpAddress ip(const std::string& text) { return *IpAddress::parse(text); }

// A bpffs instance of our own, mounted in a temporary directory and unmounted (with every pin
// in it) on destruction.
class PrivateBpffs {
 public:
  PrivateBpffs() {
    char directory[] = "/tmp/ciliumc-bpffs-XXXXXX";
    if (!::mkdtemp(directory)) return;
    path_ = directory;
    auto mounted = loader::mountBpffs(path_);
    ok_ = mounted.ok();
    if (!ok_) error_ = mounted.error().message;
  }
  ~PrivateBpffs() {
    if (ok_) (void)loader::unmountBpffs(path_);
    if (!path_.empty()) ::rmdir(path_.c_str());
  }
  PrivateBpffs(const PrivateBpffs&) = delete;
  PrivateBpffs& operator=(const PrivateBpffs&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_, error_;
  bool ok_ = false;
};

}  // namespace ciliumc::testing

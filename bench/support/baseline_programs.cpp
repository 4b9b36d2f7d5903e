#include "bench/support/baseline_programs.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <set>

#include "bench/support/policy_generator.h"
#include "bench/support/run_process.h"

namespace ciliumc::bench {

namespace {

constexpr uint32_t kChainChunk = 256;  // rules per global subprogram
constexpr uint32_t kCiliumIdentity = 31337;  // the flow's source identity in the Cilium-shaped ipcache
constexpr uint32_t kPolicyEntries = 4096;

Expected<std::vector<uint8_t>> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path + " (was the bench built with its BPF baselines?)"};
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Loads one program of an object file with the project's loader (same path as ciliumc's objects).
Expected<BaselineProgram> loadProgram(const std::string& path, const std::string& program, std::string name) {
  auto elf = readFile(path);
  if (!elf) return elf.error();
  loader::LoadRequest request;
  request.elf = *elf;
  request.objectName = program;
  auto object = loader::loadObject(request);
  if (!object) return Error{"loading " + path + ": " + object.error().message};
  BaselineProgram baseline;
  baseline.name = std::move(name);
  bpf_program* found = bpf_object__find_program_by_name(object->object(), program.c_str());
  if (!found) return Error{path + " has no program " + program};
  baseline.fd = bpf_program__fd(found);
  baseline.loadMs = object->stats().loadMs;
  for (const auto& stats : object->stats().programs)
    if (stats.id) baseline.verifiedInsns += stats.verifiedInsns;
  baseline.object.emplace(std::move(*object));
  return baseline;
}

uint32_t wordOf(const IpAddress& ip) {  // the address as the program loads it (network order bytes)
  uint32_t word = 0;
  std::memcpy(&word, ip.bytes.data(), 4);
  return word;
}

uint32_t maskWord(int length) {  // a prefix mask in the same byte order as wordOf
  std::array<uint8_t, 4> bytes{};
  for (int bit = 0; bit < length; ++bit) bytes[bit / 8] |= uint8_t(0x80 >> (bit % 8));
  uint32_t word = 0;
  std::memcpy(&word, bytes.data(), 4);
  return word;
}

struct IpcacheKey {
  uint32_t prefixlen;
  uint32_t addr;
};

struct PolicyKey {
  uint32_t identity;
  uint16_t dport;
  uint8_t proto;
  uint8_t direction;
};

loader::Status fillCiliumMaps(const loader::LoadedObject& object, const BaselineFlow& flow, uint32_t prefixes, uint32_t seed) {
  int ipcache = object.mapFd("bench_ipcache");
  int policy = object.mapFd("bench_policy");
  if (ipcache < 0 || policy < 0) return Error{"the Cilium-shaped baseline has no bench_ipcache/bench_policy map"};
  std::mt19937 random(seed);
  std::set<std::pair<uint32_t, uint32_t>> keys;
  const uint32_t source = wordOf(flow.source);
  keys.emplace(32, source);
  // 90% pod addresses (/32 in 10.0.0.0/8), 10% CIDR prefixes (/8../28) elsewhere: an ipcache's mix.
  while (keys.size() < prefixes) {
    if (random() % 10) {
      std::array<uint8_t, 4> bytes{10, uint8_t(random()), uint8_t(random()), uint8_t(random())};
      uint32_t word;
      std::memcpy(&word, bytes.data(), 4);
      keys.emplace(32, word);
    } else {
      uint32_t length = 8 + random() % 21;
      std::array<uint8_t, 4> bytes{uint8_t(11 + random() % 200), uint8_t(random()), uint8_t(random()), uint8_t(random())};
      uint32_t word;
      std::memcpy(&word, bytes.data(), 4);
      keys.emplace(length, word & maskWord(int(length)));
    }
  }
  for (const auto& [length, addr] : keys) {
    IpcacheKey key{length, addr};
    uint32_t identity = addr == source && length == 32 ? kCiliumIdentity : 256 + random() % 60000;
    if (bpf_map_update_elem(ipcache, &key, &identity, BPF_ANY) != 0) return loader::errnoError("filling bench_ipcache", errno);
  }
  PolicyKey allowed{kCiliumIdentity, flow.port, flow.protocol, 0};
  uint32_t allow = 1;
  if (bpf_map_update_elem(policy, &allowed, &allow, BPF_ANY) != 0) return loader::errnoError("filling bench_policy", errno);
  for (uint32_t i = 1; i < kPolicyEntries; ++i) {
    PolicyKey key{256 + uint32_t(random() % 60000), uint16_t(1 + random() % 65535), uint8_t(random() % 2 ? 6 : 17), 0};
    uint32_t value = random() % 5 ? 1 : 0;
    if (bpf_map_update_elem(policy, &key, &value, BPF_ANY) != 0) return loader::errnoError("filling bench_policy", errno);
  }
  return loader::success();
}

// A prefix of `length` bits that contains `ip` when `containing`, else one that does not
// (inside 172.16.0.0/12, which the measured flow never uses).
std::pair<uint32_t, uint32_t> rulePrefix(const IpAddress& ip, bool containing, std::mt19937& random) {
  static const int kLengths[] = {8, 16, 24, 32};
  int length = kLengths[random() % 4];
  uint32_t mask = maskWord(length);
  if (containing) return {mask, wordOf(ip) & mask};
  std::array<uint8_t, 4> bytes{172, uint8_t(16 + random() % 16), uint8_t(random()), uint8_t(random())};
  uint32_t word;
  std::memcpy(&word, bytes.data(), 4);
  if (length == 8) mask = maskWord(16);  // a /8 of 172.x would be too coarse to stay out of the way
  return {mask, word & mask};
}

}  // namespace

Expected<double> compileBpfC(const BpfToolchain& toolchain, const std::string& source, const std::string& object) {
  std::vector<std::string> argv = {toolchain.clang, "-O2", "-g", "-target", "bpf", "-Wno-unused-function"};
  for (const std::string& dir : toolchain.includeDirs) argv.push_back("-I" + dir);
  argv.insert(argv.end(), {"-c", source, "-o", object});
  return runProcess(argv);
}

Expected<BaselineProgram> loadEmptyBaseline(const BpfToolchain& toolchain) {
  auto program = loadProgram(toolchain.objectDir + "/baseline_empty.bpf.o", "bench_empty", "empty program");
  if (program) program->expectedRetval = 0;
  return program;
}

Expected<BaselineProgram> loadCiliumBaseline(const BpfToolchain& toolchain, const BaselineFlow& flow,
                                             uint32_t prefixes, uint32_t seed) {
  auto program = loadProgram(toolchain.objectDir + "/baseline_cilium.bpf.o", "bench_cilium", "Cilium-shaped");
  if (!program) return program;
  if (auto filled = fillCiliumMaps(*program->object, flow, prefixes, seed); !filled) return filled.error();
  program->expectedRetval = 0;  // the flow's (identity, port, protocol) is allowed
  return program;
}

std::string linearChainSource(const BaselineFlow& flow, uint32_t rules, uint32_t seed) {
  std::mt19937 random(seed);
  std::string text = fmt::format(
      "/* Generated by bench/support/baseline_programs.cpp: a naive linear chain of {} rules,\n"
      " * {} rules per global subprogram. Fields are re-read for every rule (volatile), as a rule walk\n"
      " * over a rule table would; it also keeps the verifier's work linear in the rule count. */\n"
      "#include \"ciliumc_bpf.h\"\n#include \"baseline_parse.h\"\n\n"
      "char _license[] SEC(\"license\") = \"GPL\";\n\n"
      "#define FIELD(f) (*(volatile __typeof__(f) *)&(f))\n\n",
      rules, kChainChunk);
  const uint32_t chunks = (rules + kChainChunk - 1) / kChainChunk;
  for (uint32_t chunk = 0; chunk < chunks; ++chunk) {
    text += fmt::format("__attribute__((noinline)) int bench_chain_{}(struct bench_flow *f) {{\n  if (!f)\n    return -1;\n", chunk);
    for (uint32_t rule = chunk * kChainChunk; rule < std::min(rules, (chunk + 1) * kChainChunk); ++rule) {
      auto [sourceMask, sourceNet] = rulePrefix(flow.source, random() % 2, random);
      auto [destinationMask, destinationNet] = rulePrefix(flow.destination, random() % 2, random);
      uint8_t protocol = random() % 2 ? flow.protocol : (flow.protocol == 6 ? 17 : 6);
      // A port range that never contains the flow's port: every rule is evaluated.
      uint32_t width = random() % 100;
      uint32_t low = 1 + random() % (65535 - width);
      if (low <= flow.port && flow.port <= low + width) {
        low = flow.port < 65535 ? flow.port + 1u : 1u;
        width = flow.port < 65535 ? std::min(width, 65535 - low) : 0;
      }
      text += fmt::format(
          "  if ((FIELD(f->saddr) & 0x{:08x}u) == 0x{:08x}u && (FIELD(f->daddr) & 0x{:08x}u) == 0x{:08x}u &&\n"
          "      FIELD(f->proto) == {} && FIELD(f->dport) >= {} && FIELD(f->dport) <= {})\n"
          "    return {};\n",
          sourceMask, sourceNet, destinationMask, destinationNet, protocol, low, low + width, random() % 4 ? 0 : 2);
    }
    text += "  return -1;\n}\n\n";
  }
  text += "SEC(\"tc\") int bench_chain(struct __sk_buff *skb) {\n  struct bench_flow flow = {};\n"
          "  if (bench_parse(skb, &flow) < 0)\n    return TC_ACT_SHOT;\n  int verdict;\n";
  for (uint32_t chunk = 0; chunk < chunks; ++chunk)
    text += fmt::format("  verdict = bench_chain_{}(&flow);\n  if (verdict >= 0)\n    return verdict;\n", chunk);
  text += "  return TC_ACT_SHOT; /* no rule matched: default deny */\n}\n";
  return text;
}

Expected<BaselineProgram> buildLinearChain(const BpfToolchain& toolchain, const BaselineFlow& flow, uint32_t rules,
                                           uint32_t seed) {
  std::string source = fmt::format("{}/chain_{}.bpf.c", toolchain.workDir, rules);
  std::string object = fmt::format("{}/chain_{}.bpf.o", toolchain.workDir, rules);
  {
    std::ofstream out(source);
    out << linearChainSource(flow, rules, seed);
    if (!out) return Error{"cannot write " + source};
  }
  auto compiled = compileBpfC(toolchain, source, object);
  if (!compiled) return compiled.error();
  auto program = loadProgram(object, "bench_chain", fmt::format("linear chain, {} rules", withThousands(rules)));
  if (!program) return program;
  program->rules = rules;
  program->compileMs = *compiled;
  program->expectedRetval = 2;  // no rule matches: the chain's default
  return program;
}

}  // namespace ciliumc::bench

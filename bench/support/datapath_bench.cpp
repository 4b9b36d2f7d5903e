#include "bench/support/datapath_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include "bench/support/measure.h"
#include "bench/support/measured_flows.h"
#include "bench/support/plan_objects.h"
#include "bench/support/policy_generator.h"
#include "bench/support/scenario.h"
#include "bench/support/test_run.h"
#include "backend_bpf/plan_partition.h"
#include "loader/object_layout.h"
#include "loader/plan_loader.h"

namespace ciliumc::bench {

namespace {

constexpr const char* kServer = "ns0/bench-server";
constexpr const char* kClient = "ns0/bench-client";
constexpr const char* kBlocked = "ns1/bench-blocked";
constexpr const char* kWorldAddress = "198.51.100.7";
constexpr uint16_t kProbePort = 8080;

// ---- inputs ----------------------------------------------------------------------------------

GeneratorSettings settingsFor(const DatapathBenchOptions& options, uint32_t rules) {
  GeneratorSettings settings;
  settings.entriesPerPolicy = 10;
  settings.policies = std::max<int>(0, int(rules / 10) - 1);  // plus the probe policy's 10 entries
  settings.namespaces = int(options.namespaces);
  settings.endpoints = int(options.endpoints);
  settings.apps = 40;
  settings.hotAppOneIn = 5;  // app0 (the server's app) is a popular service: many rules select it
  settings.requireOneIn = 0;     // else conflicting requirements void every selector peer
  settings.narrowDenies = true;  // else some deny covers every endpoint on every port (no allowed flow)
  settings.generatedBy = "bench/backend_speed.cpp";
  return settings;
}

// The bench's own policy: 10 entries like the generated ones, three of which make sure the
// measured flows exist even with 10 rules (random rules may still override them: deny wins).
std::string probePolicy(const GeneratorSettings& settings, Choices& choose) {
  std::string text =
      "# The flows bench/backend_speed.cpp measures (plus 7 generated entries: 10 like every policy).\n"
      "policy bench-probes {\n"
      "  select { bench = server }\n"
      "  ingress {\n";
  text += fmt::format("    allow from {{ bench = client }} on tcp/{}\n", kProbePort);
  text += fmt::format("    deny from {{ bench = blocked }} on tcp/{}\n", kProbePort);
  text += fmt::format("    allow from cidr 198.51.100.0/24 on tcp/{}\n", kProbePort);
  for (int i = 0; i < 7; ++i) text += generateEntry(settings, choose, "from");
  return text + "  }\n}\n";
}

const char* kBenchEndpoints =
    "  - {name: bench-server, namespace: ns0, labels: {app: app0, tier: web, role: worker, env: prod, bench: server},"
    " ips: [10.0.250.1]}\n"
    "  - {name: bench-client, namespace: ns0, labels: {app: bench-client, bench: client}, ips: [10.0.250.2]}\n"
    "  - {name: bench-blocked, namespace: ns1, labels: {app: bench-blocked, bench: blocked}, ips: [10.1.250.3]}\n";

// ---- one rule count ----------------------------------------------------------------------------

struct ObjectFacts {
  uint32_t ingressInsns = 0, egressInsns = 0;
  uint32_t ingressXlated = 0, ingressJited = 0;
  double firstLoadMs = 0;   // creates (or reuses) the maps, verifies both programs
  double reloadMs = 0;      // median over reloads with every map reused
};

struct ShapeFacts {
  size_t index = 0;
  uint32_t peerClasses[2] = {0, 0};
  uint32_t portClasses[2] = {0, 0};
  uint32_t verdictEntries = 0;
  size_t cidrEntries = 0;
  double fillMs = 0;
  uint32_t fillSyscalls = 0;
  ObjectFacts object;
};

struct RuleCountRun {
  uint32_t rules = 0;
  std::unique_ptr<Scenario> scenario;
  std::unique_ptr<PlanObjects> objects;
  std::unique_ptr<loader::PlanLoader> loader;
  std::unique_ptr<RingDrain> drain;
  size_t server = 0;
  size_t serverEntries = 0;  // resolved entries of the server (both directions)
  ShapeFacts serverShape, largestShape;
  double codegenMs = 0;                   // the plan's one object
  uint32_t globalRanges[2] = {0, 0};      // the plan-wide port ranges the generated tree classifies
  bool treeInline[2] = {true, true};      // else a global BPF subprogram
  int serverFd = -1;
  std::map<FlowKind, MeasuredFlow> flows;
};

ShapeFacts shapeFactsOf(const CompilePlan& plan, size_t index) {
  const ShapePlan& shape = plan.shapes[index];
  ShapeFacts facts;
  facts.index = index;
  for (int d = 0; d < 2; ++d) {
    facts.peerClasses[d] = uint32_t(shape.directions[d].rows.size());
    facts.portClasses[d] = shape.directions[d].portClassCount;
  }
  facts.verdictEntries = shape.budget.verdictEntries;
  facts.cidrEntries = shape.cidr.size();
  return facts;
}

ObjectFacts objectFactsOf(const loader::LoadStats& stats) {
  ObjectFacts facts;
  facts.firstLoadMs = stats.loadMs;
  for (const auto& program : stats.programs) {
    if (loader::programEnforces(program.name, Direction::Ingress)) {
      facts.ingressInsns = program.verifiedInsns;
      facts.ingressXlated = program.xlatedBytes;
      facts.ingressJited = program.jitedBytes;
    } else if (loader::programEnforces(program.name, Direction::Egress)) {
      facts.egressInsns = program.verifiedInsns;
    }
  }
  return facts;
}

std::string kindLabel(FlowKind kind) {
  switch (kind) {
    case FlowKind::EndpointAllowed: return "ciliumc: endpoint → endpoint, allowed (TCP ACK)";
    case FlowKind::EndpointDenied: return "ciliumc: endpoint → endpoint, dropped (+ event)";
    case FlowKind::WorldCidr: return "ciliumc: world (CIDR peer) → endpoint";
  }
  return "";
}

size_t largestShapeOf(const CompilePlan& plan) {
  size_t largest = 0;
  for (size_t i = 1; i < plan.shapes.size(); ++i)
    if (plan.shapes[i].budget.verdictEntries > plan.shapes[largest].budget.verdictEntries) largest = i;
  return largest;
}

size_t firstEndpointOf(const CompilePlan& plan, size_t shape) {
  for (size_t i = 0; i < plan.endpoints.size(); ++i)
    if (plan.endpoints[i].shape == shape) return i;
  return 0;
}

// Loads an endpoint (first load: creates the shape's maps and fills them) and returns its stats.
Expected<loader::LoadStats> loadEndpoint(loader::PlanLoader& loader, size_t endpoint) {
  auto loaded = loader.endpoint(endpoint);
  if (!loaded) return loaded.error();
  return (*loaded)->stats();
}

Expected<RuleCountRun> prepareRuleCount(const DatapathBenchOptions& options, uint32_t rules) {
  RuleCountRun run;
  run.rules = rules;
  GeneratorSettings settings = settingsFor(options, rules);
  Choices choose(options.seed);
  std::string policyText = generatePolicyText(settings, choose) + probePolicy(settings, choose);
  std::string inventoryText = generateInventoryText(settings, choose, kBenchEndpoints);
  if (!options.writeInputsTo.empty()) {
    std::ofstream(fmt::format("{}/rules_{}.policy", options.writeInputsTo, rules)) << policyText;
    std::ofstream(fmt::format("{}/inventory_{}.yaml", options.writeInputsTo, rules)) << inventoryText;
  }
  auto scenario = buildScenario(policyText, inventoryText);
  if (!scenario) return scenario.error();
  run.scenario = std::move(*scenario);
  const CompilePlan& plan = run.scenario->plan();
  const EndpointInfo* server = run.scenario->inventory->findEndpoint(kServer);
  if (!server) return Error{"the inventory has no " + std::string(kServer)};
  run.server = size_t(server - run.scenario->inventory->endpoints.data());
  run.serverEntries = run.scenario->entriesPerEndpoint[run.server];

  // Code generation: the plan's one object (every shape's code).
  size_t serverShape = plan.endpoints[run.server].shape;
  size_t largestShape = largestShapeOf(plan);
  run.serverShape = shapeFactsOf(plan, serverShape);
  run.largestShape = shapeFactsOf(plan, largestShape);
  auto objects = compilePlanObjects(plan);
  if (!objects) return objects.error();
  run.objects = std::make_unique<PlanObjects>(std::move(*objects));
  run.codegenMs = run.objects->wallMs;
  auto lowering = lowerPlan(plan.shapes);
  if (!lowering) return lowering.error();
  for (int d = 0; d < 2; ++d) {
    run.globalRanges[d] = lowering->directions[d].ranges;
    run.treeInline[d] = lowering->directions[d].treeInline;
  }

  // Load: the first load creates the node and shape maps and fills them; reloads reuse them.
  run.loader = std::make_unique<loader::PlanLoader>(plan, shapeObjectSource(*run.objects));
  auto first = loadEndpoint(*run.loader, run.server);
  if (!first) return Error{"loading " + std::string(kServer) + ": " + first.error().message};
  run.serverShape.object = objectFactsOf(*first);
  std::vector<double> reloads;
  for (int i = 0; i < options.reloads; ++i) {
    run.loader->unload(run.server);
    auto again = loadEndpoint(*run.loader, run.server);
    if (!again) return again.error();
    reloads.push_back(again->loadMs);
  }
  run.serverShape.object.reloadMs = median(reloads);
  const auto& fills = run.loader->shapeFills();
  run.serverShape.fillMs = fills.at(uint32_t(serverShape)).ms;
  run.serverShape.fillSyscalls = fills.at(uint32_t(serverShape)).syscalls;

  if (largestShape != serverShape) {
    size_t endpoint = firstEndpointOf(plan, largestShape);
    auto stats = loadEndpoint(*run.loader, endpoint);
    if (!stats) return Error{"loading the largest shape's endpoint: " + stats.error().message};
    run.largestShape.object = objectFactsOf(*stats);
    run.largestShape.object.reloadMs = -1;
    run.largestShape.fillMs = run.loader->shapeFills().at(uint32_t(largestShape)).ms;
    run.largestShape.fillSyscalls = run.loader->shapeFills().at(uint32_t(largestShape)).syscalls;
    run.loader->unload(endpoint);
  } else {
    run.largestShape = run.serverShape;
  }

  auto loaded = run.loader->endpoint(run.server);
  if (!loaded) return loaded.error();
  run.serverFd = (*loaded)->programFd(Direction::Ingress);
  if (run.serverFd < 0) return Error{"the server's object has no ingress program"};
  auto drain = RingDrain::create(run.loader->nodeMap(loader::kEventsMap));
  if (!drain) return drain.error();
  run.drain = std::move(*drain);

  FlowPreferences allowed{{kClient}, "", kProbePort};
  FlowPreferences denied{{kBlocked}, "", kProbePort};
  FlowPreferences world{{}, kWorldAddress, kProbePort};
  for (auto [kind, preferences] : {std::pair{FlowKind::EndpointAllowed, allowed}, std::pair{FlowKind::EndpointDenied, denied},
                                   std::pair{FlowKind::WorldCidr, world}}) {
    auto flow = chooseFlow(plan, *run.scenario->inventory, run.server, kind, preferences);
    if (!flow) return Error{kindLabel(kind) + ": " + flow.error().message};
    // One run first: the program must answer what the plan says.
    auto once = testRun(run.serverFd, flow->packet, 1);
    if (!once) return once.error();
    if (once->retval != flow->expectedRetval)
      return Error{fmt::format("{}: the program returned {}, the plan says {}", flow->description, once->retval,
                               flow->expectedRetval)};
    run.flows.emplace(kind, std::move(*flow));
  }
  return run;
}

// ---- measuring -------------------------------------------------------------------------------

struct Target {
  std::string label;
  int fd = -1;
  const std::vector<uint8_t>* packet = nullptr;
  int expectedRetval = 0;
  RingDrain* drain = nullptr;  // set for programs that write an event per packet
  std::vector<double> samples;
  double ns() const { return median(samples); }
  // Run-to-run spread of this program: slowest run ÷ fastest run.
  double spread() const {
    if (samples.empty()) return 0;
    return *std::max_element(samples.begin(), samples.end()) / *std::min_element(samples.begin(), samples.end());
  }
};

// The median and the largest run-to-run spread over the targets: the noise of this run.
std::pair<double, double> noiseOf(const std::vector<Target>& targets) {
  std::vector<double> spreads;
  for (const Target& target : targets) spreads.push_back(target.spread());
  return {median(spreads), spreads.empty() ? 0 : *std::max_element(spreads.begin(), spreads.end())};
}

// Every target once per run, in the same order, `runs` times: slow drifts of a shared VM hit
// every program alike instead of whichever happened to run last.
Status measure(std::vector<Target>& targets, const DatapathBenchOptions& options) {
  // Records a drop writes: the ring holds this many before the runtime's output fails.
  const uint32_t ringRecords = RingDrain::capacity(256 * 1024, sizeof(ciliumc_event));
  for (int run = 0; run < options.runs; ++run) {
    for (Target& target : targets) {
      uint32_t batch = target.drain ? ringRecords - 1 : uint32_t(std::min<uint64_t>(options.packets, UINT32_MAX));
      auto ns = meanNsPerPacket(target.fd, *target.packet, options.packets, batch, target.expectedRetval, target.drain);
      if (!ns) return Error{target.label + ": " + ns.error().message};
      target.samples.push_back(*ns);
    }
  }
  return loader::success();
}

// ---- printing --------------------------------------------------------------------------------

std::string rulesHeader(uint32_t rules) { return withThousands(rules) + " rules"; }

std::string ratio(double value, int decimals = 2) { return value > 0 ? fmt::format("{:.{}f}", value, decimals) : "–"; }

void printPerPacket(const std::vector<RuleCountRun>& runs, const std::map<std::pair<size_t, FlowKind>, Target*>& ours,
                    const std::vector<Target*>& baselines, std::pair<double, double> noise,
                    const DatapathBenchOptions& options) {
  fmt::print("### Per-packet cost (ns/packet; BPF_PROG_TEST_RUN, median of {} runs × {} packets, interleaved)\n\n",
             options.runs, withThousands(int64_t(options.packets)));
  std::vector<std::string> headers = {"program"};
  for (const auto& run : runs) headers.push_back(rulesHeader(run.rules));
  headers.push_back("max ÷ min");
  Table table(headers);
  for (FlowKind kind : {FlowKind::EndpointAllowed, FlowKind::EndpointDenied, FlowKind::WorldCidr}) {
    std::vector<std::string> row = {kindLabel(kind)};
    double low = 1e18, high = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
      double ns = ours.at({i, kind})->ns();
      low = std::min(low, ns);
      high = std::max(high, ns);
      row.push_back(fixed(ns));
    }
    row.push_back(ratio(high / low));
    table.add(row);
  }
  table.print();

  fmt::print("Run-to-run noise (slowest ÷ fastest of the {} runs of one program): median over programs {}, "
             "largest {}.\n\n",
             options.runs, ratio(noise.first), ratio(noise.second));

  const double empty = baselines[0]->ns();
  Table baseTable({"baseline (same run)", "ns/packet", "above empty"});
  for (const Target* baseline : baselines)
    baseTable.add({baseline->label, fixed(baseline->ns()), fixed(baseline->ns() - empty)});
  baseTable.print();
}

void printTargets(const std::vector<RuleCountRun>& runs, const std::map<std::pair<size_t, FlowKind>, Target*>& ours,
                  const Target& empty, const Target& cilium, const Target* chain1000) {
  fmt::print("### Targets, endpoint → endpoint allowed\n\n");
  Table table({"rules", "ciliumc ns", "ciliumc above empty", "Cilium-shaped above empty",
               "ratio (target ≤ 0.6)", "1,000-rule chain ÷ ciliumc (target ≥ 10)", "same, above empty"},
              "rrrrrrr");
  const double floor = empty.ns();
  for (size_t i = 0; i < runs.size(); ++i) {
    double ns = ours.at({i, FlowKind::EndpointAllowed})->ns();
    double above = ns - floor;
    double ciliumAbove = cilium.ns() - floor;
    std::string chainRatio = chain1000 ? ratio(chain1000->ns() / ns, 1) : "–";
    std::string chainAbove = chain1000 && above > 0 ? ratio((chain1000->ns() - floor) / above, 1) : "–";
    table.add({withThousands(runs[i].rules), fixed(ns), fixed(above), fixed(ciliumAbove),
               ciliumAbove > 0 ? ratio(above / ciliumAbove) : "–", chainRatio, chainAbove});
  }
  table.print();
}

void printVerifier(const std::vector<RuleCountRun>& runs, const std::vector<const BaselineProgram*>& baselines,
                   int reloads) {
  fmt::print("### Verifier and load (processed instructions = verified_insns; load = bpf_object__load)\n\n");
  Table table({"program", "rules", "ingress insns", "egress insns", "ingress xlated / jited bytes",
               "first load ms (creates maps)", fmt::format("reload ms (maps reused, median of {})", reloads)});
  for (const RuleCountRun& run : runs) {
    const ObjectFacts& o = run.serverShape.object;
    table.add({"ciliumc: measured endpoint's object", withThousands(run.rules), withThousands(o.ingressInsns),
               withThousands(o.egressInsns), fmt::format("{} / {}", o.ingressXlated, o.ingressJited),
               fixed(o.firstLoadMs), fixed(o.reloadMs)});
  }
  for (const RuleCountRun& run : runs) {
    if (run.largestShape.index == run.serverShape.index) continue;
    const ObjectFacts& o = run.largestShape.object;
    table.add({"ciliumc: largest shape's object", withThousands(run.rules), withThousands(o.ingressInsns),
               withThousands(o.egressInsns), fmt::format("{} / {}", o.ingressXlated, o.ingressJited),
               fixed(o.firstLoadMs), "–"});
  }
  for (const BaselineProgram* baseline : baselines) {
    uint32_t xlated = 0, jited = 0;
    if (auto stats = loader::programStats(baseline->fd)) {
      xlated = stats->xlatedBytes;
      jited = stats->jitedBytes;
    }
    table.add({baseline->name, baseline->rules ? withThousands(baseline->rules) : "–",
               withThousands(baseline->verifiedInsns), "–", fmt::format("{} / {}", xlated, jited),
               fixed(baseline->loadMs), "–"});
  }
  table.print();
}

void printPipeline(const std::vector<RuleCountRun>& runs) {
  fmt::print("### Pipeline per rule count (ms, one run each)\n\n");
  Table table({"rules", "policies", "endpoints", "resolved entries (all / measured endpoint)", "shapes", "parse",
               "inventory", "resolve", "passes (plan)", "codegen (one object)", "global port ranges in / eg (tree)"},
              "rrrrrrrrrrr");
  for (const RuleCountRun& run : runs) {
    const Scenario& s = *run.scenario;
    table.add({withThousands(run.rules), withThousands(int64_t(s.policies)),
               withThousands(int64_t(s.inventory->endpoints.size())),
               fmt::format("{} / {}", withThousands(int64_t(s.resolvedEntries)), withThousands(int64_t(run.serverEntries))),
               withThousands(int64_t(s.plan().shapes.size())), fixed(s.times.parseMs), fixed(s.times.inventoryMs),
               fixed(s.times.resolveMs), fixed(s.times.passesMs), fixed(run.codegenMs),
               fmt::format("{} / {} ({})", withThousands(run.globalRanges[0]), withThousands(run.globalRanges[1]),
                           run.treeInline[0] && run.treeInline[1] ? "inline"
                           : !run.treeInline[0] && !run.treeInline[1] ? "subprograms"
                                                                       : "inline + subprogram")});
  }
  table.print();

  fmt::print("### Shape sizes and map fill\n\n");
  Table shapes({"rules", "shape", "peer classes in / eg", "port classes in / eg", "verdict cells", "CIDR prefixes",
                "map fill ms (syscalls)"},
               "rlrrrrr");
  for (const RuleCountRun& run : runs) {
    for (const ShapeFacts* facts : {&run.serverShape, &run.largestShape}) {
      if (facts == &run.largestShape && run.largestShape.index == run.serverShape.index) continue;
      shapes.add({withThousands(run.rules), facts == &run.serverShape ? "measured endpoint's" : "largest",
                  fmt::format("{} / {}", facts->peerClasses[0], facts->peerClasses[1]),
                  fmt::format("{} / {}", facts->portClasses[0], facts->portClasses[1]),
                  withThousands(facts->verdictEntries), withThousands(int64_t(facts->cidrEntries)),
                  fmt::format("{} ({})", fixed(facts->fillMs), facts->fillSyscalls)});
    }
  }
  shapes.print();
}

// "Flat" and "independent of the rule count": the largest value at most this much above the
// smallest (run-to-run noise of one program on this shared VM is up to ~10%).
constexpr double kFlatSpread = 1.2;

void printSummary(const std::vector<RuleCountRun>& runs, const std::map<std::pair<size_t, FlowKind>, Target*>& ours,
                  const Target& empty, const Target& cilium, const Target* chain1000) {
  double worstRatio = 0, worstChain = 1e18, low = 1e18, high = 0;
  uint32_t fewestInsns = UINT32_MAX, mostInsns = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    double ns = ours.at({i, FlowKind::EndpointAllowed})->ns();
    worstRatio = std::max(worstRatio, (ns - empty.ns()) / (cilium.ns() - empty.ns()));
    if (chain1000) worstChain = std::min(worstChain, chain1000->ns() / ns);
    low = std::min(low, ns);
    high = std::max(high, ns);
    fewestInsns = std::min(fewestInsns, runs[i].serverShape.object.ingressInsns);
    mostInsns = std::max(mostInsns, runs[i].serverShape.object.ingressInsns);
  }
  auto met = [](bool ok) { return ok ? "yes" : "NO"; };
  fmt::print("### Datapath targets (worst case over the rule counts)\n\n");
  Table table({"target", "measured", "met"}, "lrl");
  table.add({"endpoint → endpoint: cost above empty ≤ 0.6 × Cilium-shaped's", ratio(worstRatio), met(worstRatio <= 0.6)});
  if (chain1000)
    table.add({"endpoint → endpoint: ≥ 10x below the 1,000-rule chain", fmt::format("{:.1f}x", worstChain),
               met(worstChain >= 10)});
  table.add({fmt::format("flat across rule counts (allowed ns, max ÷ min ≤ {})", kFlatSpread), ratio(high / low),
             met(high / low <= kFlatSpread)});
  bool loadedLargest = !runs.empty() && runs.back().rules >= 100000;
  table.add({"100,000 rules load", loadedLargest ? "loaded" : "not run", met(loadedLargest)});
  double insnSpread = fewestInsns ? double(mostInsns) / fewestInsns : 0;
  table.add({fmt::format("processed instructions independent of rule count (max ÷ min ≤ {})", kFlatSpread),
             fmt::format("{} → {} ({})", withThousands(fewestInsns), withThousands(mostInsns), ratio(insnSpread)),
             met(insnSpread <= kFlatSpread)});
  table.print();
}

void printFlows(const std::vector<RuleCountRun>& runs) {
  fmt::print("Measured flows (chosen from each plan, checked with one run before timing):\n\n");
  for (const RuleCountRun& run : runs)
    for (const auto& [kind, flow] : run.flows)
      fmt::print("- {} rules, {}: {}\n", withThousands(run.rules), kindLabel(kind).substr(9), flow.description);
  fmt::print("\n");
}

}  // namespace

int runDatapathBench(const DatapathBenchOptions& options) {
  std::vector<RuleCountRun> runs;
  for (uint32_t rules : options.ruleCounts) {
    fmt::print(stderr, "datapath: {} rules: generating, planning, compiling, loading...\n", withThousands(rules));
    auto start = Clock::now();
    auto run = prepareRuleCount(options, rules);
    if (!run) {
      fmt::print(stderr, "error: {} rules: {}\n", withThousands(rules), run.error().message);
      return 1;
    }
    fmt::print(stderr, "datapath: {} rules ready in {:.0f} ms (peak RSS so far {:.0f} MiB)\n", withThousands(rules),
               msSince(start), peakRssMiB());
    runs.push_back(std::move(*run));
  }
  if (runs.empty()) return 0;

  // Baselines, on the first rule count's allowed flow (same packet bytes).
  const MeasuredFlow& reference = runs.front().flows.at(FlowKind::EndpointAllowed);
  BaselineFlow flow{reference.source, reference.destination, 6, reference.port};
  std::vector<BaselineProgram> baselines;
  fmt::print(stderr, "datapath: loading the baselines (clang-compiling the linear chains)...\n");
  {
    auto empty = loadEmptyBaseline(options.toolchain);
    if (!empty) return fmt::print(stderr, "error: {}\n", empty.error().message), 1;
    baselines.push_back(std::move(*empty));
    auto cilium = loadCiliumBaseline(options.toolchain, flow, options.ipcachePrefixes, options.seed);
    if (!cilium) return fmt::print(stderr, "error: {}\n", cilium.error().message), 1;
    cilium->name = fmt::format("Cilium-shaped (LPM {} prefixes + 1 hash)", withThousands(options.ipcachePrefixes));
    baselines.push_back(std::move(*cilium));
    for (uint32_t rules : options.chainRules) {
      auto chain = buildLinearChain(options.toolchain, flow, rules, options.seed + rules);
      if (!chain) return fmt::print(stderr, "error: {}\n", chain.error().message), 1;
      baselines.push_back(std::move(*chain));
    }
  }

  std::vector<Target> targets;
  targets.reserve(baselines.size() + runs.size() * 3);
  for (const BaselineProgram& baseline : baselines)
    targets.push_back(Target{baseline.name, baseline.fd, &reference.packet, baseline.expectedRetval, nullptr, {}});
  for (RuleCountRun& run : runs)
    for (auto& [kind, measured] : run.flows)
      targets.push_back(Target{fmt::format("{} rules {}", run.rules, kindLabel(kind)), run.serverFd, &measured.packet,
                               measured.expectedRetval, measured.expectedRetval ? run.drain.get() : nullptr, {}});
  fmt::print(stderr, "datapath: timing {} programs × {} runs × {} packets...\n", targets.size(), options.runs,
             withThousands(int64_t(options.packets)));
  if (auto measured = measure(targets, options); !measured) {
    fmt::print(stderr, "error: {}\n", measured.error().message);
    return 1;
  }

  std::map<std::pair<size_t, FlowKind>, Target*> ours;
  size_t next = baselines.size();
  for (size_t i = 0; i < runs.size(); ++i)
    for (auto& entry : runs[i].flows) ours[{i, entry.first}] = &targets[next++];
  std::vector<Target*> baselineTargets;
  const Target* chain1000 = nullptr;
  for (size_t i = 0; i < baselines.size(); ++i) {
    baselineTargets.push_back(&targets[i]);
    if (baselines[i].rules == 1000) chain1000 = &targets[i];
  }
  std::vector<const BaselineProgram*> baselinePrograms;
  for (const BaselineProgram& baseline : baselines) baselinePrograms.push_back(&baseline);

  printPerPacket(runs, ours, baselineTargets, noiseOf(targets), options);
  printTargets(runs, ours, targets[0], targets[1], chain1000);
  printFlows(runs);
  printVerifier(runs, baselinePrograms, options.reloads);
  printPipeline(runs);
  printSummary(runs, ours, targets[0], targets[1], chain1000);
  return 0;
}

}  // namespace ciliumc::bench

// `ciliumc compile FILES --inventory INV -o DIR`: policy + inventory → one BPF ELF object per
// endpoint plus manifest.json (cli/compile_manifest.h). The pipeline: resolve the policy IR,
// run the passes (passes/pass_manager.h) into a plan of distinct policy shapes, compile the plan
// ONCE with in-process LLVM (backend_bpf/codegen.h compilePlan: the code is the same for every
// shape), then write each endpoint's copy of that object with its endpoint's and its shape's
// constants patched into .rodata (map sizes and contents per shape: manifest / loader).
// --emit prints an intermediate form instead: policy-ir, plan, llvm, asm or c.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <span>
#include <thread>

#include <fmt/format.h>

#include "backend_bpf/codegen.h"
#include "cli/commands.h"
#include "cli/compile_manifest.h"
#include "cli/diagnostic_options.h"
#include "cli/pass_flags.h"
#include "cli/progress_bar.h"
#include "cli/resolve_options.h"
#include "cli/suite_runner.h"
#include "frontend/inputs/input_files.h"
#include "loader/endpoint_config.h"
#include "passes/print_plan.h"

namespace ciliumc::cli {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// "3-shop-frontend.o": id first (unique), then a file-name-safe rendering of the name.
std::string objectFileName(const EndpointPlan& endpoint) {
  std::string name = endpoint.endpoint ? endpoint.endpoint->qualifiedName() : "endpoint";
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '-';
  return fmt::format("{}-{}.o", endpoint.endpointId, name);
}

bool writeFile(const std::filesystem::path& path, const void* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  return static_cast<bool>(out);
}

// The comment that precedes each shape in --emit=llvm|asm|c output.
std::string shapeBanner(const CompilePlan& plan, size_t shapeIndex, const std::string& emit) {
  std::string endpoints;
  for (const auto& endpoint : plan.endpoints)
    if (endpoint.shape == shapeIndex && endpoint.endpoint)
      endpoints += (endpoints.empty() ? "" : ", ") + endpoint.endpoint->qualifiedName();
  std::string text = fmt::format("shape {} ({}): endpoints {}", shapeIndex, plan.shapes[shapeIndex].key, endpoints);
  if (emit == "c") return "/* " + text + " */\n";
  return (emit == "llvm" ? "; " : "# ") + text + "\n";
}

struct CompileCommand {
  std::vector<std::string> files;
  std::string inventory;
  std::string outDir;
  std::string emit = "obj";
  std::string endpointRef;
  unsigned jobs = 0;
  bool quiet = false;
  DiagnosticOptions diagnostics;
  ResolveFlags resolveFlags;
  PassFlags passFlags;

  int usage(const std::string& message) {
    std::cerr << "ciliumc compile: error: " << message << "\n";
    return 2;
  }

  int run() {
    if (passFlags.printPassesRequested()) {
      printPasses(std::cout);
      return 0;
    }
    if (files.empty()) return usage("no input files (give policy files or directories)");
    if (inventory.empty()) return usage("--inventory FILE is required: objects are compiled per endpoint");
    if (emit == "obj" && outDir.empty()) return usage("-o DIR is required (or --emit=policy-ir|plan|llvm|asm|c)");
    PassOptions passOptions = passFlags.options(std::cout);
    if (auto valid = validatePassOptions(passOptions); !valid) {
      std::cerr << "ciliumc compile: error: " << valid.error().message << "\n";
      if (!valid.error().hint.empty()) std::cerr << "  hint: " << valid.error().hint << "\n";
      return 2;
    }
    if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());

    auto start = Clock::now();
    DiagnosticEngine diags;
    if (!diagnostics.configure(diags)) return 2;
    LoadedInputs inputs;
    loadInputs(files, diags, inputs);
    std::optional<Inventory> inv = loadInventoryOrReport(inventory, diags);
    diagnostics.print(diags);
    if (diags.hasErrors() || !inv) return 1;

    PolicyIR ir = resolvePolicy(inputs.policies, *inv, resolveFlags.options());
    if (emit == "policy-ir") {
      printPolicyIR(std::cout, ir, *inv);
      return 0;
    }
    auto planned = runPasses(ir, *inv, passOptions);
    if (!planned) {
      std::cerr << "ciliumc compile: error: " << planned.error().message << "\n";
      return 1;
    }
    const CompilePlan& plan = planned->plan;
    // Which endpoints (and so shapes) to produce: all, or the one named by --endpoint.
    std::vector<bool> endpointWanted(plan.endpoints.size(), endpointRef.empty());
    if (!endpointRef.empty()) {
      const EndpointInfo* endpoint = inv->findEndpoint(endpointRef);
      if (!endpoint) return usage("--endpoint `" + endpointRef + "` is not an endpoint of " + inventory);
      endpointWanted[static_cast<size_t>(endpoint - inv->endpoints.data())] = true;
    }
    if (emit == "plan") {
      printPlan(std::cout, plan);
      return 0;
    }
    std::vector<bool> shapeWanted(plan.shapes.size(), false);
    for (size_t i = 0; i < plan.endpoints.size(); ++i)
      if (endpointWanted[i]) shapeWanted[plan.endpoints[i].shape] = true;

    if (emit != "obj") return emitText(plan, shapeWanted);
    return writeObjects(plan, endpointWanted, shapeWanted, start);
  }

  int emitText(const CompilePlan& plan, const std::vector<bool>& shapeWanted) {
    EmitKind kind = emit == "llvm" ? EmitKind::LlvmIr : emit == "asm" ? EmitKind::Assembly : EmitKind::C;
    auto codegen = BpfCodegen::create();
    if (!codegen) {
      std::cerr << "ciliumc compile: error: " << codegen.error().message << "\n";
      return 1;
    }
    for (size_t i = 0; i < plan.shapes.size(); ++i) {
      if (!shapeWanted[i]) continue;
      auto text = (*codegen)->emit(plan.shapes[i], kind);
      if (!text) {
        std::cerr << "ciliumc compile: error: shape " << plan.shapes[i].key << ": " << text.error().message << "\n";
        return 1;
      }
      std::cout << shapeBanner(plan, i, emit) << *text;
    }
    return 0;
  }

  int writeObjects(const CompilePlan& plan, const std::vector<bool>& endpointWanted,
                   const std::vector<bool>& shapeWanted, Clock::time_point start) {
    std::error_code error;
    std::filesystem::create_directories(outDir, error);
    if (error) {
      std::cerr << "ciliumc compile: error: cannot create `" << outDir << "`: " << error.message() << "\n";
      return 1;
    }
    size_t shapes = static_cast<size_t>(std::count(shapeWanted.begin(), shapeWanted.end(), true));
    auto compileStart = Clock::now();
    // One object for the wanted shapes: every shape, or the one shape of --endpoint.
    std::span<const ShapePlan> compiled(plan.shapes);
    if (shapes != plan.shapes.size()) {
      size_t only = static_cast<size_t>(std::find(shapeWanted.begin(), shapeWanted.end(), true) - shapeWanted.begin());
      compiled = compiled.subspan(only, 1);
    }
    auto codegen = BpfCodegen::create();
    if (!codegen) {
      std::cerr << "ciliumc compile: error: " << codegen.error().message << "\n";
      return 1;
    }
    CodegenOptions options;
    options.sourceName = compiled.size() == 1 ? "shape-" + compiled[0].key + ".c" : "ciliumc-plan.c";
    auto object = (*codegen)->compileShapes(compiled, options);
    if (!object) {
      std::cerr << "ciliumc compile: error: " << object.error().message << "\n";
      return 1;
    }
    double compileMs = msSince(compileStart);
    // Patch and write each endpoint's copy, on -j threads (the compile itself happened once).
    std::vector<size_t> todo;
    for (size_t i = 0; i < plan.endpoints.size(); ++i)
      if (endpointWanted[i]) todo.push_back(i);
    std::vector<std::string> names(plan.endpoints.size());
    std::vector<std::string> failures(plan.endpoints.size());
    ProgressBar bar("writing endpoint objects", todo.size(), !quiet && stderrIsTerminal() && todo.size() > 64);
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t k = next++; k < todo.size(); k = next++) {
        size_t i = todo[k];
        const EndpointPlan& endpoint = plan.endpoints[i];
        auto config = loader::endpointConfigOf(plan, endpoint);
        auto patched = config ? patchEndpointConfig(*object, *config) : Expected<std::vector<uint8_t>>(config.error());
        std::string name = objectFileName(endpoint);
        if (!patched)
          failures[i] = "endpoint " + endpoint.endpoint->qualifiedName() + ": " + patched.error().message;
        else if (!writeFile(std::filesystem::path(outDir) / name, patched->data(), patched->size()))
          failures[i] = "cannot write `" + (std::filesystem::path(outDir) / name).string() + "`";
        else
          names[i] = name;
        bar.advance();
      }
    };
    unsigned threads = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(todo.size())));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& thread : pool) thread.join();
    bar.finish();
    for (const std::string& failure : failures)
      if (!failure.empty()) {
        std::cerr << "ciliumc compile: error: " << failure << "\n";
        return 1;
      }
    size_t written = todo.size();
    std::string manifest = writeManifest(plan, names).dump(1);
    if (!writeFile(std::filesystem::path(outDir) / "manifest.json", manifest.data(), manifest.size())) {
      std::cerr << "ciliumc compile: error: cannot write the manifest in `" << outDir << "`\n";
      return 1;
    }
    if (!quiet)
      std::cout << fmt::format("compiled {} endpoint{} ({} shape{}, one object) into {}/ in {:.0f} ms "
                               "(code generation {:.0f} ms); manifest.json lists objects, identities and map entries\n",
                               written, written == 1 ? "" : "s", shapes, shapes == 1 ? "" : "s", outDir,
                               msSince(start), compileMs);
    return 0;
  }
};

}  // namespace

CommandRunner addCompileCommand(CLI::App& app) {
  auto command = std::make_shared<CompileCommand>();
  CLI::App* sub = app.add_subcommand(
      "compile", "Compile policy for the endpoints of an inventory: one BPF object per endpoint + manifest.json");
  sub->add_option("files", command->files, "Policy files or directories (.policy, Kubernetes/Cilium YAML)");
  sub->add_option("--inventory", command->inventory, "Inventory YAML (endpoints, nodes, externals)")->type_name("FILE");
  sub->add_option("-o,--output", command->outDir, "Directory for the objects and manifest.json")->type_name("DIR");
  sub->add_option("--emit", command->emit,
                  "What to produce: obj (default: objects + manifest in -o DIR), or print policy-ir, plan, "
                  "llvm, asm or c (a C file that clang -O2 -target bpf compiles to the same program)")
      ->check(CLI::IsMember({"obj", "policy-ir", "plan", "llvm", "asm", "c"}))
      ->option_text("obj|policy-ir|plan|llvm|asm|c");
  sub->add_option("--endpoint", command->endpointRef, "Only this endpoint (`namespace/name`) and its shape")
      ->type_name("REF");
  sub->add_option("-j,--jobs", command->jobs,
                  "Patch and write the endpoints' objects on N threads (default: one per CPU); LLVM "
                  "runs once for the whole policy set either way")
      ->type_name("N")
      ->check(CLI::Range(1u, 256u));
  sub->add_flag("-q,--quiet", command->quiet, "No summary line and no progress bar");
  command->diagnostics.addTo(*sub, false);
  command->resolveFlags.addTo(*sub);
  command->passFlags.addTo(*sub);
  return [command] { return command->run(); };
}

}  // namespace ciliumc::cli

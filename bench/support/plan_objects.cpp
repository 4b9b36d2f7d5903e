#include "bench/support/plan_objects.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "bench/support/measure.h"
#include "loader/endpoint_config.h"

namespace ciliumc::bench {

Expected<PlanObjects> compilePlanObjects(const CompilePlan& plan, unsigned jobs, const std::vector<bool>& wanted) {
  auto start = Clock::now();
  std::vector<size_t> todo;
  for (size_t i = 0; i < plan.shapes.size(); ++i)
    if (wanted.empty() || (i < wanted.size() && wanted[i])) todo.push_back(i);
  PlanObjects objects;
  objects.shapes.resize(plan.shapes.size());
  std::vector<std::optional<Error>> errors(plan.shapes.size());
  std::vector<CodegenTimings> timings(plan.shapes.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    auto codegen = BpfCodegen::create();
    for (size_t k = next++; k < todo.size(); k = next++) {
      size_t shape = todo[k];
      if (!codegen) {
        errors[shape] = codegen.error();
        continue;
      }
      CodegenOptions options;
      options.sourceName = "shape-" + plan.shapes[shape].key + ".c";
      options.timings = &timings[shape];
      auto elf = (*codegen)->compileShape(plan.shapes[shape], options);
      if (elf)
        objects.shapes[shape] = std::move(*elf);
      else
        errors[shape] = elf.error();
    }
  };
  unsigned threads = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(todo.size())));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  objects.wallMs = msSince(start);
  for (size_t shape : todo) {
    if (errors[shape]) return Error{"compiling shape " + plan.shapes[shape].key + ": " + errors[shape]->message};
    objects.summed.parseRuntime += timings[shape].parseRuntime;
    objects.summed.buildModule += timings[shape].buildModule;
    objects.summed.optimize += timings[shape].optimize;
    objects.summed.codegen += timings[shape].codegen;
  }
  objects.compiled = todo.size();
  return objects;
}

Expected<std::vector<uint8_t>> endpointObject(const PlanObjects& objects, const CompilePlan& plan, size_t index) {
  if (index >= plan.endpoints.size()) return Error{"no endpoint #" + std::to_string(index)};
  const EndpointPlan& endpoint = plan.endpoints[index];
  if (endpoint.shape >= objects.shapes.size() || !objects.shapes[endpoint.shape])
    return Error{"the shape of endpoint #" + std::to_string(index) + " was not compiled"};
  return patchEndpointConfig(*objects.shapes[endpoint.shape], loader::endpointConfigOf(endpoint));
}

loader::ShapeObjectSource shapeObjectSource(const PlanObjects& objects) {
  return [&objects](uint32_t shape) -> Expected<std::vector<uint8_t>> {
    if (shape >= objects.shapes.size() || !objects.shapes[shape])
      return Error{"shape " + std::to_string(shape) + " was not compiled"};
    return *objects.shapes[shape];
  };
}

}  // namespace ciliumc::bench

#include "bench/support/plan_objects.h"

#include "bench/support/measure.h"
#include "loader/endpoint_config.h"

namespace ciliumc::bench {

Expected<PlanObjects> compilePlanObjects(const CompilePlan& plan) {
  auto start = Clock::now();
  auto codegen = BpfCodegen::create();
  if (!codegen) return codegen.error();
  PlanObjects objects;
  CodegenOptions options;
  options.sourceName = "ciliumc-plan.c";
  options.timings = &objects.timings;
  auto object = (*codegen)->compilePlan(plan, options);
  if (!object) return Error{"compiling the plan: " + object.error().message};
  objects.object = std::move(*object);
  objects.shapes = plan.shapes.size();
  objects.wallMs = msSince(start);
  return objects;
}

Expected<std::vector<uint8_t>> endpointObject(const PlanObjects& objects, const CompilePlan& plan, size_t index) {
  if (index >= plan.endpoints.size()) return Error{"no endpoint #" + std::to_string(index)};
  auto config = loader::endpointConfigOf(plan, plan.endpoints[index]);
  if (!config) return config.error();
  return patchEndpointConfig(objects.object, *config);
}

loader::ShapeObjectSource shapeObjectSource(const PlanObjects& objects) {
  return [&objects](uint32_t) -> Expected<std::vector<uint8_t>> { return objects.object; };
}

}  // namespace ciliumc::bench

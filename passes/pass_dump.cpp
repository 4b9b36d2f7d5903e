#include "passes/pass_dump.h"

#include <ostream>

namespace ciliumc {

namespace {

constexpr size_t kNamesShown = 8;

std::string endpointNames(const PipelineState& state, const ShapeWork& shape) {
  std::string text;
  for (size_t i = 0; i < shape.endpoints.size() && i < kNamesShown; ++i)
    text += (i ? ", " : "") + state.inventory.endpoints[shape.endpoints[i]].qualifiedName();
  if (shape.endpoints.size() > kNamesShown)
    text += ", and " + std::to_string(shape.endpoints.size() - kNamesShown) + " more";
  return text;
}

}  // namespace

void printShapesIR(std::ostream& out, const PipelineState& state) {
  out << state.shapes.size() << (state.shapes.size() == 1 ? " shape\n" : " shapes\n");
  for (size_t s = 0; s < state.shapes.size(); ++s) {
    const ShapeWork& shape = state.shapes[s];
    out << "shape " << s << ": " << shape.endpoints.size()
        << (shape.endpoints.size() == 1 ? " endpoint (" : " endpoints (") << endpointNames(state, shape) << ")\n";
    for (Direction direction : kBothDirections) {
      const DirectionWork& work = shape.directions[directionSlot(direction)];
      DirectionPolicy policy;
      policy.enforced = work.enforced;
      if (work.resolved) policy.enforcedBy = work.resolved->enforcedBy;
      for (EntryId id : work.entries) policy.entries.push_back(state.entry(id).entry);
      printDirectionPolicy(out, policy, direction, state.ir.options.enforcement);
    }
  }
}

}  // namespace ciliumc

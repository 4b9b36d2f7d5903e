// `--dump-after=PASS` for the passes that rewrite the policy IR: the IR of each shape, in the
// text form of printPolicyIR (ir/endpoint_policy.h), under a line naming its endpoints.
#pragma once
#include <iosfwd>

#include "passes/pass_state.h"

namespace ciliumc {

void printShapesIR(std::ostream& out, const PipelineState& state);

}  // namespace ciliumc

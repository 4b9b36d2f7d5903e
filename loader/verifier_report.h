// Making a verifier rejection readable: the complete log, the kernel's reason, the failing
// instruction and its source line (BTF line info: "; <code> @ <file>:<line>"), and the policy
// context of the object (shape key and the rules the shape is made of), so the user sees which
// policy produced the program the kernel refused.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "passes/datapath_plan.h"

namespace ciliumc::loader {

struct SourceLine {
  std::string code;  // the source text the verifier echoed
  std::string file;
  uint32_t line = 0;
};

// What an object was compiled from, for error messages.
struct ShapeContext {
  std::string shapeKey;
  std::vector<std::string> rules;  // "rule 3: web.policy:12:5 (policy deathstar, ingress rule 2)"
  // Optional: maps a source line of the generated code to the rule it implements.
  std::function<std::optional<std::string>(const SourceLine&)> describeSourceLine;
};
ShapeContext shapeContextOf(const ShapePlan& shape, const RuleTable& rules);

struct VerifierRejection {
  std::string program;
  std::string log;                       // complete, as the kernel wrote it
  std::string reason;                    // the kernel's message lines at the end of the log
  std::optional<uint32_t> instruction;   // index of the last instruction the log shows
  std::optional<SourceLine> sourceLine;  // line info of that instruction
};
VerifierRejection analyseVerifierLog(std::string program, std::string log);

// A multi-line message: what was refused, why, where, which policy; then the complete log.
std::string renderRejection(const VerifierRejection& rejection, const ShapeContext* context);

}  // namespace ciliumc::loader

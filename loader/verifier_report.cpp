#include "loader/verifier_report.h"

#include <cctype>
#include <set>

#include "support/strings.h"

namespace ciliumc::loader {

namespace {

// "12: (71) r0 = *(u8 *)(r1 +20)" -> 12
std::optional<uint32_t> instructionIndex(std::string_view line) {
  size_t digits = 0;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
  if (digits == 0 || digits > 9 || line.substr(digits, 3) != ": (") return std::nullopt;
  unsigned long value = 0;
  if (!parseUnsigned(line.substr(0, digits), UINT32_MAX, value)) return std::nullopt;
  return static_cast<uint32_t>(value);
}

// "; return x; @ policy.c:12" -> {code, file, line}
std::optional<SourceLine> sourceLineOf(std::string_view line) {
  if (!startsWith(line, "; ")) return std::nullopt;
  size_t at = line.rfind(" @ ");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view location = line.substr(at + 3);
  size_t colon = location.rfind(':');
  unsigned long number = 0;
  if (colon == std::string_view::npos || !parseUnsigned(location.substr(colon + 1), UINT32_MAX, number))
    return std::nullopt;
  return SourceLine{std::string(trimString(line.substr(2, at - 2))), std::string(location.substr(0, colon)),
                    static_cast<uint32_t>(number)};
}

// Statistics the verifier appends after its verdict; not part of the reason.
bool isStatisticsLine(std::string_view line) {
  return startsWith(line, "processed ") || startsWith(line, "verification time") ||
         startsWith(line, "stack depth") || line.empty();
}

}  // namespace

ShapeContext shapeContextOf(const ShapePlan& shape, const RuleTable& rules) {
  ShapeContext context;
  context.shapeKey = shape.key;
  std::set<uint32_t> ids;
  for (const DirectionPlan& direction : shape.directions)
    for (const LoweredEntry& entry : direction.entries)
      if (entry.rule != 0) ids.insert(entry.rule);
  for (uint32_t id : ids) {
    const Provenance* provenance = rules.find(id);
    context.rules.push_back("rule " + std::to_string(id) + ": " +
                            (provenance ? provenance->toString() : std::string("(unknown)")));
  }
  return context;
}

VerifierRejection analyseVerifierLog(std::string program, std::string log) {
  VerifierRejection rejection;
  rejection.program = std::move(program);
  std::vector<std::string_view> lines = splitString(log, '\n');
  // The reason: the lines after the last instruction (or source) line, minus statistics.
  size_t lastCode = 0;
  bool sawCode = false;
  std::optional<SourceLine> currentSource;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (auto source = sourceLineOf(lines[i])) {
      currentSource = std::move(source);
    } else if (auto index = instructionIndex(lines[i])) {
      rejection.instruction = index;
      rejection.sourceLine = currentSource;
      lastCode = i;
      sawCode = true;
    }
  }
  std::string reason;
  for (size_t i = sawCode ? lastCode + 1 : 0; i < lines.size(); ++i) {
    if (isStatisticsLine(lines[i]) || sourceLineOf(lines[i])) continue;
    if (!reason.empty()) reason += '\n';
    reason += lines[i];
  }
  rejection.reason = reason.empty() ? "(the verifier gave no reason)" : reason;
  rejection.log = std::move(log);
  return rejection;
}

std::string renderRejection(const VerifierRejection& rejection, const ShapeContext* context) {
  std::string text = "the kernel verifier rejected program '" + rejection.program + "'";
  if (context && !context->shapeKey.empty()) text += " of policy shape " + context->shapeKey;
  std::string reason = rejection.reason;
  for (size_t at = reason.find('\n'); at != std::string::npos; at = reason.find('\n', at + 3)) reason.replace(at, 1, "\n  ");
  text += ": " + reason + "\n";
  if (rejection.instruction) {
    text += "  at instruction " + std::to_string(*rejection.instruction);
    if (rejection.sourceLine)
      text += ", " + rejection.sourceLine->file + ":" + std::to_string(rejection.sourceLine->line) + ": " +
              rejection.sourceLine->code;
    text += "\n";
    if (rejection.sourceLine && context && context->describeSourceLine)
      if (auto rule = context->describeSourceLine(*rejection.sourceLine)) text += "  generated for " + *rule + "\n";
  }
  if (context && !context->rules.empty()) {
    text += "  the shape implements:\n";
    for (const std::string& rule : context->rules) text += "    " + rule + "\n";
  }
  text += "--- verifier log ---\n" + rejection.log;
  if (!rejection.log.empty() && rejection.log.back() != '\n') text += "\n";
  text += "--- end of verifier log ---";
  return text;
}

}  // namespace ciliumc::loader

// A readable text form of the datapath plan (`--dump-after=PASS` for the lowering passes): rule
// table, endpoints, IP cache, and per shape the interned peers, lowered entries, port ranges and
// classes, the verdict rows, identity classes, CIDR entries and the budget. Stable and
// line-oriented so golden tests can FileCheck it. Prints whatever part of the plan is built.
#pragma once
#include <iosfwd>
#include <string>

#include "passes/datapath_plan.h"

namespace ciliumc {

void printPlan(std::ostream& out, const CompilePlan& plan);

// "default-deny", "denied-by-rule", "neighbor-discovery", ... (the manifest and events use these)
std::string datapathReasonName(DatapathReason reason);

// "allow rule 3", "deny rule 7", "deny default-deny", "allow allow-localhost"
std::string verdictCellText(const VerdictCell& cell);

}  // namespace ciliumc

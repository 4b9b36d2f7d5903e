// The language form of a policy model (`ciliumc convert`). The output, parsed again, yields the
// same model (locations aside) and is already in `fmt` layout.
#pragma once
#include <string>

#include "ir/policy.h"

namespace ciliumc {

std::string printPolicyLanguage(const PolicySet& policies);

}  // namespace ciliumc

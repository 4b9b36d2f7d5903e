// Status: the result of a loader operation that produces nothing but can fail, and helpers that
// turn errno-style failures (libbpf returns -errno) into readable Errors.
#pragma once
#include <string>

#include "support/expected.h"

namespace ciliumc::loader {

// Expected<bool> is the codebase's "nothing or an Error"; the value is always true.
using Status = Expected<bool>;
inline Status success() { return true; }

// "<what>: <strerror(err)>" for a negative or positive errno value.
Error errnoError(const std::string& what, int err);

}  // namespace ciliumc::loader

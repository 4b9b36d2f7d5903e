// Privileged tests (BPF loading, network namespaces): skip with a message when the process may
// not do it, unless CILIUMC_REQUIRE_PRIVILEGED=1 (set by .ci/run), which turns the skip into a
// failure so CI can never count a skipped kernel test as passing.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace ciliumc::testing {

inline bool privilegedRequired() {
  const char* value = std::getenv("CILIUMC_REQUIRE_PRIVILEGED");
  return value && std::strcmp(value, "0") != 0 && *value;
}

}  // namespace ciliumc::testing

// Use at the top of a TEST body.
#define CILIUMC_REQUIRE_BPF_OR_SKIP()                                                              \
  do {                                                                                              \
    if (::geteuid() != 0) {                                                                         \
      if (::ciliumc::testing::privilegedRequired())                                                 \
        FAIL() << "this test needs root (BPF, netns) and CILIUMC_REQUIRE_PRIVILEGED=1 forbids skipping"; \
      GTEST_SKIP() << "needs root for BPF and network namespaces; run as root or under .ci/run";    \
    }                                                                                               \
  } while (0)

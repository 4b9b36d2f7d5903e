// The BPF runtime embedded into the library at build time (runtime/CMakeLists.txt), so that
// ciliumc reads no files at run time.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

namespace ciliumc::runtime {

// runtime/ciliumc_runtime.c compiled with `clang -O2 -g -target bpf -emit-llvm`.
std::span<const uint8_t> bitcode();

struct SourceFile {
  std::string_view name;  // as the runtime #includes it: "ciliumc_abi.h"
  std::string_view text;
};
// ciliumc_runtime.c, then the headers it includes: ciliumc_bpf.h, ciliumc_abi.h.
std::span<const SourceFile> sources();

}  // namespace ciliumc::runtime

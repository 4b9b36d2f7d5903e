// Compiling --emit=c output with clang-19 (a build dependency of the project) in tests.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test/support/temporary_directory.h"

namespace ciliumc::testing {

struct ClangResult {
  int status = -1;
  std::string diagnostics;      // everything clang printed
  std::vector<uint8_t> output;  // the file it wrote
};


// Runs `clang-19 <flags> source.c -o <output>` on `source` inside `directory`.
inline ClangResult runClang(const std::filesystem::path& directory, const std::string& source,
                            const std::string& flags, const std::string& outputName) {
  std::filesystem::path input = directory / "shape.c", output = directory / outputName,
                        log = directory / "clang.log";
  std::ofstream(input) << source;
  std::string command = "clang-19 " + flags + " " + input.string() + " -o " + output.string() +
                        " > " + log.string() + " 2>&1";
  ClangResult result;
  result.status = std::system(command.c_str());
  std::stringstream diagnostics;
  diagnostics << std::ifstream(log).rdbuf();
  result.diagnostics = command + "\n" + diagnostics.str();
  if (diagnostics.str().empty()) result.diagnostics.clear();
  std::ifstream in(output, std::ios::binary);
  result.output.assign(std::istreambuf_iterator<char>(in), {});
  return result;
}

}  // namespace ciliumc::testing

// The datapath options that change verdicts (--policy-enforcement, --no-allow-localhost),
// shared by every command that evaluates flows.
#pragma once
#include <string>

#include <CLI/CLI.hpp>

#include "ir/endpoint_policy.h"

namespace ciliumc::cli {

class ResolveFlags {
 public:
  void addTo(CLI::App& command);
  ResolveOptions options() const;

 private:
  std::string enforcement_ = "default";  // validated by CLI11: default, always or never
  bool noAllowLocalhost_ = false;
};

}  // namespace ciliumc::cli

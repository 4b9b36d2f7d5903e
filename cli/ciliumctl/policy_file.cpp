#include "cli/ciliumctl/policy_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace ciliumc::ctl {

Expected<std::string> resolvePolicyFormat(const std::string& path, const std::string& requested) {
  if (!requested.empty()) {
    if (requested == "ciliumc" || requested == "policy") return std::string("ciliumc");
    if (requested == "yaml" || requested == "yml") return std::string("yaml");
    return Error{fmt::format("unknown policy format `{}` (use ciliumc or yaml)", requested)};
  }
  std::string extension = std::filesystem::path(path).extension().string();
  if (extension == ".policy") return std::string("ciliumc");
  if (extension == ".yaml" || extension == ".yml") return std::string("yaml");
  return Error{fmt::format("cannot tell the format of {} from its extension (.policy or .yaml/.yml); "
                           "give it with --format ciliumc|yaml",
                           path)};
}

Expected<PolicyFileRequest> readPolicyFile(const std::string& path, const std::string& format,
                                           const std::string& name) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Error{fmt::format("{} is a directory, not a policy file", path)};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno))};
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{fmt::format("cannot read {}: {}", path, std::strerror(errno))};
  PolicyFileRequest request;
  request.name = name.empty() ? std::filesystem::path(path).stem().string() : name;
  request.format = format;
  request.text = text.str();
  return request;
}

}  // namespace ciliumc::ctl

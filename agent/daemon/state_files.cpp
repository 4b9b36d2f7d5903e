#include "agent/daemon/state_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ciliumc::agent {

namespace {

Error fileError(const std::string& what, const std::string& path) {
  return Error{what + " " + path + ": " + std::strerror(errno)};
}

}  // namespace

std::vector<std::string> labelStrings(const LabelSet& labels) {
  std::vector<std::string> texts;
  for (const Label& label : labels.labels()) texts.push_back(label.toString());
  return texts;
}

Expected<LabelSet> labelSetFromStrings(const std::vector<std::string>& texts, LabelContext context) {
  std::vector<Label> labels;
  for (const std::string& text : texts) {
    auto label = Label::parse(text, context);
    if (!label) return Error{"label `" + text + "`: " + label.error().message};
    labels.push_back(*label);
  }
  return LabelSet(std::move(labels));
}

Expected<bool> StateFiles::prepare() const {
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) return Error{"creating state dir " + directory_ + ": " + error.message()};
  chmod(directory_.c_str(), 0700);
  return true;
}

Expected<bool> StateFiles::write(const std::string& name, const std::string& text) const {
  std::string target = path(name), temporary = target + ".tmp";
  int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fileError("creating", temporary);
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return fileError("writing", temporary);
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    close(fd);
    return fileError("syncing", temporary);
  }
  close(fd);
  if (rename(temporary.c_str(), target.c_str()) != 0) return fileError("replacing", target);
  return true;
}

Expected<std::string> StateFiles::read(const std::string& name) const {
  std::ifstream in(path(name));
  if (!in) return std::string();
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Expected<bool> StateFiles::saveEndpoints(const std::vector<Endpoint>& endpoints) const {
  nlohmann::json all = nlohmann::json::array();
  for (const Endpoint& endpoint : endpoints) all.push_back(endpointJson(endpoint));
  return write("endpoints.json", all.dump(1));
}

Expected<std::vector<Endpoint>> StateFiles::loadEndpoints() const {
  auto text = read("endpoints.json");
  if (!text) return text.error();
  std::vector<Endpoint> endpoints;
  if (text->empty()) return endpoints;
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded() || !json.is_array()) return Error{path("endpoints.json") + ": not a JSON array of endpoints"};
  for (const auto& item : json) {
    auto endpoint = endpointFromJson(item);
    if (!endpoint) return Error{path("endpoints.json") + ": " + endpoint.error().message};
    endpoints.push_back(std::move(*endpoint));
  }
  return endpoints;
}

Expected<bool> StateFiles::savePolicy(const std::vector<PolicyDocument>& documents, int64_t revision) const {
  nlohmann::json list = nlohmann::json::array();
  for (const PolicyDocument& document : documents)
    list.push_back({{"name", document.name}, {"format", document.format}, {"text", document.text}});
  return write("policy.json", nlohmann::json{{"revision", revision}, {"documents", list}}.dump(1));
}

Expected<std::pair<std::vector<PolicyDocument>, int64_t>> StateFiles::loadPolicy() const {
  auto text = read("policy.json");
  if (!text) return text.error();
  std::pair<std::vector<PolicyDocument>, int64_t> result{{}, 0};
  if (text->empty()) return result;
  try {
    auto json = nlohmann::json::parse(*text);
    result.second = json.at("revision").get<int64_t>();
    for (const auto& item : json.at("documents"))
      result.first.push_back({item.at("name").get<std::string>(), item.at("format").get<std::string>(),
                              item.at("text").get<std::string>()});
  } catch (const nlohmann::json::exception& error) {
    return Error{path("policy.json") + ": " + error.what()};
  }
  return result;
}

Expected<bool> StateFiles::saveIdentities(const std::vector<ClusterIdentity>& identities) const {
  nlohmann::json list = nlohmann::json::array();
  for (const ClusterIdentity& identity : identities)
    list.push_back({{"id", identity.id}, {"labels", labelStrings(identity.labels)}});
  return write("identities.json", list.dump(1));
}

Expected<std::vector<ClusterIdentity>> StateFiles::loadIdentities() const {
  auto text = read("identities.json");
  if (!text) return text.error();
  std::vector<ClusterIdentity> identities;
  if (text->empty()) return identities;
  try {
    for (const auto& item : nlohmann::json::parse(*text)) {
      auto labels = labelSetFromStrings(item.at("labels").get<std::vector<std::string>>(), LabelContext::Endpoint);
      if (!labels) return labels.error();
      identities.push_back({item.at("id").get<NumericIdentity>(), *labels});
    }
  } catch (const nlohmann::json::exception& error) {
    return Error{path("identities.json") + ": " + error.what()};
  }
  return identities;
}

}  // namespace ciliumc::agent

#include "frontend/inputs/input_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "frontend/inputs/inventory_loader.h"
#include "frontend/inputs/test_file_loader.h"
#include "frontend/k8s/import_yaml.h"
#include "frontend/lang/parse_policy.h"

namespace ciliumc {
namespace fs = std::filesystem;

namespace {

bool hasExtension(const fs::path& path, std::initializer_list<const char*> extensions) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::any_of(extensions.begin(), extensions.end(), [&](const char* e) { return ext == e; });
}

bool isPolicyLanguagePath(const fs::path& p) { return hasExtension(p, {".policy"}); }
bool isYamlPath(const fs::path& p) { return hasExtension(p, {".yaml", ".yml", ".json"}); }

// Directories expand to the input files below them, in sorted order, hidden entries skipped.
// A file named explicitly is always kept (so an unknown extension gets a clear error later).
void expandPath(const std::string& path, std::vector<std::string>& out, DiagnosticEngine& diags) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    out.push_back(path);
    return;
  }
  std::vector<std::string> found;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) {
    diags.report(DiagCode::CP1001, SourceLocation{std::make_shared<std::string>(path)},
                 "cannot read directory: " + ec.message());
    return;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const fs::path& entry = it->path();
    if (entry.filename().string().starts_with(".")) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && (isPolicyLanguagePath(entry) || isYamlPath(entry)))
      found.push_back(entry.string());
  }
  std::sort(found.begin(), found.end());
  out.insert(out.end(), found.begin(), found.end());
}

// The top-level keys of the first YAML document, or nullopt when it does not parse as a map.
std::optional<std::vector<std::string>> topLevelKeys(const std::string& text) {
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsSequence() && root.size() > 0) root = root[0];
    if (!root.IsMap()) return std::nullopt;
    std::vector<std::string> keys;
    for (const auto& kv : root)
      if (kv.first.IsScalar()) keys.push_back(kv.first.Scalar());
    return keys;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> readFileText(const std::string& path, DiagnosticEngine& diags) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || fs::is_directory(path, ec)) {
    diags.report(DiagCode::CP1001, SourceLocation{std::make_shared<std::string>(path)},
                 fs::exists(path, ec) ? "cannot read file" : "no such file or directory");
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  diags.addSource(path, text);
  return text;
}

InputKind classifyInput(const std::string& path, const std::string& text) {
  if (isPolicyLanguagePath(path)) return InputKind::PolicyLanguage;
  if (!isYamlPath(path)) return InputKind::Unknown;
  auto keys = topLevelKeys(text);
  // A YAML file that does not parse is handed to the policy importer, whose diagnostics name
  // the syntax error precisely.
  if (!keys) return InputKind::KubernetesYaml;
  auto has = [&](const char* key) { return std::find(keys->begin(), keys->end(), key) != keys->end(); };
  if (has("kind") || has("apiVersion")) return InputKind::KubernetesYaml;
  if (has("cases")) return InputKind::TestFile;
  if (has("endpoints") || has("namespaces") || has("nodes") || has("externals") || has("cluster"))
    return InputKind::Inventory;
  return InputKind::Unknown;
}

// CP1005 when a policy file contributed neither a policy nor a test: an empty or comment-only
// file enforces nothing, which is rarely what its author meant.
static void warnIfEmpty(const std::string& path, size_t policiesBefore, size_t policiesAfter,
                        size_t testsBefore, size_t testsAfter, DiagnosticEngine& diags) {
  if (policiesAfter == policiesBefore && testsAfter == testsBefore)
    diags.report(DiagCode::CP1005, SourceLocation{std::make_shared<std::string>(path)},
                 "this file defines no policy and no test");
}

static bool loadOneFile(const std::string& path, bool explicitlyNamed, DiagnosticEngine& diags,
                        LoadedInputs& out) {
  auto text = readFileText(path, diags);
  if (!text) return false;
  InputKind kind = classifyInput(path, *text);
  switch (kind) {
    case InputKind::PolicyLanguage:
    case InputKind::KubernetesYaml: {
      out.policyFiles.push_back(path);
      size_t policies = out.policies.rules.size(), tests = out.tests.size();
      bool ok = kind == InputKind::PolicyLanguage
                    ? parsePolicyLanguage(path, *text, diags, out.policies, out.tests)
                    : importKubernetesPolicies(path, *text, diags, out.policies);
      if (ok) warnIfEmpty(path, policies, out.policies.rules.size(), tests, out.tests.size(), diags);
      return ok;
    }
    case InputKind::TestFile: {
      auto suite = loadTestFile(path, *text, diags);
      if (!suite) return false;
      out.tests.push_back(std::move(*suite));
      return true;
    }
    case InputKind::Inventory:
      out.inventoryFiles.push_back(path);
      return true;
    case InputKind::Unknown:
      if (explicitlyNamed)
        diags.report(DiagCode::CP1002, SourceLocation{std::make_shared<std::string>(path)},
                     "cannot tell what kind of input this is",
                     "use `.policy` for the policy language, or YAML with `kind:` (a policy), "
                     "`endpoints:` (an inventory) or `cases:` (a test file)");
      else
        diags.report(DiagCode::CP1003, SourceLocation{std::make_shared<std::string>(path)},
                     "ignored: neither a policy, an inventory nor a test file");
      return explicitlyNamed ? false : true;
  }
  return false;
}

bool loadInputs(const std::vector<std::string>& paths, DiagnosticEngine& diags, LoadedInputs& out) {
  bool ok = true;
  for (const auto& path : paths) {
    std::vector<std::string> files;
    expandPath(path, files, diags);
    bool fromDirectory = files.size() != 1 || files.front() != path;
    for (const auto& file : files) ok &= loadOneFile(file, !fromDirectory, diags, out);
  }
  return ok && !diags.hasErrors();
}

bool loadPolicyFiles(const std::vector<std::string>& paths, DiagnosticEngine& diags, PolicySet& out) {
  bool ok = true;
  std::vector<TestSuite> ignoredTests;  // test blocks of policy files named by a suite do not nest
  std::vector<std::string> files;
  for (const auto& path : paths) expandPath(path, files, diags);
  for (const auto& path : files) {
    bool explicitlyNamed = std::find(paths.begin(), paths.end(), path) != paths.end();
    auto text = readFileText(path, diags);
    if (!text) { ok = false; continue; }
    switch (classifyInput(path, *text)) {
      case InputKind::PolicyLanguage:
        ok &= parsePolicyLanguage(path, *text, diags, out, ignoredTests);
        break;
      case InputKind::KubernetesYaml:
        ok &= importKubernetesPolicies(path, *text, diags, out);
        break;
      case InputKind::Inventory:
      case InputKind::TestFile:
        if (!explicitlyNamed) break;  // inventories and tests beside the policies of a directory
        [[fallthrough]];
      case InputKind::Unknown:
        diags.report(DiagCode::CP1002, SourceLocation{std::make_shared<std::string>(path)},
                     "not a policy file", "name `.policy` files or Kubernetes/Cilium policy YAML here");
        ok = false;
    }
  }
  return ok;
}

}  // namespace ciliumc

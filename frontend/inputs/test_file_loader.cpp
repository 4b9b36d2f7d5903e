// The test file format:
//
//   policies: [web.policy, np.yaml]      # relative to this file; `[]` for none
//   inventory: inventory.yaml            # a path, or an inline inventory mapping
//   cases:
//     - name: client reaches web         # optional
//       from: x/client                   # ns/name, bare endpoint/node/external name, or an IP
//       to: x/web
//       proto: tcp                       # tcp (default), udp, sctp, icmp, icmpv6
//       port: 80                         # tcp/udp/sctp: 1..65535
//       expect: allow                    # allow | deny
//     - {from: x/web, to: 192.0.2.10, proto: icmp, type: echo-request, expect: deny}
//
// All three top-level keys are required, so a misspelt or forgotten one is an error instead
// of a suite that silently tests nothing.
#include "frontend/inputs/test_file_loader.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "frontend/inputs/inventory_loader.h"
#include "frontend/inputs/input_yaml.h"
#include "support/strings.h"

namespace ciliumc {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kTestFileKeys = {"policies", "inventory", "cases"};
const std::vector<std::string> kCaseKeys = {"name", "from", "to", "proto", "port", "type", "expect"};
const std::vector<std::string> kProbeProtocols = {"tcp", "udp", "sctp", "icmp", "icmpv6"};
const std::vector<std::string> kVerdicts = {"allow", "deny"};

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool isIcmp(Protocol p) { return p == Protocol::ICMP || p == Protocol::ICMPv6; }

std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string guess = closestMatch(word, candidates);
  if (!guess.empty()) return "did you mean `" + guess + "`?";
  std::string list;
  for (const auto& c : candidates) list += (list.empty() ? "`" : ", `") + c + "`";
  return "expected one of " + list;
}

class TestFileLoader {
 public:
  TestFileLoader(InputYamlReader& reader, const std::string& path, DiagnosticEngine& diags)
      : reader_(reader), path_(path), diags_(diags), directory_(fs::path(path).parent_path()) {}

  std::optional<TestSuite> load(const YAML::Node& root) {
    auto fields = reader_.mapping(root, kTestFileKeys, "the test file");
    if (!fields) return std::nullopt;
    TestSuite suite;
    suite.name = path_;
    suite.location = SourceLocation{reader_.file(), 1, 1};
    if (!reader_.requireKeys(*fields, root, kTestFileKeys, "the test file")) return std::nullopt;
    loadPolicies(*fields->get("policies"), suite);
    bool inventoryOk = loadInventory(*fields->get("inventory"), *fields, suite);
    if (auto cases = reader_.sequence(*fields->get("cases"), "`cases`")) {
      for (const YAML::Node& item : *cases)
        if (auto testCase = loadCase(item)) suite.cases.push_back(std::move(*testCase));
    }
    if (reader_.hadErrors() || !inventoryOk) return std::nullopt;
    return suite;
  }

 private:
  // A path named by the test file, resolved against its directory; CP5016 if it is missing.
  std::optional<std::string> referencedFile(const YAML::Node& node, std::string_view what) {
    auto text = reader_.scalar(node, what);
    if (!text) return std::nullopt;
    if (text->empty()) {
      reader_.report(DiagCode::CP5004, reader_.at(node), std::string(what) + " is empty");
      return std::nullopt;
    }
    fs::path resolved = fs::path(*text).is_absolute() ? fs::path(*text) : directory_ / *text;
    std::string result = resolved.lexically_normal().string();
    std::error_code ec;
    if (!fs::exists(resolved, ec)) {
      reader_.report(DiagCode::CP5016, reader_.at(node), std::string(what) + " `" + *text + "` not found",
                     "looked for " + result + " (paths are relative to the test file)",
                     static_cast<int>(text->size()));
      return std::nullopt;
    }
    return result;
  }

  void loadPolicies(const YAML::Node& node, TestSuite& suite) {
    std::vector<YAML::Node> items;
    if (node.IsScalar()) items.push_back(node);  // a single path
    else if (auto list = reader_.sequence(node, "`policies`")) items = std::move(*list);
    for (const YAML::Node& item : items)
      if (auto file = referencedFile(item, "policy file")) suite.policyFiles.push_back(std::move(*file));
  }

  bool loadInventory(const YAML::Node& node, const InputYamlFields& fields, TestSuite& suite) {
    if (node.IsMap()) {
      suite.inlineInventory = inventoryFromYaml(node, path_, diags_);
      return suite.inlineInventory.has_value();
    }
    if (node.IsNull()) {
      reader_.report(DiagCode::CP5004, reader_.valueLocation(fields, "inventory"), "`inventory` is empty",
                     "name an inventory file, or write the inventory inline as a mapping");
      return false;
    }
    if (auto file = referencedFile(node, "inventory file")) {
      suite.inventoryFile = std::move(*file);
      return true;
    }
    return false;
  }

  std::optional<std::string> requiredText(const InputYamlFields& fields, std::string_view key) {
    auto text = reader_.scalar(*fields.get(key), "`" + std::string(key) + "`");
    if (text && text->empty()) {
      reader_.report(DiagCode::CP5004, reader_.valueLocation(fields, key), "`" + std::string(key) + "` is empty");
      return std::nullopt;
    }
    return text;
  }

  std::optional<TestCase> loadCase(const YAML::Node& item) {
    auto fields = reader_.mapping(item, kCaseKeys, "a test case");
    if (!fields || !reader_.requireKeys(*fields, item, {"from", "to", "expect"}, "test case")) return std::nullopt;
    TestCase testCase;
    testCase.location = reader_.at(item);
    if (const YAML::Node* name = fields->get("name")) {
      auto text = reader_.scalar(*name, "`name`");
      if (!text) return std::nullopt;
      testCase.name = *text;
    }
    auto from = requiredText(*fields, "from");
    auto to = requiredText(*fields, "to");
    auto protocol = loadProtocol(*fields);
    auto expect = loadExpect(*fields->get("expect"));
    if (!from || !to || !protocol || !expect) return std::nullopt;
    testCase.from = *from;
    testCase.to = *to;
    testCase.protocol = *protocol;
    testCase.expect = *expect;
    auto port = isIcmp(*protocol) ? loadIcmpType(*fields, *protocol, item) : loadPort(*fields, *protocol, item);
    if (!port) return std::nullopt;
    testCase.port = *port;
    return testCase;
  }

  std::optional<Protocol> loadProtocol(const InputYamlFields& fields) {
    const YAML::Node* node = fields.get("proto");
    if (!node) return Protocol::TCP;
    auto text = reader_.scalar(*node, "`proto`");
    if (!text) return std::nullopt;
    std::string word = lowercase(*text);
    if (std::find(kProbeProtocols.begin(), kProbeProtocols.end(), word) != kProbeProtocols.end())
      return protocolFromName(word);
    std::string hint = word == "any" ? "a probe is one concrete packet: pick tcp, udp or sctp"
                                     : didYouMean(word, kProbeProtocols);
    reader_.report(DiagCode::CP5012, reader_.valueLocation(fields, "proto"), "unknown protocol `" + *text + "`",
                   hint, static_cast<int>(std::max<size_t>(1, text->size())));
    return std::nullopt;
  }

  std::optional<Verdict> loadExpect(const YAML::Node& node) {
    auto text = reader_.scalar(node, "`expect`");
    if (!text) return std::nullopt;
    std::string word = lowercase(*text);
    if (word == "allow") return Verdict::Allow;
    if (word == "deny") return Verdict::Deny;
    reader_.report(DiagCode::CP5015, reader_.at(node), "`expect` must be `allow` or `deny`, found `" + *text + "`",
                   didYouMean(word, kVerdicts), static_cast<int>(std::max<size_t>(1, text->size())));
    return std::nullopt;
  }

  // The key that does not apply to `protocol` must be absent (CP5018).
  bool rejectKey(const InputYamlFields& fields, std::string_view key, Protocol protocol, std::string_view instead) {
    if (!fields.has(key)) return true;
    reader_.report(DiagCode::CP5018, reader_.at(*fields.keyNode(key)),
                   "`" + std::string(key) + "` does not apply to " + protocolName(protocol) + " probes",
                   "use `" + std::string(instead) + "`", static_cast<int>(key.size()));
    return false;
  }

  std::optional<uint16_t> loadPort(const InputYamlFields& fields, Protocol protocol, const YAML::Node& item) {
    if (!rejectKey(fields, "type", protocol, "port")) return std::nullopt;
    const YAML::Node* node = fields.get("port");
    if (!node) {
      reader_.report(DiagCode::CP5013, reader_.at(item),
                     "test case for " + protocolName(protocol) + " has no `port`", "add `port: 1..65535`");
      return std::nullopt;
    }
    auto text = reader_.scalar(*node, "`port`");
    if (!text) return std::nullopt;
    unsigned long port = 0;
    if (!parseUnsigned(*text, 65535, port) || port == 0) {
      reader_.report(DiagCode::CP5013, reader_.valueLocation(fields, "port"),
                     "invalid port `" + *text + "`", "a probe's port is a number from 1 to 65535",
                     static_cast<int>(std::max<size_t>(1, text->size())));
      return std::nullopt;
    }
    return static_cast<uint16_t>(port);
  }

  std::optional<uint16_t> loadIcmpType(const InputYamlFields& fields, Protocol protocol, const YAML::Node& item) {
    if (!rejectKey(fields, "port", protocol, "type")) return std::nullopt;
    const YAML::Node* node = fields.get("type");
    if (!node) {
      reader_.report(DiagCode::CP5014, reader_.at(item),
                     "test case for " + protocolName(protocol) + " has no `type`",
                     "add `type: echo-request` (or a number 0-255)");
      return std::nullopt;
    }
    auto text = reader_.scalar(*node, "`type`");
    if (!text) return std::nullopt;
    unsigned long number = 0;
    if (parseUnsigned(*text, 255, number)) return static_cast<uint16_t>(number);
    if (auto named = icmpTypeFromName(protocol, *text)) return *named;
    reader_.report(DiagCode::CP5014, reader_.valueLocation(fields, "type"),
                   "unknown " + protocolName(protocol) + " type `" + *text + "`",
                   didYouMean(*text, icmpTypeNames(protocol)), static_cast<int>(std::max<size_t>(1, text->size())));
    return std::nullopt;
  }

  InputYamlReader& reader_;
  std::string path_;
  DiagnosticEngine& diags_;
  fs::path directory_;
};

}  // namespace

std::optional<TestSuite> loadTestFile(const std::string& path, const std::string& text, DiagnosticEngine& diags) {
  InputYamlReader reader(path, diags);
  auto root = reader.parse(text);
  if (!root) return std::nullopt;
  try {
    return TestFileLoader(reader, path, diags).load(*root);
  } catch (const YAML::Exception& e) {
    // Not expected (shapes are checked before use), but bad input must never crash.
    reader.report(DiagCode::CP5001, reader.atMark(e.mark),
                  "cannot read the test file: " + e.msg);
    return std::nullopt;
  }
}

}  // namespace ciliumc

// Helpers shared by the policy-language unit tests (lang_parse/format/print_test.cpp): parsing a
// text in one call, and a location-free description of the model, so two models can be
// compared for equality ("parse(fmt(x)) == parse(x)") with a readable diff on failure.
#pragma once
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/test_suite.h"
#include "frontend/lang/parse_policy.h"
#include "ir/policy.h"

namespace ciliumc::testing {

// The language design example (docs/language.md): one policy that uses every rule form, with
// `#` and `//` comments. The parse tests check its model; the fmt tests check fmt keeps it.
inline constexpr const char* kDeathstarPolicy = R"(# comments: `#` or `//` to end of line
policy deathstar {
  description "only empire ships land"
  namespace default                 # optional
  labels { team = security }
  select { k8s:org = empire, k8s:class = deathstar }
  ingress {
    allow from { k8s:org = empire } on tcp/80, tcp/443
    allow from entity host
    deny  from cidr 0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12 on tcp/22
    require { k8s:env = prod }      // Cilium fromRequires
  }
  egress {
    allow to { k8s:io.kubernetes.pod.namespace = kube-system, k8s:k8s-app = kube-dns } on udp/53, tcp/53
    allow to entity world on tcp/443
    allow to cidr 192.0.2.0/24 on tcp/8000-8100
    allow to entity all on icmp/echo-request, icmpv6/echo-request
    allow to entity host, entity remote-node, { app = metrics }
    allow on tcp/8080
  }
}
)";

struct ParsedText {
  bool ok = false;
  PolicySet policies;
  std::vector<TestSuite> tests;
  DiagnosticEngine diags;

  std::vector<std::string> codes() const {
    std::vector<std::string> out;
    for (const auto& d : diags.diagnostics()) out.emplace_back(diagInfo(d.code).code);
    return out;
  }
  std::string rendered() const {
    std::ostringstream out;
    diags.renderText(out, false);
    return out.str();
  }
};

inline ParsedText parseText(const std::string& text, const std::string& path = "dir/test.policy") {
  ParsedText parsed;
  parsed.ok = parsePolicyLanguage(path, text, parsed.diags, parsed.policies, parsed.tests);
  return parsed;
}

inline std::string describeDirection(const DirectionRules& rules, Direction direction) {
  std::ostringstream out;
  out << directionName(direction) << " defaultDeny=" << rules.enablesDefaultDeny << "\n";
  for (const auto& entry : rules.entries) {
    out << "  #" << entry.index << " " << verdictName(entry.verdict) << " peers=";
    if (!entry.peers) {
      out << "<all>";
    } else {
      out << "[";
      for (const auto& peer : *entry.peers) {
        out << " " << static_cast<int>(peer.kind) << ":";
        if (peer.kind == Peer::Kind::Selector) out << peer.selector.toString();
        if (peer.kind == Peer::Kind::Entity) out << entityName(peer.entity);
        if (peer.kind == Peer::Kind::Cidr) {
          out << peer.cidr.prefix.toString();
          for (const auto& e : peer.cidr.except) out << " except " << e.toString();
        }
      }
      out << " ]";
    }
    out << " l4=";
    for (const auto& p : entry.l4.ports) out << p.toString() << "(" << p.first << "-" << p.last << ") ";
    for (const auto& i : entry.l4.icmps) out << protocolName(i.protocol) << ":" << int(i.type) << " ";
    out << "\n";
  }
  for (const auto& r : rules.requirements) out << "  require " << r.toString() << "\n";
  return out.str();
}

// Everything in the model except source locations.
inline std::string describeModel(const PolicySet& policies) {
  std::ostringstream out;
  for (const auto& rule : policies.rules) {
    out << "policy " << rule.name << " ns=" << rule.namespaceName << " origin=" << rule.origin
        << " description=" << rule.description << " labels=" << rule.policyLabels.toString()
        << " subject=" << rule.subject.toString() << "\n";
    out << describeDirection(rule.ingress, Direction::Ingress);
    out << describeDirection(rule.egress, Direction::Egress);
  }
  return out.str();
}

inline std::string describeTests(const std::vector<TestSuite>& suites) {
  std::ostringstream out;
  for (const auto& suite : suites) {
    out << "test " << suite.name << " inventory=" << suite.inventoryFile << " policies=";
    for (const auto& f : suite.policyFiles) out << f << ";";
    out << "\n";
    for (const auto& c : suite.cases)
      out << "  " << c.name << " | " << verdictName(c.expect) << " " << c.from << " " << c.to << " "
          << protocolName(c.protocol) << " " << c.port << "\n";
  }
  return out.str();
}

// A policy-language text and where it came from.
struct CorpusEntry {
  std::string name;
  std::string text;
};

inline std::string readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every `.policy` file under examples/ and test/ of the source tree, found at test time, so new
// files are covered without touching the tests.
inline std::vector<CorpusEntry> policyFilesOfTheRepository() {
  std::vector<CorpusEntry> corpus;
  for (const char* top : {"examples", "test"}) {
    std::filesystem::path root = std::filesystem::path(CILIUMC_SOURCE_DIR) / top;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      // lit writes split-file outputs under Output/ next to the tests: not sources.
      if (entry.path().string().find("/Output/") != std::string::npos) continue;
      if (entry.is_regular_file() && entry.path().extension() == ".policy")
        corpus.push_back({entry.path().string(), readWholeFile(entry.path())});
    }
  }
  std::sort(corpus.begin(), corpus.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return corpus;
}

}  // namespace ciliumc::testing

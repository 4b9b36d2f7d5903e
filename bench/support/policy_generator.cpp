#include "bench/support/policy_generator.h"

#include <fmt/format.h>

#include <algorithm>

namespace ciliumc::bench {

std::vector<int> Choices::distinct(int n, int count) {
  std::vector<int> all(n);
  for (int i = 0; i < n; ++i) all[i] = i;
  for (int i = 0; i < count; ++i) std::swap(all[i], all[i + below(n - i)]);
  all.resize(count);
  return all;
}

std::string Choices::twoOf(const std::vector<std::string>& items) {
  std::vector<int> picks = distinct(static_cast<int>(items.size()), 2);
  return items[picks[0]] + ", " + items[picks[1]];
}

std::string withThousands(long long value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string text;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
    text += digits[i];
  }
  return (value < 0 ? "-" : "") + text;
}

namespace {

const std::vector<std::string> kTiers = {"web", "backend", "data"};
const std::vector<std::string> kRoles = {"admin", "worker", "reader", "batch"};
const std::vector<std::string> kEnvs = {"prod", "staging", "dev", "test"};
const std::vector<std::string> kEntities = {"world", "host", "remote-node", "cluster", "kube-apiserver"};

// One selector requirement of a different shape for each `shape` (0..6).
std::string selectorRequirement(const GeneratorSettings& settings, int shape, Choices& choose) {
  switch (shape) {
    case 0:
      return fmt::format("app = app{}", choose.below(settings.apps));
    case 1:
      return fmt::format("k8s:tier in ({})", choose.twoOf(kTiers));
    case 2:
      return fmt::format("role != {}", choose.among(kRoles));
    case 3:
      return fmt::format("env notin ({})", choose.twoOf(kEnvs));
    case 4:
      return fmt::format("k8s:io.kubernetes.pod.namespace = ns{}", choose.below(settings.namespaces));
    case 5:
      return "canary";
    default:
      return "!canary";
  }
}

// `{ a, b }` with 1..3 requirements of distinct shapes (never both `canary` and `!canary`).
std::string selector(const GeneratorSettings& settings, Choices& choose) {
  std::string text = "{ ";
  bool first = true;
  for (int shape : choose.distinct(7, 1 + choose.below(3))) {
    if (shape >= 5 && text.find("canary") != std::string::npos) continue;
    text += (first ? "" : ", ") + selectorRequirement(settings, shape, choose);
    first = false;
  }
  return text + " }";
}

std::string cidrPeer(Choices& choose) {
  if (choose.oneIn(4)) {
    const int block = choose.below(0xffff);
    return fmt::format("cidr 2001:db8:{:x}::/48 except 2001:db8:{:x}:{:x}::/64", block, block,
                       1 + choose.below(0xfffe));
  }
  const int a = 1 + choose.below(200), b = choose.below(256);
  std::string text = fmt::format("cidr {}.{}.0.0/16", a, b);
  const int excepts = choose.below(3);
  for (int i = 0; i < excepts; ++i) {
    text += fmt::format("{}{}.{}.{}.0/24", i == 0 ? " except " : ", ", a, b, choose.below(256));
  }
  return text;
}

// The peer part of an entry, "" for an entry without peers (every peer).
std::string peers(const GeneratorSettings& settings, Choices& choose) {
  switch (choose.below(10)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return selector(settings, choose);
    case 4:
      return "entity " + choose.among(kEntities);
    case 5:
    case 6:
      return cidrPeer(choose);
    case 7: {
      const std::string cidr = cidrPeer(choose);
      const std::string labels = selector(settings, choose);
      return fmt::format("entity {}, {}, {}", choose.among(kEntities), labels, cidr);
    }
    case 8: {
      const std::string second = selector(settings, choose);
      return selector(settings, choose) + ", " + second;
    }
    default:
      return "";
  }
}

// Port kinds are chosen distinct per entry and never overlap one another, so the generated
// entries carry no redundant ports.
std::string onePort(int kind, Choices& choose) {
  switch (kind) {
    case 0:
      return fmt::format("tcp/{}", 1 + choose.below(999));
    case 1: {
      const int first = 1024 + choose.below(60000);
      return fmt::format("tcp/{}-{}", first, first + choose.below(500));
    }
    case 2:
      return "udp/53";
    case 3:
      return "any/8443";
    case 4:
      return fmt::format("sctp/{}", 1 + choose.below(10000));
    case 5:
      return "icmp/echo-request";
    case 6:
      return "icmpv6/echo-request";
    case 7:
      return "icmp/0";
    default:
      return fmt::format("udp/{}-{}", 5000, 5000 + choose.below(100));
  }
}

// " on p1, p2" with 0..3 ports; at least one when there are no peers, so that such entries
// stay narrower than "everything".
std::string ports(Choices& choose, bool needsOne) {
  int count = choose.below(4);
  if (needsOne && count == 0) count = 1;
  std::string text;
  bool first = true;
  for (int kind : choose.distinct(9, count)) {
    text += (first ? " on " : ", ") + onePort(kind, choose);
    first = false;
  }
  return text;
}

std::string direction(const GeneratorSettings& settings, Choices& choose, const char* name, const char* peerWord,
                      int entries) {
  std::string text = fmt::format("  {} {{\n", name);
  if (settings.requireOneIn > 0 && choose.oneIn(settings.requireOneIn))
    text += fmt::format("    require {{ env = {} }}\n", choose.among(kEnvs));
  for (int i = 0; i < entries; ++i) text += generateEntry(settings, choose, peerWord);
  return text + "  }\n";
}

// A deny as operators write them: named apps (sometimes one tier of them) or a CIDR, on ports.
std::string narrowDeny(const GeneratorSettings& settings, Choices& choose, const char* peerWord) {
  std::string peerText;
  if (choose.oneIn(4)) {
    peerText = cidrPeer(choose);
  } else {
    peerText = fmt::format("{{ app = app{} }}", choose.below(settings.apps));
    if (choose.oneIn(3)) peerText.insert(peerText.size() - 2, fmt::format(", tier = {}", choose.among(kTiers)));
  }
  return fmt::format("    deny  {} {}{}\n", peerWord, peerText, ports(choose, true));
}

int subjectApp(const GeneratorSettings& settings, Choices& choose) {
  if (settings.hotAppOneIn > 0 && choose.oneIn(settings.hotAppOneIn)) return 0;
  return choose.below(settings.apps);
}

}  // namespace

std::string generateEntry(const GeneratorSettings& settings, Choices& choose, const char* peerWord) {
  const bool deny = choose.oneIn(5);
  if (deny && settings.narrowDenies) return narrowDeny(settings, choose, peerWord);
  const char* verdict = deny ? "deny " : "allow";
  const std::string peerText = peers(settings, choose);
  std::string text = fmt::format("    {}", verdict);
  if (!peerText.empty()) text += fmt::format(" {} {}", peerWord, peerText);
  return text + ports(choose, peerText.empty()) + "\n";
}

std::string generatePolicyText(const GeneratorSettings& settings, Choices& choose) {
  std::string text = fmt::format("# Generated by {}: {} policies x {} entries.\n", settings.generatedBy,
                                 withThousands(settings.policies), settings.entriesPerPolicy);
  for (int p = 0; p < settings.policies; ++p) {
    text += fmt::format("policy p{:04} {{\n", p);
    if (choose.oneIn(4)) text += fmt::format("  description \"generated policy {}\"\n", p);
    if (choose.oneIn(3)) text += fmt::format("  namespace ns{}\n", choose.below(settings.namespaces));
    if (choose.oneIn(50)) {
      text += "  select {}\n";
    } else if (choose.oneIn(2)) {
      text += fmt::format("  select {{ app = app{} }}\n", subjectApp(settings, choose));
    } else {
      const std::string& tier = choose.among(kTiers);
      text += fmt::format("  select {{ k8s:app = app{}, tier = {} }}\n", subjectApp(settings, choose), tier);
    }
    const int egressEntries = choose.below(std::min(6, settings.entriesPerPolicy));
    text += direction(settings, choose, "ingress", "from", settings.entriesPerPolicy - egressEntries);
    if (egressEntries > 0) text += direction(settings, choose, "egress", "to", egressEntries);
    text += "}\n";
  }
  return text;
}

std::string generateInventoryText(const GeneratorSettings& settings, Choices& choose,
                                  const std::string& extraEndpoints) {
  std::string text = fmt::format("# Generated by {}: {} endpoints in {} namespaces.\n", settings.generatedBy,
                                 withThousands(settings.endpoints), settings.namespaces);
  text += "cluster: bench\nnamespaces:\n";
  for (int n = 0; n < settings.namespaces; ++n) {
    text += fmt::format(
        "  - {{name: ns{0}, labels: {{kubernetes.io/metadata.name: ns{0}, env: {1}, "
        "team: team{2}}}}}\n",
        n, choose.among(kEnvs), n % 7);
  }
  text += "endpoints:\n";
  for (int e = 0; e < settings.endpoints; ++e) {
    const int ns = e % settings.namespaces, slot = e / settings.namespaces;
    const std::string& env = choose.among(kEnvs);
    const std::string& role = choose.among(kRoles);
    const std::string& tier = choose.among(kTiers);
    std::string labels = fmt::format("app: app{}, tier: {}, role: {}, env: {}", choose.below(settings.apps), tier, role, env);
    if (choose.oneIn(10)) labels += ", canary: \"true\"";
    std::string ips = fmt::format("10.{}.{}.{}", ns, 1 + slot / 200, 10 + slot % 200);
    if (choose.oneIn(3)) ips += fmt::format(", \"fd00:10:{}::{}\"", ns, 10 + slot);
    text += fmt::format("  - {{name: pod{}, namespace: ns{}, labels: {{{}}}, ips: [{}]}}\n", e, ns, labels, ips);
  }
  text += extraEndpoints;
  text += "nodes:\n";
  text += "  - {name: node-1, ips: [192.168.10.1], local: true}\n";
  text += "  - {name: node-2, ips: [192.168.10.2], local: false}\n";
  text += "externals:\n";
  text += "  - {name: customer, ips: [203.0.113.50, \"2001:db8::50\"]}\n";
  text += "  - {name: upstream-dns, ips: [192.0.2.53]}\n";
  return text;
}

}  // namespace ciliumc::bench

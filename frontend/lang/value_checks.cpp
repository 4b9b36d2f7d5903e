#include "frontend/lang/value_checks.h"

#include <algorithm>
#include <fmt/format.h>

#include "ir/labels.h"
#include "support/strings.h"

namespace ciliumc {

SourceLocation locationAtOffset(const SourceLocation& at, size_t offset) {
  SourceLocation shifted = at;
  if (shifted.column > 0) shifted.column += static_cast<int>(offset);
  return shifted;
}

namespace {

int lengthOf(std::string_view text) { return std::max<int>(1, static_cast<int>(text.size())); }

std::string didYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string match = closestMatch(word, candidates);
  return match.empty() ? "" : fmt::format("did you mean `{}`?", match);
}

// Reports an Expected<> failure of an ir/ parser at the offset it names inside `text`.
void reportAtOffset(DiagnosticEngine& diags, DiagCode code, const SourceLocation& at,
                    std::string_view text, const Error& error, std::string message) {
  size_t offset = std::min(error.offset, text.size());
  int length = std::max<int>(1, static_cast<int>(text.size() - offset));
  diags.report(code, locationAtOffset(at, offset), std::move(message), error.hint, length);
}

}  // namespace

bool checkLabelSource(std::string_view source, const SourceLocation& at, bool inSelector,
                      DiagnosticEngine& diags) {
  const auto& known = knownLabelSources();
  bool isKnown = std::find(known.begin(), known.end(), source) != known.end() || source == source::kAny;
  if (!isKnown) {
    std::vector<std::string> candidates = known;
    if (inSelector && std::find(candidates.begin(), candidates.end(), source::kAny) == candidates.end())
      candidates.emplace_back(source::kAny);
    diags.report(DiagCode::CP3003, at, fmt::format("unknown label source `{}`", source),
                 didYouMean(source, candidates), lengthOf(source));
    return false;
  }
  if (!inSelector && source == source::kAny) {
    diags.report(DiagCode::CP3004, at, "the source `any` is only valid in selectors",
                 "leave the source out (the label is then `unspec`) or name it, e.g. `k8s:`",
                 lengthOf(source));
    return false;
  }
  return true;
}

bool checkLabelKey(std::string_view key, const SourceLocation& at, DiagnosticEngine& diags) {
  auto valid = validateLabelKey(key);
  if (valid) return true;
  std::string hint = valid.error().hint;
  if (hint.empty() && key.find(':') != std::string_view::npos)
    hint = "to give the key a source, write it unquoted: `source:key`";
  reportAtOffset(diags, DiagCode::CP3001, at, key, Error{valid.error().message, valid.error().offset, hint},
                 fmt::format("invalid label key `{}`: {}", key, valid.error().message));
  return false;
}

bool checkLabelValue(std::string_view value, const SourceLocation& at, DiagnosticEngine& diags) {
  auto valid = validateLabelValue(value);
  if (valid) return true;
  reportAtOffset(diags, DiagCode::CP3002, at, value, valid.error(),
                 fmt::format("invalid label value `{}`: {}", value, valid.error().message));
  return false;
}

bool checkNamespaceName(std::string_view name, const SourceLocation& at, DiagnosticEngine& diags) {
  auto isAlnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  std::string problem;
  size_t offset = 0;
  if (name.empty()) {
    problem = "it is empty";
  } else if (name.size() > 63) {
    problem = "it is longer than 63 characters";
    offset = 63;
  } else {
    for (size_t i = 0; i < name.size() && problem.empty(); ++i) {
      char c = name[i];
      bool edge = i == 0 || i + 1 == name.size();
      if (isAlnum(c) || (c == '-' && !edge)) continue;
      offset = i;
      problem = c == '-' ? "it must start and end with a letter or digit"
                         : fmt::format("`{}` is not allowed (lowercase letters, digits and `-` only)", c);
    }
  }
  if (problem.empty()) return true;
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string hint = lower != name ? fmt::format("namespace names are lowercase: `{}`", lower) : "";
  diags.report(DiagCode::CP3006, locationAtOffset(at, offset),
               fmt::format("invalid namespace name `{}`: {}", name, problem), hint,
               lengthOf(name.substr(std::min(offset, name.size()))));
  return false;
}

namespace {

// When `text` is a valid address and length whose only fault is set host bits, the prefix the
// user probably meant (`10.1.2.3/8` -> `10.0.0.0/8`).
std::optional<IpPrefix> maskedPrefix(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = IpAddress::parse(text.substr(0, slash));
  unsigned long length = 0;
  if (!address || !parseUnsigned(text.substr(slash + 1), address->bitLength(), length)) return std::nullopt;
  IpPrefix prefix;
  prefix.address = *address;
  prefix.length = static_cast<int>(length);
  for (int bit = prefix.length; bit < address->bitLength(); ++bit)
    prefix.address.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  return prefix;
}

}  // namespace

std::optional<IpPrefix> checkedCidr(std::string_view text, const SourceLocation& at, DiagnosticEngine& diags) {
  auto prefix = IpPrefix::parse(text);
  if (prefix) return *prefix;
  Error error = prefix.error();
  if (auto masked = maskedPrefix(text); masked && error.hint.empty())
    error.hint = fmt::format("the address has bits set after the prefix length; did you mean `{}`?",
                             masked->toString());
  reportAtOffset(diags, DiagCode::CP3010, at, text, error,
                 fmt::format("invalid CIDR `{}`: {}", text, prefix.error().message));
  return std::nullopt;
}

bool checkExceptInside(const IpPrefix& parent, const IpPrefix& except, const SourceLocation& at,
                       DiagnosticEngine& diags) {
  if (parent.contains(except)) return true;
  std::string exceptText = except.toString();
  diags.report(DiagCode::CP3011, at,
               fmt::format("except `{}` is not inside `{}`", exceptText, parent.toString()),
               parent.address.family != except.address.family
                   ? "the except prefix and its CIDR are of different address families"
                   : "an except must be equal to or inside the CIDR it carves a hole into",
               lengthOf(exceptText));
  return false;
}

std::optional<PortSpec> checkedPortSpec(std::string_view text, const SourceLocation& at, DiagnosticEngine& diags) {
  size_t slash = text.find('/');
  std::string_view protocolText = text.substr(0, slash);
  auto protocol = protocolFromName(protocolText);
  if (!protocol) {
    static const std::vector<std::string> kProtocols = {"tcp", "udp", "sctp", "any", "icmp", "icmpv6"};
    diags.report(DiagCode::CP3020, at, fmt::format("unknown protocol `{}`", protocolText),
                 didYouMean(protocolText, kProtocols), lengthOf(protocolText));
    return std::nullopt;
  }
  bool isIcmp = *protocol == Protocol::ICMP || *protocol == Protocol::ICMPv6;
  if (isIcmp && slash != std::string_view::npos) {
    std::string_view typeText = text.substr(slash + 1);
    unsigned long number = 0;
    bool numeric = !typeText.empty() && std::isdigit(static_cast<unsigned char>(typeText[0]));
    if (!numeric && !icmpTypeFromName(*protocol, typeText)) {
      diags.report(DiagCode::CP3021, locationAtOffset(at, slash + 1),
                   fmt::format("unknown {} type `{}`", protocolName(*protocol), typeText),
                   didYouMean(typeText, icmpTypeNames(*protocol)), lengthOf(typeText));
      return std::nullopt;
    }
    if (numeric && !parseUnsigned(typeText, 255, number)) {
      diags.report(DiagCode::CP3021, locationAtOffset(at, slash + 1),
                   fmt::format("{} type `{}` is not a number from 0 to 255", protocolName(*protocol), typeText),
                   "", lengthOf(typeText));
      return std::nullopt;
    }
  }
  auto spec = parsePortSpec(text);
  if (spec) return *spec;
  reportAtOffset(diags, DiagCode::CP3020, at, text, spec.error(),
                 fmt::format("invalid port `{}`: {}", text, spec.error().message));
  return std::nullopt;
}

std::optional<Entity> checkedEntity(std::string_view text, const SourceLocation& at, DiagnosticEngine& diags) {
  if (auto entity = entityFromName(text)) return entity;
  diags.report(DiagCode::CP3030, at, fmt::format("unknown entity `{}`", text),
               didYouMean(text, entityNames()), lengthOf(text));
  return std::nullopt;
}

}  // namespace ciliumc

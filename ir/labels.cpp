#include "ir/labels.h"

#include <algorithm>

#include "support/strings.h"

namespace ciliumc {

namespace {

// Kubernetes limits (apimachinery validation): qualified-name part and DNS-1123 subdomain.
constexpr size_t kMaxNameLength = 63;
constexpr size_t kMaxPrefixLength = 253;
constexpr size_t kMaxValueLength = 63;

bool isAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isNameInnerChar(char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; }

std::string quoted(char c) {
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return "a non-printable byte";
  return std::string("`") + c + "`";
}

Error errorAt(size_t offset, std::string message, std::string hint = {}) {
  return Error{std::move(message), offset, std::move(hint)};
}

// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`, at most 63 bytes. Used for the name part of a key
// and for values (what = "label key"/"label value"). Offsets are relative to `s`.
Expected<bool> validateQualifiedWord(std::string_view s, std::string_view what) {
  if (s.size() > kMaxNameLength)
    return errorAt(kMaxNameLength, std::string(what) + " is " + std::to_string(s.size()) +
                                       " characters long; the limit is 63");
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool atEdge = i == 0 || i + 1 == s.size();
    if (isAlnum(c)) continue;
    if (isNameInnerChar(c)) {
      if (atEdge)
        return errorAt(i, std::string(what) + " must begin and end with a letter or digit, not " + quoted(c));
      continue;
    }
    std::string hint;
    if (c == ':') hint = "`:` separates a known source (k8s, container, reserved, ...) from the key";
    else if (c == ' ') hint = "labels cannot contain spaces";
    return errorAt(i, std::string(what) + " contains invalid character " + quoted(c) +
                          " (allowed: letters, digits, `-`, `_`, `.`)", hint);
  }
  return true;
}

// DNS-1123 subdomain: lowercase labels of `[a-z0-9]([-a-z0-9]*[a-z0-9])?` joined by '.'.
Expected<bool> validateKeyPrefix(std::string_view s) {
  if (s.empty()) return errorAt(0, "label key prefix before `/` is empty");
  if (s.size() > kMaxPrefixLength)
    return errorAt(kMaxPrefixLength, "label key prefix is " + std::to_string(s.size()) +
                                         " characters long; the limit is 253");
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool segmentStart = i == 0 || s[i - 1] == '.';
    bool segmentEnd = i + 1 == s.size() || s[i + 1] == '.';
    if (isLowerAlnum(c)) continue;
    if (c >= 'A' && c <= 'Z')
      return errorAt(i, "label key prefix (before `/`) must be a lowercase DNS name, found " + quoted(c));
    if (c == '-' && !segmentStart && !segmentEnd) continue;
    if (c == '.' && !segmentStart && !segmentEnd) continue;
    if (c == '-' || c == '.')
      return errorAt(i, "label key prefix (before `/`) must be a DNS name; " + quoted(c) +
                            " cannot start or end a dot-separated part");
    return errorAt(i, "label key prefix (before `/`) contains invalid character " + quoted(c) +
                          " (allowed: lowercase letters, digits, `-`, `.`)");
  }
  return true;
}

Expected<bool> shiftError(Expected<bool> result, size_t by) {
  if (result) return result;
  Error e = result.error();
  e.offset += by;
  return e;
}

bool isKnownSource(std::string_view s) {
  const auto& sources = knownLabelSources();
  return std::find(sources.begin(), sources.end(), s) != sources.end();
}

// The error for `prefix:rest` where `prefix` is not a known source: the whole text would be a
// key, and keys cannot contain ':'.
Error unknownSourceError(std::string_view prefix, size_t prefixOffset) {
  std::string hint;
  std::string guess = closestMatch(prefix, knownLabelSources());
  if (!guess.empty()) hint = "did you mean `" + guess + ":`?";
  else hint = "known sources: k8s, container, mesos, reserved, unspec, any, cidr, cni, fqdn, node";
  return errorAt(prefixOffset, "unknown label source `" + std::string(prefix) +
                                   "` (a label key cannot contain `:`)", hint);
}

}  // namespace

const std::vector<std::string>& knownLabelSources() {
  static const std::vector<std::string> sources = {
      std::string(source::kK8s),    std::string(source::kContainer), std::string(source::kMesos),
      std::string(source::kReserved), std::string(source::kUnspec), std::string(source::kAny),
      std::string(source::kCidr),   std::string(source::kCni),       std::string(source::kFqdn),
      std::string(source::kNode)};
  return sources;
}

Expected<bool> validateLabelKey(std::string_view s) {
  if (s.empty()) return errorAt(0, "label key is empty", "a label needs a key, as in `app` or `k8s:app=web`");
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return validateQualifiedWord(s, "label key");
  size_t second = s.find('/', slash + 1);
  if (second != std::string_view::npos)
    return errorAt(second, "label key contains more than one `/`",
                   "a key is `[prefix/]name`, as in `app.kubernetes.io/name`");
  if (auto prefix = validateKeyPrefix(s.substr(0, slash)); !prefix) return prefix;
  std::string_view name = s.substr(slash + 1);
  if (name.empty()) return errorAt(slash + 1, "label key has nothing after `/`");
  return shiftError(validateQualifiedWord(name, "label key name (after `/`)"), slash + 1);
}

Expected<bool> validateLabelValue(std::string_view s) {
  if (s.empty()) return true;
  return validateQualifiedWord(s, "label value");
}

Expected<Label> Label::parse(std::string_view text, LabelContext context) {
  Label label;
  size_t keyOffset = 0;
  std::string_view rest = text;
  if (!rest.empty() && rest.front() == '$') {
    label.source = source::kReserved;
    keyOffset = 1;
    rest.remove_prefix(1);
  } else {
    // Only a ':' before any '=' can separate the source (`a=b:c` is a value with a colon).
    size_t colon = rest.find(':');
    size_t equals = rest.find('=');
    if (colon != std::string_view::npos && colon < equals) {
      std::string_view prefix = rest.substr(0, colon);
      if (prefix.empty()) return errorAt(0, "label source before `:` is empty", "write `k8s:key` or just `key`");
      if (!isKnownSource(prefix)) return unknownSourceError(prefix, 0);
      if (prefix == source::kAny && context == LabelContext::Endpoint)
        return errorAt(0, "source `any` is only valid in selectors, not on an endpoint's labels",
                       "use a concrete source such as `k8s:`");
      label.source = prefix;
      keyOffset = colon + 1;
      rest.remove_prefix(colon + 1);
    } else {
      label.source = context == LabelContext::Endpoint ? source::kUnspec : source::kAny;
    }
  }
  size_t equals = rest.find('=');
  std::string_view key = rest.substr(0, equals);
  if (auto ok = validateLabelKey(key); !ok) {
    // A second ':' inside the key after a valid source (`k8s:foo:bar`) is reported by the key
    // validator at the right byte.
    return shiftError(ok, keyOffset).error();
  }
  label.key = key;
  if (equals != std::string_view::npos) {
    std::string_view value = rest.substr(equals + 1);
    size_t valueOffset = keyOffset + equals + 1;
    if (auto ok = validateLabelValue(value); !ok) return shiftError(ok, valueOffset).error();
    label.value = value;
  }
  return label;
}

std::string Label::toString() const {
  std::string text = source + ":" + key;
  if (!value.empty()) text += "=" + value;
  return text;
}

std::string Label::toIdentityString() const { return source + ":" + key + "=" + value; }

bool selectorLabelMatches(const Label& selectorLabel, const Label& endpointLabel) {
  if (selectorLabel.source != source::kAny && selectorLabel.source != endpointLabel.source) return false;
  return selectorLabel.key == endpointLabel.key && selectorLabel.value == endpointLabel.value;
}

namespace {
bool sameSlot(const Label& a, const Label& b) { return a.source == b.source && a.key == b.key; }
bool slotLess(const Label& a, const Label& b) {
  return a.source != b.source ? a.source < b.source : a.key < b.key;
}
}  // namespace

LabelSet::LabelSet(std::vector<Label> labels) {
  for (auto& label : labels) add(std::move(label));
}

void LabelSet::add(Label label) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), label, slotLess);
  if (it != labels_.end() && sameSlot(*it, label)) *it = std::move(label);
  else labels_.insert(it, std::move(label));
}

std::vector<const Label*> LabelSet::find(std::string_view source, std::string_view key) const {
  std::vector<const Label*> found;
  for (const auto& label : labels_)
    if (label.key == key && (source == source::kAny || label.source == source)) found.push_back(&label);
  return found;
}

bool LabelSet::has(const Label& selectorLabel) const {
  return std::any_of(labels_.begin(), labels_.end(),
                     [&](const Label& l) { return selectorLabelMatches(selectorLabel, l); });
}

std::string LabelSet::toString() const {
  std::string text;
  for (const auto& label : labels_) {
    if (!text.empty()) text += ", ";
    text += label.toString();
  }
  return text;
}

}  // namespace ciliumc

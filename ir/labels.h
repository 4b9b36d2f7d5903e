// Labels: `source:key=value` (value optional). The identity of a workload is derived from its
// labels; selectors match labels. Rules follow Cilium exactly (see docs/language.md#labels).
#pragma once
#include <compare>
#include <string>
#include <string_view>
#include <vector>

#include "support/expected.h"

namespace ciliumc {

// Well-known label sources.
namespace source {
inline constexpr std::string_view kK8s = "k8s";
inline constexpr std::string_view kContainer = "container";
inline constexpr std::string_view kMesos = "mesos";
inline constexpr std::string_view kReserved = "reserved";
inline constexpr std::string_view kUnspec = "unspec";
inline constexpr std::string_view kAny = "any";  // selectors only: matches every source
inline constexpr std::string_view kCidr = "cidr";
inline constexpr std::string_view kCni = "cni";
inline constexpr std::string_view kFqdn = "fqdn";
inline constexpr std::string_view kNode = "node";
}  // namespace source

// The sources a user may write. `any` is valid only in selectors.
const std::vector<std::string>& knownLabelSources();

// A label written without a source is `unspec` on an endpoint and `any` in a selector.
enum class LabelContext { Endpoint, Selector };

struct Label {
  std::string source;
  std::string key;
  std::string value;  // empty = value-less label

  // Parses `source:key=value`, `key=value`, `key`, `$host` (= reserved:host). The first ':'
  // splits the source (only when the prefix is a known source), the first '=' the value.
  static Expected<Label> parse(std::string_view text, LabelContext context);
  // `source:key=value`, or `source:key` when the value is empty.
  std::string toString() const;
  // Always `source:key=value` (with '='), the form used in identity keys.
  std::string toIdentityString() const;
  auto operator<=>(const Label&) const = default;
};

// Validation of the parts (Kubernetes-compatible charset). Error offsets are relative to `s`.
Expected<bool> validateLabelKey(std::string_view s);
Expected<bool> validateLabelValue(std::string_view s);

// Does a selector label match an endpoint label? Source `any` on the selector side ignores the
// source; otherwise sources must be equal. Keys and values must be equal — so a value-less
// selector label matches only value-less labels.
bool selectorLabelMatches(const Label& selectorLabel, const Label& endpointLabel);

// A set of labels, sorted and unique by (source, key): one value per key per source.
class LabelSet {
 public:
  LabelSet() = default;
  explicit LabelSet(std::vector<Label> labels);  // later duplicates of (source,key) win

  void add(Label label);  // replaces an existing (source, key)
  const std::vector<Label>& labels() const { return labels_; }
  bool empty() const { return labels_.empty(); }
  size_t size() const { return labels_.size(); }
  // Labels with this key whose source matches `source` (`any` = every source).
  std::vector<const Label*> find(std::string_view source, std::string_view key) const;
  bool has(const Label& selectorLabel) const;  // some label matches selectorLabel
  std::string toString() const;  // "k8s:a=b, k8s:c" — comma separated, sorted
  auto operator<=>(const LabelSet&) const = default;

 private:
  std::vector<Label> labels_;
};

}  // namespace ciliumc

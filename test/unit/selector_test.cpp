// Label selectors: requirement semantics (In / NotIn / Exists / DoesNotExist, sources, value-less
// labels), normalisation (sorted + unique so equal selectors compare equal) and language printing.
#include "ir/selector.h"

#include <gtest/gtest.h>

namespace ciliumc {
namespace {

Requirement req(std::string source, std::string key, SelectorOperator op, std::vector<std::string> values = {}) {
  return Requirement{std::move(source), std::move(key), op, std::move(values)};
}

const LabelSet kWeb({{"k8s", "app", "web"}, {"k8s", "tier", "frontend"}, {"k8s", "canary", ""}});

TEST(RequirementMatch, InMatchesAValueInTheSet) {
  EXPECT_TRUE(req("any", "app", SelectorOperator::In, {"db", "web"}).matches(kWeb));
  EXPECT_FALSE(req("any", "app", SelectorOperator::In, {"db"}).matches(kWeb));
  EXPECT_FALSE(req("any", "missing", SelectorOperator::In, {"web"}).matches(kWeb));
}

TEST(RequirementMatch, ValueLessInMatchesOnlyValueLessLabels) {
  EXPECT_TRUE(req("any", "canary", SelectorOperator::In, {""}).matches(kWeb));
  EXPECT_FALSE(req("any", "app", SelectorOperator::In, {""}).matches(kWeb));
}

TEST(RequirementMatch, NotInMatchesALabelSetLackingTheKey) {
  EXPECT_TRUE(req("any", "env", SelectorOperator::NotIn, {"prod"}).matches(kWeb));
  EXPECT_TRUE(req("any", "app", SelectorOperator::NotIn, {"db"}).matches(kWeb));
  EXPECT_FALSE(req("any", "app", SelectorOperator::NotIn, {"db", "web"}).matches(kWeb));
}

TEST(RequirementMatch, ExistsAndDoesNotExistIgnoreValues) {
  EXPECT_TRUE(req("any", "canary", SelectorOperator::Exists).matches(kWeb));
  EXPECT_TRUE(req("any", "app", SelectorOperator::Exists).matches(kWeb));
  EXPECT_FALSE(req("any", "env", SelectorOperator::Exists).matches(kWeb));
  EXPECT_TRUE(req("any", "env", SelectorOperator::DoesNotExist).matches(kWeb));
  EXPECT_FALSE(req("any", "app", SelectorOperator::DoesNotExist).matches(kWeb));
}

TEST(RequirementMatch, ConcreteSourceMustBeEqualAnyMatchesEverySource) {
  EXPECT_TRUE(req("k8s", "app", SelectorOperator::In, {"web"}).matches(kWeb));
  EXPECT_FALSE(req("container", "app", SelectorOperator::In, {"web"}).matches(kWeb));
  EXPECT_FALSE(req("container", "app", SelectorOperator::Exists).matches(kWeb));
  EXPECT_TRUE(req("container", "app", SelectorOperator::NotIn, {"web"}).matches(kWeb));
  // An `any:` label on the endpoint side is not matched by a `k8s:` selector.
  LabelSet anyLabels({{"any", "app", "web"}});
  EXPECT_FALSE(req("k8s", "app", SelectorOperator::In, {"web"}).matches(anyLabels));
}

TEST(LabelSelectorMatch, WildcardMatchesEverything) {
  LabelSelector wildcard;
  EXPECT_TRUE(wildcard.isWildcard());
  EXPECT_TRUE(wildcard.matches(kWeb));
  EXPECT_TRUE(wildcard.matches(LabelSet()));
}

TEST(LabelSelectorMatch, RequirementsAreAnded) {
  LabelSelector s({req("any", "app", SelectorOperator::In, {"web"}),
                   req("any", "tier", SelectorOperator::In, {"frontend"})});
  EXPECT_TRUE(s.matches(kWeb));
  s.addRequirement(req("any", "env", SelectorOperator::Exists));
  EXPECT_FALSE(s.matches(kWeb));
}

TEST(LabelSelectorNormalise, EqualSelectorsCompareEqualWhateverTheOrder) {
  LabelSelector a({req("any", "b", SelectorOperator::In, {"2", "1", "2"}),
                   req("k8s", "a", SelectorOperator::Exists)});
  LabelSelector b({req("k8s", "a", SelectorOperator::Exists), req("any", "b", SelectorOperator::In, {"1", "2"})});
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.requirements().size(), 2u);
  EXPECT_EQ(a.requirements()[0].values, (std::vector<std::string>{"1", "2"}));
  b.addRequirement(req("k8s", "a", SelectorOperator::Exists));  // duplicate: ignored
  EXPECT_EQ(b.requirements().size(), 2u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, LabelSelector({req("k8s", "a", SelectorOperator::Exists)}));
}

TEST(LabelSelectorNormalise, ExistsDropsStrayValues) {
  LabelSelector a({req("any", "x", SelectorOperator::Exists, {"junk"})});
  EXPECT_TRUE(a.requirements()[0].values.empty());
  EXPECT_EQ(a, LabelSelector({req("any", "x", SelectorOperator::Exists)}));
}

TEST(RequirementPrint, LanguageSyntaxForEachOperator) {
  EXPECT_EQ(req("k8s", "app", SelectorOperator::In, {"web"}).toString(), "k8s:app = web");
  EXPECT_EQ(req("any", "app", SelectorOperator::In, {"web"}).toString(), "app = web");
  EXPECT_EQ(req("any", "app", SelectorOperator::NotIn, {"x"}).toString(), "app != x");
  EXPECT_EQ(req("k8s", "tier", SelectorOperator::In, {"a", "b"}).toString(), "k8s:tier in (a, b)");
  EXPECT_EQ(req("any", "tier", SelectorOperator::NotIn, {"a", "b"}).toString(), "tier notin (a, b)");
  EXPECT_EQ(req("any", "app", SelectorOperator::Exists).toString(), "app");
  EXPECT_EQ(req("reserved", "host", SelectorOperator::Exists).toString(), "reserved:host");
  EXPECT_EQ(req("any", "app", SelectorOperator::DoesNotExist).toString(), "!app");
  EXPECT_EQ(req("k8s", "app", SelectorOperator::DoesNotExist).toString(), "!k8s:app");
  EXPECT_EQ(req("any", "app", SelectorOperator::In, {""}).toString(), "app = \"\"");
}

TEST(RequirementPrint, KeywordsAndNonWordsAreQuoted) {
  EXPECT_EQ(req("any", "in", SelectorOperator::In, {"policy"}).toString(), "\"in\" = \"policy\"");
  EXPECT_EQ(req("k8s", "in", SelectorOperator::In, {"deny"}).toString(), "k8s:\"in\" = \"deny\"");
  EXPECT_EQ(req("any", "none", SelectorOperator::Exists).toString(), "\"none\"");
  EXPECT_EQ(req("any", "x", SelectorOperator::In, {"a/"}).toString(), "x = \"a/\"");
  EXPECT_EQ(req("any", "x", SelectorOperator::In, {"a\nb"}).toString(), "x = \"a\\nb\"");
  EXPECT_EQ(req("any", "app", SelectorOperator::In, {"a b"}).toString(), "app = \"a b\"");
  EXPECT_EQ(req("any", "app", SelectorOperator::In, {"say \"hi\""}).toString(), "app = \"say \\\"hi\\\"\"");
  EXPECT_EQ(req("any", "app.kubernetes.io/name", SelectorOperator::In, {"kube-dns"}).toString(),
            "app.kubernetes.io/name = kube-dns");
  EXPECT_EQ(req("any", "v", SelectorOperator::In, {"1.0"}).toString(), "v = 1.0");
  EXPECT_EQ(req("any", "app", SelectorOperator::In, {"-x"}).toString(), "app = \"-x\"");
}

TEST(LabelSelectorPrint, BracesAndCommas) {
  EXPECT_EQ(LabelSelector().toString(), "{}");
  LabelSelector s({req("k8s", "app", SelectorOperator::In, {"web"}), req("k8s", "tier", SelectorOperator::In, {"b", "a"})});
  EXPECT_EQ(s.toString(), "{ k8s:app = web, k8s:tier in (a, b) }");
}

TEST(LabelSelectorQuery, MentionsKeyUnderSourceOrAny) {
  LabelSelector s({req("k8s", "io.kubernetes.pod.namespace", SelectorOperator::In, {"x"}),
                   req("any", "app", SelectorOperator::Exists)});
  EXPECT_TRUE(s.mentionsKey("k8s", "io.kubernetes.pod.namespace"));
  EXPECT_FALSE(s.mentionsKey("container", "io.kubernetes.pod.namespace"));
  EXPECT_TRUE(s.mentionsKey("k8s", "app"));  // `any` covers every source
  EXPECT_TRUE(s.mentionsKey("container", "app"));
  EXPECT_FALSE(s.mentionsKey("k8s", "tier"));
}

TEST(LabelSelectorQuery, MentionsKeyPrefix) {
  LabelSelector s({req("k8s", "io.cilium.k8s.namespace.labels.team", SelectorOperator::In, {"a"})});
  EXPECT_TRUE(s.mentionsKeyPrefix("k8s", "io.cilium.k8s.namespace.labels."));
  EXPECT_FALSE(s.mentionsKeyPrefix("container", "io.cilium.k8s.namespace.labels."));
  EXPECT_FALSE(s.mentionsKeyPrefix("k8s", "io.kubernetes"));
}

TEST(LabelSelectorQuery, MentionsReservedSourceOnlyForReservedRequirements) {
  EXPECT_TRUE(LabelSelector({req("reserved", "host", SelectorOperator::Exists)}).mentionsReservedSource());
  EXPECT_FALSE(LabelSelector({req("any", "host", SelectorOperator::Exists)}).mentionsReservedSource());
  EXPECT_FALSE(LabelSelector().mentionsReservedSource());
}

}  // namespace
}  // namespace ciliumc

// Labels: parsing (sources, `$host`, context defaults), validation with byte offsets, printing,
// selector-label matching and LabelSet invariants. Rules: semantics.md "Labels".
#include "ir/labels.h"

#include <gtest/gtest.h>

namespace ciliumc {
namespace {

Label parseOk(std::string_view text, LabelContext context = LabelContext::Endpoint) {
  auto label = Label::parse(text, context);
  EXPECT_TRUE(label.ok()) << text << ": " << (label ? "" : label.error().message);
  return label ? *label : Label{};
}

Error parseError(std::string_view text, LabelContext context = LabelContext::Endpoint) {
  auto label = Label::parse(text, context);
  EXPECT_FALSE(label.ok()) << text << " parsed as " << (label ? label->toString() : "");
  return label ? Error{} : label.error();
}

TEST(LabelParse, FirstColonSplitsKnownSourceAndFirstEqualsSplitsValue) {
  Label l = parseOk("k8s:app=web");
  EXPECT_EQ(l.source, "k8s");
  EXPECT_EQ(l.key, "app");
  EXPECT_EQ(l.value, "web");
}

TEST(LabelParse, EveryKnownSourceIsAccepted) {
  for (const auto& source : knownLabelSources()) {
    auto l = Label::parse(source + ":key=v", LabelContext::Selector);
    ASSERT_TRUE(l.ok()) << source;
    EXPECT_EQ(l->source, source);
  }
  EXPECT_EQ(knownLabelSources().size(), 10u);
}

TEST(LabelParse, NoSourceMeansUnspecOnEndpointAndAnyInSelector) {
  EXPECT_EQ(parseOk("app=web", LabelContext::Endpoint).source, "unspec");
  EXPECT_EQ(parseOk("app=web", LabelContext::Selector).source, "any");
}

TEST(LabelParse, DollarPrefixMeansReserved) {
  Label l = parseOk("$host");
  EXPECT_EQ(l.source, "reserved");
  EXPECT_EQ(l.key, "host");
  EXPECT_EQ(l.value, "");
  EXPECT_EQ(l.toString(), "reserved:host");
}

TEST(LabelParse, AnySourceIsRejectedOnEndpointsOnly) {
  Error e = parseError("any:app=web", LabelContext::Endpoint);
  EXPECT_EQ(e.offset, 0u);
  EXPECT_NE(e.message.find("any"), std::string::npos);
  EXPECT_EQ(parseOk("any:app=web", LabelContext::Selector).source, "any");
}

TEST(LabelParse, ValueIsOptional) {
  Label l = parseOk("k8s:my.corp.foo");
  EXPECT_EQ(l.key, "my.corp.foo");
  EXPECT_TRUE(l.value.empty());
  // `key=` is a value-less label too.
  EXPECT_TRUE(parseOk("k8s:foo=").value.empty());
}

TEST(LabelParse, ColonAfterEqualsBelongsToTheValueAndIsInvalidThere) {
  // `a=b:c`: the ':' is not a source separator; the value `b:c` has an invalid character.
  Error e = parseError("a=b:c");
  EXPECT_EQ(e.offset, 3u);
}

TEST(LabelParse, SecondEqualsIsPartOfTheValue) {
  Error e = parseError("k8s:a=b=c");
  EXPECT_EQ(e.offset, 7u);
  EXPECT_NE(e.message.find("`=`"), std::string::npos);
}

TEST(LabelParse, UnknownSourceThatLooksLikeATypoGetsAHint) {
  Error e = parseError("k8:app=web");
  EXPECT_EQ(e.offset, 0u);
  EXPECT_NE(e.message.find("unknown label source `k8`"), std::string::npos);
  EXPECT_EQ(e.hint, "did you mean `k8s:`?");
  EXPECT_EQ(parseError("contianer:x").hint, "did you mean `container:`?");
}

TEST(LabelParse, UnknownSourceFarFromAnyKnownListsTheSources) {
  Error e = parseError("zzzzzzzzz:app");
  EXPECT_NE(e.message.find("cannot contain `:`"), std::string::npos);
  EXPECT_NE(e.hint.find("k8s"), std::string::npos);
}

TEST(LabelParse, EmptySourceAndEmptyKeyAreErrors) {
  EXPECT_EQ(parseError(":app").offset, 0u);
  Error e = parseError("k8s:=web");
  EXPECT_EQ(e.offset, 4u);
  EXPECT_NE(e.message.find("empty"), std::string::npos);
  EXPECT_EQ(parseError("").offset, 0u);
  EXPECT_EQ(parseError("$").offset, 1u);
}

TEST(LabelParse, ErrorOffsetsPointAtTheBadByte) {
  EXPECT_EQ(parseError("k8s:ap p=web").offset, 6u);
  EXPECT_EQ(parseError("k8s:app=we b").offset, 10u);
  EXPECT_EQ(parseError("k8s:foo:bar").offset, 7u);  // a second ':' inside the key
  EXPECT_EQ(parseError("$ho*st").offset, 3u);
}

TEST(LabelValidate, KeyMayCarryOneDnsPrefix) {
  EXPECT_TRUE(validateLabelKey("app.kubernetes.io/name").ok());
  EXPECT_TRUE(validateLabelKey("io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name").ok());
  auto two = validateLabelKey("a/b/c");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().offset, 3u);
  auto emptyName = validateLabelKey("example.com/");
  ASSERT_FALSE(emptyName.ok());
  EXPECT_EQ(emptyName.error().offset, 12u);
  auto emptyPrefix = validateLabelKey("/name");
  ASSERT_FALSE(emptyPrefix.ok());
  EXPECT_EQ(emptyPrefix.error().offset, 0u);
}

TEST(LabelValidate, PrefixMustBeALowercaseDnsName) {
  auto upper = validateLabelKey("Example.com/app");
  ASSERT_FALSE(upper.ok());
  EXPECT_EQ(upper.error().offset, 0u);
  auto dash = validateLabelKey("example.-com/app");
  ASSERT_FALSE(dash.ok());
  EXPECT_EQ(dash.error().offset, 8u);
  auto underscore = validateLabelKey("ex_ample/app");
  ASSERT_FALSE(underscore.ok());
  EXPECT_EQ(underscore.error().offset, 2u);
}

TEST(LabelValidate, NamePartAllowsMixedCaseAndInnerPunctuation) {
  EXPECT_TRUE(validateLabelKey("My_Key-1.x").ok());
  EXPECT_TRUE(validateLabelKey("a").ok());
  auto leading = validateLabelKey("-app");
  ASSERT_FALSE(leading.ok());
  EXPECT_EQ(leading.error().offset, 0u);
  auto trailing = validateLabelKey("app.");
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.error().offset, 3u);
  auto trailingAfterPrefix = validateLabelKey("corp.io/app_");
  ASSERT_FALSE(trailingAfterPrefix.ok());
  EXPECT_EQ(trailingAfterPrefix.error().offset, 11u);
}

TEST(LabelValidate, LengthLimits) {
  EXPECT_TRUE(validateLabelKey(std::string(63, 'a')).ok());
  EXPECT_FALSE(validateLabelKey(std::string(64, 'a')).ok());
  EXPECT_TRUE(validateLabelValue(std::string(63, 'v')).ok());
  auto longValue = validateLabelValue(std::string(64, 'v'));
  ASSERT_FALSE(longValue.ok());
  EXPECT_NE(longValue.error().message.find("63"), std::string::npos);
  std::string longPrefix(254, 'p');
  EXPECT_FALSE(validateLabelKey(longPrefix + "/x").ok());
  std::string okPrefix = std::string(200, 'p') + "." + std::string(52, 'q');  // 253 bytes
  EXPECT_TRUE(validateLabelKey(okPrefix + "/x").ok());
}

TEST(LabelValidate, ValueMayBeEmptyButNotMalformed) {
  EXPECT_TRUE(validateLabelValue("").ok());
  EXPECT_TRUE(validateLabelValue("v1.2_beta-3").ok());
  auto bad = validateLabelValue("a/b");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().offset, 1u);
  EXPECT_FALSE(validateLabelValue("_x").ok());
}

TEST(LabelPrint, ValueLessLabelsPrintWithoutEquals) {
  EXPECT_EQ((Label{"k8s", "app", "web"}).toString(), "k8s:app=web");
  EXPECT_EQ((Label{"k8s", "app", ""}).toString(), "k8s:app");
  EXPECT_EQ((Label{"k8s", "app", ""}).toIdentityString(), "k8s:app=");
  EXPECT_EQ((Label{"k8s", "app", "web"}).toIdentityString(), "k8s:app=web");
}

TEST(LabelMatch, AnySourceSelectorIgnoresSourceButNotTheReverse) {
  Label endpoint{"k8s", "a", "b"};
  Label anySelector{"any", "a", "b"};
  EXPECT_TRUE(selectorLabelMatches(anySelector, endpoint));
  // Selector `k8s:a=b` does not match an `any:a=b` label: only the selector side is wild.
  EXPECT_FALSE(selectorLabelMatches(endpoint, anySelector));
  EXPECT_FALSE(selectorLabelMatches(Label{"container", "a", "b"}, endpoint));
  EXPECT_TRUE(selectorLabelMatches(Label{"k8s", "a", "b"}, endpoint));
}

TEST(LabelMatch, ValueLessSelectorLabelMatchesOnlyValueLessLabels) {
  Label selector{"any", "my.corp.foo", ""};
  EXPECT_FALSE(selectorLabelMatches(selector, Label{"k8s", "my.corp.foo", "bar"}));
  EXPECT_TRUE(selectorLabelMatches(selector, Label{"k8s", "my.corp.foo", ""}));
}

TEST(LabelMatch, KeysAndValuesMustBeEqual) {
  EXPECT_FALSE(selectorLabelMatches(Label{"any", "a", "b"}, Label{"k8s", "a", "c"}));
  EXPECT_FALSE(selectorLabelMatches(Label{"any", "a", "b"}, Label{"k8s", "ab", "b"}));
}

TEST(LabelSetTest, SortedAndOneValuePerSourceAndKeyLaterWins) {
  LabelSet set({{"k8s", "b", "1"}, {"k8s", "a", "1"}, {"container", "a", "x"}, {"k8s", "b", "2"}});
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.toString(), "container:a=x, k8s:a=1, k8s:b=2");
  set.add({"k8s", "a", ""});
  EXPECT_EQ(set.toString(), "container:a=x, k8s:a, k8s:b=2");
}

TEST(LabelSetTest, EqualContentInAnyOrderComparesEqual) {
  LabelSet one({{"k8s", "a", "1"}, {"k8s", "b", "2"}});
  LabelSet two({{"k8s", "b", "2"}, {"k8s", "a", "1"}});
  EXPECT_EQ(one, two);
  two.add({"k8s", "b", "3"});
  EXPECT_NE(one, two);
}

TEST(LabelSetTest, FindByKeyWithAnyOrExactSource) {
  LabelSet set({{"k8s", "app", "web"}, {"container", "app", "db"}, {"k8s", "tier", "fe"}});
  EXPECT_EQ(set.find("any", "app").size(), 2u);
  auto k8s = set.find("k8s", "app");
  ASSERT_EQ(k8s.size(), 1u);
  EXPECT_EQ(k8s[0]->value, "web");
  EXPECT_TRUE(set.find("mesos", "app").empty());
  EXPECT_TRUE(set.find("any", "missing").empty());
}

TEST(LabelSetTest, HasUsesSelectorMatching) {
  LabelSet set({{"k8s", "app", "web"}, {"k8s", "flag", ""}});
  EXPECT_TRUE(set.has({"any", "app", "web"}));
  EXPECT_FALSE(set.has({"any", "app", ""}));
  EXPECT_TRUE(set.has({"any", "flag", ""}));
  EXPECT_FALSE(set.has({"container", "app", "web"}));
  EXPECT_TRUE(LabelSet().empty());
}

}  // namespace
}  // namespace ciliumc

// Identities: reserved numbers and names, Cilium's identity-relevant label filter, derived pod
// labels and the KV-store identity key. Rules: semantics.md "Labels" and "Numeric identities".
#include "ir/identity.h"

#include <gtest/gtest.h>

namespace ciliumc {
namespace {

bool relevant(std::string source, std::string key) {
  return isIdentityRelevant(Label{std::move(source), std::move(key), "v"});
}

TEST(ReservedIdentityTest, NumbersMatchCilium) {
  EXPECT_EQ(static_cast<NumericIdentity>(ReservedIdentity::Unknown), 0u);
  EXPECT_EQ(static_cast<NumericIdentity>(ReservedIdentity::Host), 1u);
  EXPECT_EQ(static_cast<NumericIdentity>(ReservedIdentity::World), 2u);
  EXPECT_EQ(static_cast<NumericIdentity>(ReservedIdentity::Unmanaged), 3u);
  EXPECT_EQ(static_cast<NumericIdentity>(ReservedIdentity::Health), 4u);
  EXPECT_EQ(static_cast<NumericIdentity>(ReservedIdentity::Init), 5u);
  EXPECT_EQ(static_cast<NumericIdentity>(ReservedIdentity::RemoteNode), 6u);
  EXPECT_EQ(static_cast<NumericIdentity>(ReservedIdentity::KubeApiserver), 7u);
  EXPECT_EQ(static_cast<NumericIdentity>(ReservedIdentity::Ingress), 8u);
  EXPECT_EQ(static_cast<NumericIdentity>(ReservedIdentity::WorldIPv4), 9u);
  EXPECT_EQ(static_cast<NumericIdentity>(ReservedIdentity::WorldIPv6), 10u);
  EXPECT_EQ(kMinClusterIdentity, 256u);
  EXPECT_EQ(kMaxClusterIdentity, 65535u);
  EXPECT_EQ(kLocalIdentityFlag, 16777216u);
}

TEST(ReservedIdentityTest, NamesRoundTrip) {
  const std::vector<std::pair<NumericIdentity, std::string>> expected = {
      {0, "unknown"}, {1, "host"},           {2, "world"},   {3, "unmanaged"},  {4, "health"},     {5, "init"},
      {6, "remote-node"}, {7, "kube-apiserver"}, {8, "ingress"}, {9, "world-ipv4"}, {10, "world-ipv6"}};
  for (const auto& [number, name] : expected) {
    auto id = static_cast<ReservedIdentity>(number);
    EXPECT_EQ(reservedIdentityName(id), name);
    auto back = reservedIdentityFromName(name);
    ASSERT_TRUE(back.has_value()) << name;
    EXPECT_EQ(*back, id);
  }
  EXPECT_FALSE(reservedIdentityFromName("Host").has_value());
  EXPECT_FALSE(reservedIdentityFromName("remote_node").has_value());
}

TEST(ReservedIdentityTest, LabelIsReservedSourceWithoutValue) {
  Label l = reservedIdentityLabel(ReservedIdentity::KubeApiserver);
  EXPECT_EQ(l.toString(), "reserved:kube-apiserver");
  EXPECT_TRUE(l.value.empty());
}

TEST(IdentityFilter, DropsKubernetesBookkeepingLabels) {
  EXPECT_FALSE(relevant("k8s", "pod-template-hash"));
  EXPECT_FALSE(relevant("k8s", "controller-revision-hash"));
  EXPECT_FALSE(relevant("k8s", "controller-uid"));
  EXPECT_FALSE(relevant("k8s", "pod-template-generation"));
  EXPECT_FALSE(relevant("k8s", "statefulset.kubernetes.io/pod-name"));
  EXPECT_FALSE(relevant("k8s", "io.kubernetes.container.name"));
  EXPECT_FALSE(relevant("k8s", "kubernetes.io/hostname"));
  EXPECT_FALSE(relevant("k8s", "annotation.foo"));
  EXPECT_FALSE(relevant("container", "pod-template-hash"));  // patterns ignore the source
}

TEST(IdentityFilter, KeepsAlwaysKeptPatterns) {
  EXPECT_TRUE(relevant("reserved", "host"));
  EXPECT_TRUE(relevant("reserved", "io.kubernetes.anything"));  // reserved:* always kept
  EXPECT_TRUE(relevant("k8s", "io.kubernetes.pod.namespace"));
  EXPECT_TRUE(relevant("k8s", "io.cilium.k8s.namespace.labels.team"));
  EXPECT_TRUE(relevant("k8s", "app.kubernetes.io/name"));
  EXPECT_TRUE(relevant("k8s", "io.cilium.k8s.policy.cluster"));
}

TEST(IdentityFilter, LabelsMatchingNoPatternAreKept) {
  EXPECT_TRUE(relevant("k8s", "app"));
  EXPECT_TRUE(relevant("k8s", "io.cilium.k8s.policy.serviceaccount"));
  EXPECT_TRUE(relevant("container", "my.corp.team"));
}

TEST(IdentityFilter, LongerKeepPatternWinsOverShorterDrop) {
  // `io.kubernetes` drops, the longer `io.kubernetes.pod.namespace` keeps.
  EXPECT_TRUE(relevant("k8s", "io.kubernetes.pod.namespace"));
  EXPECT_FALSE(relevant("k8s", "io.kubernetes.pod.name"));
}

TEST(IdentityFilter, FiltersASet) {
  LabelSet all({{"k8s", "app", "web"},
                {"k8s", "pod-template-hash", "abc"},
                {"k8s", "io.kubernetes.pod.namespace", "x"},
                {"reserved", "host", ""}});
  LabelSet kept = identityRelevantLabels(all);
  EXPECT_EQ(kept.toString(), "k8s:app=web, k8s:io.kubernetes.pod.namespace=x, reserved:host");
}

TEST(DerivedPodLabels, NamespaceNamespaceLabelsClusterAndServiceAccount) {
  LabelSet labels = derivedPodLabels("prod", {{"team", "a"}, {"kubernetes.io/metadata.name", "prod"}}, "c1", "api");
  EXPECT_EQ(labels.toString(),
            "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=prod, "
            "k8s:io.cilium.k8s.namespace.labels.team=a, "
            "k8s:io.cilium.k8s.policy.cluster=c1, "
            "k8s:io.cilium.k8s.policy.serviceaccount=api, "
            "k8s:io.kubernetes.pod.namespace=prod");
}

TEST(DerivedPodLabels, ServiceAccountOnlyWhenNonEmpty) {
  LabelSet labels = derivedPodLabels("ns", {}, "default");
  EXPECT_EQ(labels.size(), 2u);
  EXPECT_TRUE(labels.find("k8s", k8skey::kServiceAccount).empty());
  ASSERT_EQ(labels.find("k8s", k8skey::kPolicyCluster).size(), 1u);
  EXPECT_EQ(labels.find("k8s", k8skey::kPolicyCluster)[0]->value, "default");
}

TEST(DerivedPodLabels, AreIdentityRelevant) {
  LabelSet labels = derivedPodLabels("ns", {{"team", "a"}}, "default", "sa");
  EXPECT_EQ(identityRelevantLabels(labels), labels);
}

TEST(IdentityKeyTest, SortedSourceKeyEqualsValueSemicolon) {
  LabelSet labels({{"k8s", "b", "2"}, {"k8s", "a", "1"}, {"k8s", "flag", ""}});
  EXPECT_EQ(identityKey(labels), "k8s:a=1;k8s:b=2;k8s:flag=;");
  EXPECT_EQ(identityKey(LabelSet()), "");
}

TEST(IdentityKeyTest, SortedByKeyLikeCilium) {
  // Cilium sorts by key, so `reserved:host` sorts among the keys, not by its source.
  LabelSet labels({{"reserved", "host", ""}, {"k8s", "zone", "a"}, {"k8s", "app", "x"}});
  EXPECT_EQ(identityKey(labels), "k8s:app=x;reserved:host=;k8s:zone=a;");
}

TEST(IdentityKeyTest, EqualSetsGiveEqualKeys) {
  LabelSet one({{"k8s", "a", "1"}, {"container", "b", "2"}});
  LabelSet two({{"container", "b", "2"}, {"k8s", "a", "1"}});
  EXPECT_EQ(identityKey(one), identityKey(two));
  two.add({"k8s", "a", "3"});
  EXPECT_NE(identityKey(one), identityKey(two));
}

}  // namespace
}  // namespace ciliumc

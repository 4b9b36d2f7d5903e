#include "ir/policy.h"

#include <algorithm>

namespace ciliumc {

std::string verdictName(Verdict v) { return v == Verdict::Allow ? "allow" : "deny"; }

std::string directionName(Direction d) { return d == Direction::Ingress ? "ingress" : "egress"; }

bool CidrPeer::matches(const IpAddress& ip) const {
  if (!prefix.contains(ip)) return false;
  return std::none_of(except.begin(), except.end(), [&](const IpPrefix& hole) { return hole.contains(ip); });
}

Peer Peer::ofSelector(LabelSelector s, SourceLocation at) {
  Peer peer;
  peer.kind = Kind::Selector;
  peer.selector = std::move(s);
  peer.location = std::move(at);
  return peer;
}

Peer Peer::ofEntity(Entity e, SourceLocation at) {
  Peer peer;
  peer.kind = Kind::Entity;
  peer.entity = e;
  peer.location = std::move(at);
  return peer;
}

Peer Peer::ofCidr(CidrPeer c, SourceLocation at) {
  Peer peer;
  peer.kind = Kind::Cidr;
  peer.cidr = std::move(c);
  peer.location = std::move(at);
  return peer;
}

std::string Peer::toString() const {
  switch (kind) {
    case Kind::Selector: return selector.toString();
    case Kind::Entity: return "entity " + entityName(entity);
    case Kind::Cidr: {
      std::string text = "cidr " + cidr.prefix.toString();
      for (size_t i = 0; i < cidr.except.size(); ++i) text += (i ? ", " : " except ") + cidr.except[i].toString();
      return text;
    }
  }
  return {};
}

}  // namespace ciliumc

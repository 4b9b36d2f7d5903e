// Private to kvstore/: the channel credentials of an etcd connection — plain, or TLS from the
// PEM files of EtcdTlsFiles — and the endpoints without their scheme. Errors name the endpoint or
// the file and say what is wrong with it.
#pragma once
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "agent/kvstore/kv_store.h"

namespace ciliumc::agent::etcd {

struct ChannelSecurity {
  std::vector<std::string> endpoints;  // host:port, scheme removed
  bool tls = false;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

Expected<ChannelSecurity> channelSecurity(const std::vector<std::string>& endpoints, const EtcdTlsFiles& tls);

}  // namespace ciliumc::agent::etcd

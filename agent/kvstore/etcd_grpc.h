// Private to kvstore/: the gRPC side of EtcdClient shared by its parts (unary calls, the watch
// thread, the lease keeper). Nothing outside agent/kvstore/*.cpp includes this header: the
// generated etcd API types stay out of the KvStore interface.
#pragma once
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "agent/kvstore/kv_store.h"
#include "agent/kvstore/proto/etcd_api.grpc.pb.h"

namespace ciliumc::agent::etcd {

// What every part of the client shares: the channel, one stub per etcd service, the options,
// and the outcome of the last call (connectionState() uses it while the channel is idle).
struct Connection {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch;
  KvOptions options;
  std::string endpointsText;  // "127.0.0.1:2379,..." for error messages
  std::atomic<bool> lastCallSucceeded{true};
};

// The smallest key greater than every key starting with `prefix` (etcd's range_end for a
// prefix); "\0" (all keys) when the prefix is empty or all 0xff.
std::string prefixRangeEnd(const std::string& prefix);

// A context for one unary call: deadline = now + requestTimeout, waits for the channel to be
// ready until then (so a call made while etcd restarts succeeds once it is back, and a call
// made while etcd is down fails at the deadline rather than immediately or never).
void prepareUnaryContext(grpc::ClientContext& context, const KvOptions& options);

// "etcd put 'key': no answer within 2000 ms (is etcd at 127.0.0.1:2379 reachable?)" and the like.
Error callError(const Connection& connection, const std::string& operation, const std::string& key,
                const grpc::Status& status);

// Records whether etcd answered (connectionState() falls back on it while the channel is idle).
void noteOutcome(Connection& connection, const grpc::Status& status);

KeyValue toKeyValue(const mvccpb::KeyValue& kv);

// Range over [key, rangeEnd) (rangeEnd empty: the key alone), one unary call with the deadline.
// `operation` names the call in errors ("get", "list").
Expected<RangeResult> range(Connection& connection, const std::string& operation, const std::string& key,
                            const std::string& rangeEnd);

}  // namespace ciliumc::agent::etcd

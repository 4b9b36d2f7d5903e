#include "agent/kvstore/etcd_grpc.h"

#include <fmt/format.h>

namespace ciliumc::agent::etcd {

std::string prefixRangeEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

void prepareUnaryContext(grpc::ClientContext& context, const KvOptions& options) {
  context.set_deadline(std::chrono::system_clock::now() + options.requestTimeout);
  context.set_wait_for_ready(true);
}

namespace {

const char* statusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "ok";
    case grpc::StatusCode::CANCELLED: return "cancelled";
    case grpc::StatusCode::UNKNOWN: return "unknown";
    case grpc::StatusCode::INVALID_ARGUMENT: return "invalid argument";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "deadline exceeded";
    case grpc::StatusCode::NOT_FOUND: return "not found";
    case grpc::StatusCode::ALREADY_EXISTS: return "already exists";
    case grpc::StatusCode::PERMISSION_DENIED: return "permission denied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "resource exhausted";
    case grpc::StatusCode::FAILED_PRECONDITION: return "failed precondition";
    case grpc::StatusCode::ABORTED: return "aborted";
    case grpc::StatusCode::OUT_OF_RANGE: return "out of range";
    case grpc::StatusCode::UNIMPLEMENTED: return "unimplemented";
    case grpc::StatusCode::INTERNAL: return "internal";
    case grpc::StatusCode::UNAVAILABLE: return "unavailable";
    case grpc::StatusCode::DATA_LOSS: return "data loss";
    case grpc::StatusCode::UNAUTHENTICATED: return "unauthenticated";
    default: return "error";
  }
}

}  // namespace

Error callError(const Connection& connection, const std::string& operation, const std::string& key,
                const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
    return Error(fmt::format("etcd {} '{}': no answer within {} ms (is etcd at {} reachable?)", operation, key,
                             connection.options.requestTimeout.count(), connection.endpointsText));
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE)
    return Error(fmt::format("etcd {} '{}': etcd at {} unavailable: {}", operation, key, connection.endpointsText,
                             status.error_message()));
  return Error(fmt::format("etcd {} '{}': {}: {}", operation, key, statusCodeName(status.error_code()),
                           status.error_message()));
}

void noteOutcome(Connection& connection, const grpc::Status& status) {
  connection.lastCallSucceeded = status.error_code() != grpc::StatusCode::UNAVAILABLE &&
                                 status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED;
}

KeyValue toKeyValue(const mvccpb::KeyValue& kv) {
  KeyValue out;
  out.key = kv.key();
  out.value = kv.value();
  out.createRevision = kv.create_revision();
  out.modRevision = kv.mod_revision();
  out.lease = kv.lease();
  return out;
}

Expected<RangeResult> range(Connection& connection, const std::string& operation, const std::string& key,
                            const std::string& rangeEnd) {
  etcdserverpb::RangeRequest request;
  request.set_key(key);
  if (!rangeEnd.empty()) request.set_range_end(rangeEnd);
  etcdserverpb::RangeResponse response;
  grpc::ClientContext context;
  prepareUnaryContext(context, connection.options);
  grpc::Status status = connection.kv->Range(&context, request, &response);
  noteOutcome(connection, status);
  if (!status.ok()) return callError(connection, operation, key, status);
  RangeResult result;
  result.revision = response.header().revision();
  result.kvs.reserve(static_cast<size_t>(response.kvs_size()));
  for (const auto& kv : response.kvs()) result.kvs.push_back(toKeyValue(kv));
  return result;
}

}  // namespace ciliumc::agent::etcd

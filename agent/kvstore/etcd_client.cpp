#include "agent/kvstore/etcd_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

#include "agent/kvstore/etcd_grpc.h"
#include "agent/kvstore/etcd_lease_keeper.h"
#include "agent/kvstore/etcd_tls.h"
#include "agent/kvstore/etcd_watch.h"

namespace ciliumc::agent {
namespace {

bool isIpv4Literal(const std::string& hostPort) {
  auto colon = hostPort.rfind(':');
  std::string host = hostPort.substr(0, colon);
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string::npos;
}

// One endpoint: gRPC's default (DNS) resolver. Several IPv4 literals: the ipv4: resolver with
// all of them (pick-first: the next one is used when the first fails). Otherwise the first.
std::string channelTarget(const std::vector<std::string>& endpoints) {
  if (endpoints.size() == 1) return endpoints.front();
  bool allIpv4 = std::all_of(endpoints.begin(), endpoints.end(), isIpv4Literal);
  if (!allIpv4) return endpoints.front();
  std::string target = "ipv4:";
  for (size_t i = 0; i < endpoints.size(); ++i) target += (i ? "," : "") + endpoints[i];
  return target;
}

grpc::ChannelArguments channelArguments() {
  grpc::ChannelArguments args;
  // Reconnect quickly once etcd is back, but never more often than every 100 ms.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // Detect a dead connection (etcd's server accepts pings every >= 5 s by default).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Stay connected while idle, so connectionState() reflects etcd, not our traffic.
  args.SetInt(GRPC_ARG_CLIENT_IDLE_TIMEOUT_MS, INT_MAX);
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  return args;
}

}  // namespace

Expected<std::unique_ptr<EtcdClient>> EtcdClient::connect(const KvOptions& options) {
  if (options.endpoints.empty()) return Error("etcd: no endpoints configured");
  auto connection = std::make_shared<etcd::Connection>();
  connection->options = options;
  auto security = etcd::channelSecurity(options.endpoints, options.tls);
  if (!security) return security.error();
  const std::vector<std::string>& endpoints = security->endpoints;
  connection->options.endpoints = endpoints;
  connection->endpointsText = fmt::format("{}", fmt::join(endpoints, ","));
  auto channelArgs = channelArguments();
  // With several endpoints the target is "ipv4:a,b": certificates are checked against the first
  // endpoint's host (the channel has one authority).
  if (security->tls && endpoints.size() > 1) channelArgs.SetString(GRPC_ARG_DEFAULT_AUTHORITY, endpoints.front());
  connection->channel = grpc::CreateCustomChannel(channelTarget(endpoints), security->credentials, channelArgs);
  connection->kv = etcdserverpb::KV::NewStub(connection->channel);
  connection->lease = etcdserverpb::Lease::NewStub(connection->channel);
  connection->watch = etcdserverpb::Watch::NewStub(connection->channel);
  if (!connection->channel->WaitForConnected(std::chrono::system_clock::now() + options.dialTimeout))
    return Error(fmt::format("etcd: could not connect to {} within {} ms{}", connection->endpointsText,
                             options.dialTimeout.count(),
                             security->tls ? " over TLS (is it serving TLS there? the server's certificate must chain to "
                                             "the CA file and name the endpoint's host; with client-cert-auth etcd "
                                             "needs a client certificate it trusts)"
                                           : ""));
  return std::unique_ptr<EtcdClient>(new EtcdClient(std::move(connection)));
}

EtcdClient::EtcdClient(std::shared_ptr<etcd::Connection> connection)
    : connection_(std::move(connection)), leaseKeeper_(std::make_unique<etcd::LeaseKeeper>(connection_)) {}

EtcdClient::~EtcdClient() = default;

Expected<std::optional<KeyValue>> EtcdClient::get(const std::string& key) {
  auto result = etcd::range(*connection_, "get", key, "");
  if (!result) return result.error();
  if (result->kvs.empty()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(std::move(result->kvs.front()));
}

Expected<RangeResult> EtcdClient::list(const std::string& prefix) {
  return etcd::range(*connection_, "list", prefix, etcd::prefixRangeEnd(prefix));
}

Expected<int64_t> EtcdClient::put(const std::string& key, const std::string& value, LeaseId lease) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  request.set_lease(lease);
  etcdserverpb::PutResponse response;
  grpc::ClientContext context;
  etcd::prepareUnaryContext(context, connection_->options);
  grpc::Status status = connection_->kv->Put(&context, request, &response);
  etcd::noteOutcome(*connection_, status);
  if (!status.ok()) return etcd::callError(*connection_, "put", key, status);
  return response.header().revision();
}

Expected<bool> EtcdClient::createOnly(const std::string& key, const std::string& value, LeaseId lease) {
  etcdserverpb::TxnRequest request;
  auto* absent = request.add_compare();
  absent->set_key(key);
  absent->set_target(etcdserverpb::Compare::CREATE);
  absent->set_result(etcdserverpb::Compare::EQUAL);
  absent->set_create_revision(0);
  auto* put = request.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(value);
  put->set_lease(lease);
  etcdserverpb::TxnResponse response;
  grpc::ClientContext context;
  etcd::prepareUnaryContext(context, connection_->options);
  grpc::Status status = connection_->kv->Txn(&context, request, &response);
  etcd::noteOutcome(*connection_, status);
  if (!status.ok()) return etcd::callError(*connection_, "create", key, status);
  return response.succeeded();
}

Expected<int64_t> EtcdClient::deleteRange(const std::string& operation, const std::string& key,
                                          const std::string& rangeEnd) {
  etcdserverpb::DeleteRangeRequest request;
  request.set_key(key);
  if (!rangeEnd.empty()) request.set_range_end(rangeEnd);
  etcdserverpb::DeleteRangeResponse response;
  grpc::ClientContext context;
  etcd::prepareUnaryContext(context, connection_->options);
  grpc::Status status = connection_->kv->DeleteRange(&context, request, &response);
  etcd::noteOutcome(*connection_, status);
  if (!status.ok()) return etcd::callError(*connection_, operation, key, status);
  return response.header().revision();
}

Expected<int64_t> EtcdClient::remove(const std::string& key) { return deleteRange("delete", key, ""); }

Expected<int64_t> EtcdClient::removePrefix(const std::string& prefix) {
  return deleteRange("delete prefix", prefix, etcd::prefixRangeEnd(prefix));
}

Expected<bool> EtcdClient::removeIf(const std::string& key, int64_t modRevision, const std::string& emptyPrefix) {
  etcdserverpb::TxnRequest request;
  auto* unchanged = request.add_compare();
  unchanged->set_key(key);
  unchanged->set_target(etcdserverpb::Compare::MOD);
  unchanged->set_result(etcdserverpb::Compare::EQUAL);
  unchanged->set_mod_revision(modRevision);
  if (!emptyPrefix.empty()) {
    // A compare over a range holds for every key in it; over an empty range it compares a
    // missing key (create revision 0). So "create_revision == 0 over the prefix" = no key there.
    auto* empty = request.add_compare();
    empty->set_key(emptyPrefix);
    empty->set_range_end(etcd::prefixRangeEnd(emptyPrefix));
    empty->set_target(etcdserverpb::Compare::CREATE);
    empty->set_result(etcdserverpb::Compare::EQUAL);
    empty->set_create_revision(0);
  }
  request.add_success()->mutable_request_delete_range()->set_key(key);
  etcdserverpb::TxnResponse response;
  grpc::ClientContext context;
  etcd::prepareUnaryContext(context, connection_->options);
  grpc::Status status = connection_->kv->Txn(&context, request, &response);
  etcd::noteOutcome(*connection_, status);
  if (!status.ok()) return etcd::callError(*connection_, "conditional delete", key, status);
  return response.succeeded();
}

Expected<LeaseId> EtcdClient::grantLease(std::chrono::seconds ttl) {
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(ttl.count());
  etcdserverpb::LeaseGrantResponse response;
  grpc::ClientContext context;
  etcd::prepareUnaryContext(context, connection_->options);
  grpc::Status status = connection_->lease->LeaseGrant(&context, request, &response);
  etcd::noteOutcome(*connection_, status);
  std::string what = fmt::format("ttl {}s", ttl.count());
  if (!status.ok()) return etcd::callError(*connection_, "lease grant", what, status);
  if (!response.error().empty()) return Error(fmt::format("etcd lease grant '{}': {}", what, response.error()));
  return response.id();
}

KvStatus EtcdClient::revokeLease(LeaseId lease) {
  leaseKeeper_->forget(lease);
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(lease);
  etcdserverpb::LeaseRevokeResponse response;
  grpc::ClientContext context;
  etcd::prepareUnaryContext(context, connection_->options);
  grpc::Status status = connection_->lease->LeaseRevoke(&context, request, &response);
  etcd::noteOutcome(*connection_, status);
  if (!status.ok()) return etcd::callError(*connection_, "lease revoke", fmt::format("lease {:x}", lease), status);
  return true;
}

KvStatus EtcdClient::keepAlive(LeaseId lease, std::function<void()> onLost) {
  return leaseKeeper_->keep(lease, std::move(onLost));
}

Expected<std::unique_ptr<WatchHandle>> EtcdClient::watchPrefix(const std::string& prefix, int64_t fromRevision,
                                                               WatchCallback callback) {
  if (!callback) return Error(fmt::format("etcd watch '{}': no callback", prefix));
  if (fromRevision <= 0) {
    // "Now" is the revision current at this call, so a write that follows the call is seen.
    auto current = etcd::range(*connection_, "watch", prefix, "");
    if (!current) return current.error();
    fromRevision = current->revision + 1;
  }
  return std::unique_ptr<WatchHandle>(
      std::make_unique<etcd::PrefixWatch>(connection_, prefix, fromRevision, std::move(callback)));
}

ConnectionState EtcdClient::connectionState() const {
  switch (connection_->channel->GetState(true)) {
    case GRPC_CHANNEL_READY: return ConnectionState::Connected;
    case GRPC_CHANNEL_TRANSIENT_FAILURE:
    case GRPC_CHANNEL_SHUTDOWN: return ConnectionState::Disconnected;
    default:  // idle or connecting: what the last call saw
      return connection_->lastCallSucceeded ? ConnectionState::Connected : ConnectionState::Disconnected;
  }
}

std::vector<std::string> EtcdClient::endpoints() const { return connection_->options.endpoints; }

}  // namespace ciliumc::agent

#include "agent/kvstore/etcd_tls.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ciliumc::agent::etcd {
namespace {

enum class Scheme { None, Http, Https };

Scheme schemeOf(const std::string& endpoint) {
  if (endpoint.rfind("https://", 0) == 0) return Scheme::Https;
  if (endpoint.rfind("http://", 0) == 0) return Scheme::Http;
  return Scheme::None;
}

std::string withoutScheme(const std::string& endpoint) {
  switch (schemeOf(endpoint)) {
    case Scheme::Https: return endpoint.substr(8);
    case Scheme::Http: return endpoint.substr(7);
    case Scheme::None: break;
  }
  return endpoint;
}

// The whole file, or an Error naming what it was meant to be ("the etcd CA file").
Expected<std::string> readPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(fmt::format("{} `{}` cannot be read: {}", what, path, std::strerror(errno)));
  std::stringstream text;
  text << in.rdbuf();
  std::string pem = text.str();
  if (pem.find("-----BEGIN ") == std::string::npos)
    return Error(fmt::format("{} `{}` is not PEM (no -----BEGIN line)", what, path));
  return pem;
}

}  // namespace

Expected<ChannelSecurity> channelSecurity(const std::vector<std::string>& endpoints, const EtcdTlsFiles& tls) {
  ChannelSecurity security;
  bool https = false, http = false;
  for (const std::string& endpoint : endpoints) {
    Scheme scheme = schemeOf(endpoint);
    https = https || scheme == Scheme::Https;
    http = http || scheme == Scheme::Http;
    std::string hostPort = withoutScheme(endpoint);
    if (hostPort.empty()) return Error(fmt::format("etcd endpoint '{}' is empty", endpoint));
    security.endpoints.push_back(hostPort);
  }
  if (https && http) return Error("etcd endpoints mix http:// and https://: use one scheme for all of them");
  if (http && tls.any())
    return Error("etcd endpoints say http:// but TLS files are given: write https:// (or drop the TLS files)");
  if (tls.certFile.empty() != tls.keyFile.empty())
    return Error("etcd TLS: a client certificate needs its key and a key its certificate (give both files)");
  security.tls = https || tls.any();
  if (!security.tls) {
    security.credentials = grpc::InsecureChannelCredentials();
    return security;
  }
  grpc::SslCredentialsOptions options;
  if (!tls.caFile.empty()) {
    auto ca = readPem(tls.caFile, "the etcd CA file");
    if (!ca) return ca.error();
    options.pem_root_certs = *ca;
  }
  if (!tls.certFile.empty()) {
    auto cert = readPem(tls.certFile, "the etcd client certificate file");
    if (!cert) return cert.error();
    auto key = readPem(tls.keyFile, "the etcd client key file");
    if (!key) return key.error();
    options.pem_cert_chain = *cert;
    options.pem_private_key = *key;
  }
  security.credentials = grpc::SslCredentials(options);
  if (!security.credentials) return Error("etcd TLS: gRPC could not build TLS credentials from these files");
  return security;
}

}  // namespace ciliumc::agent::etcd

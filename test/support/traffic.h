// Real traffic between network namespaces for tests: sockets created inside a namespace (a
// socket stays in the namespace it was created in; every later call works from any thread), and
// one exchange per flow kind — TCP (connect, request, response), UDP (datagram and reply) and
// ICMP/ICMPv6 echo (raw socket; the peer's kernel answers). Every wait is bounded by a deadline.
// Used by the BPF traffic test and the agent's end-to-end tests.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>

#include "loader/netns_scope.h"
#include "loader/unique_fd.h"
#include "runtime/ciliumc_abi.h"
#include "support/expected.h"

namespace ciliumc::testing {

using loader::UniqueFd;
using TrafficClock = std::chrono::steady_clock;

// One end of a flow: a name for messages, the namespace its sockets live in, its addresses.
struct TrafficHost {
  std::string reference;
  std::string ipv4, ipv6;
  std::string netnsPath;
  const std::string& address(int family) const { return family == AF_INET ? ipv4 : ipv6; }
};


// A socket of the network namespace at `netnsPath`: created while this thread is inside it (see
// the file comment), non-blocking, close-on-exec.
inline Expected<UniqueFd> socketIn(const std::string& netnsPath, int family, int type, int protocol) {
  auto scope = loader::NetnsScope::enter(netnsPath);
  if (!scope) return scope.error();
  int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return Error{std::string("socket: ") + std::strerror(errno)};
  return UniqueFd(fd);
}

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

inline SocketAddress socketAddress(int family, const std::string& ip, uint16_t port) {
  SocketAddress address;
  if (family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &v4->sin_addr);
    address.length = sizeof(*v4);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    ::inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr);
    address.length = sizeof(*v6);
  }
  return address;
}

// Waits until `fd` reports one of `events` (or an error/hangup) or the deadline passes.
inline bool waitFor(int fd, short events, TrafficClock::time_point deadline) {
  for (int attempt = 0; attempt < 1000; ++attempt) {  // EINTR retries, bounded
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - TrafficClock::now()).count();
    pollfd entry{fd, events, 0};
    int ready = ::poll(&entry, 1, static_cast<int>(std::max<long>(left, 0)));
    if (ready > 0) return true;
    if (ready == 0 || errno != EINTR) return false;
  }
  return false;
}

// A flow and what happened to it.
enum class FlowKind { Tcp, Udp, Echo };

struct Flow {
  FlowKind kind = FlowKind::Tcp;
  int family = AF_INET;
  const TrafficHost* from = nullptr;
  const TrafficHost* to = nullptr;
  uint16_t port = 0;  // destination port; unused for echo

  std::string describe() const {
    const char* kind_ = kind == FlowKind::Tcp ? "tcp" : kind == FlowKind::Udp ? "udp" : "echo";
    std::string text = std::string(kind_) + (family == AF_INET ? "/v4 " : "/v6 ") + from->reference + " -> " + to->reference;
    return kind == FlowKind::Echo ? text : text + " port " + std::to_string(port);
  }
  // As in events: the L4 kind of the flow's packets, the destination port (or ICMP type) of its
  // first packet, and the ICMP type of an echo reply.
  uint8_t l4Kind() const {
    if (kind == FlowKind::Echo) return family == AF_INET ? CILIUMC_L4_ICMP : CILIUMC_L4_ICMPV6;
    return kind == FlowKind::Tcp ? CILIUMC_L4_TCP : CILIUMC_L4_UDP;
  }
  uint16_t firstPacketDport() const { return kind == FlowKind::Echo ? (family == AF_INET ? 8 : 128) : port; }
  uint16_t echoReplyType() const { return kind == FlowKind::Echo ? (family == AF_INET ? 0 : 129) : 0; }
  // A packet of this flow in either direction (the namespaces also send MLD reports and such).
  bool owns(const ciliumc_event& event) const {
    if (event.l4_kind != l4Kind()) return false;
    if (kind == FlowKind::Echo) return event.dport == firstPacketDport() || event.dport == echoReplyType();
    return event.dport == port || event.sport == port;
  }
};

struct FlowOutcome {
  bool delivered = false;
  std::string stage;  // where it stopped, when not delivered
  double milliseconds = 0;
};

inline bool sendAll(int fd, const std::string& text) { return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == ssize_t(text.size()); }

inline bool receiveExactly(int fd, const std::string& expected, TrafficClock::time_point deadline) {
  if (!waitFor(fd, POLLIN, deadline)) return false;
  std::array<char, 256> buffer{};
  ssize_t got = ::recv(fd, buffer.data(), buffer.size(), 0);
  return got == ssize_t(expected.size()) && std::string(buffer.data(), size_t(got)) == expected;
}

// A socket of `host` bound to its address (so the source is the endpoint's own: the egress
// program drops any other source as spoofed).
inline Expected<UniqueFd> boundSocket(const TrafficHost& host, int family, int type, int protocol, uint16_t port) {
  auto fd = socketIn(host.netnsPath, family, type, protocol);
  if (!fd) return fd;
  int one = 1;
  ::setsockopt(fd->get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  SocketAddress address = socketAddress(family, host.address(family), port);
  if (::bind(fd->get(), address.get(), address.length) != 0)
    return Error{"bind " + host.address(family) + ": " + std::strerror(errno)};
  return fd;
}

// Listener on the server, connect from the client, request one way, response the other.
inline std::string tcpExchange(const Flow& flow, TrafficClock::time_point deadline) {
  auto listener = boundSocket(*flow.to, flow.family, SOCK_STREAM, 0, flow.port);
  if (!listener) return "setup: " + listener.error().message;
  if (::listen(listener->get(), 4) != 0) return "setup: listen";
  auto client = boundSocket(*flow.from, flow.family, SOCK_STREAM, 0, 0);
  if (!client) return "setup: " + client.error().message;
  SocketAddress server = socketAddress(flow.family, flow.to->address(flow.family), flow.port);
  if (::connect(client->get(), server.get(), server.length) != 0 && errno != EINPROGRESS)
    return std::string("connect: ") + std::strerror(errno);
  if (!waitFor(client->get(), POLLOUT, deadline)) return "connect timed out";
  int error = 0;
  socklen_t length = sizeof(error);
  ::getsockopt(client->get(), SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) return std::string("connect: ") + std::strerror(error);
  if (!waitFor(listener->get(), POLLIN, deadline)) return "accept timed out";
  UniqueFd accepted(::accept4(listener->get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!accepted.valid()) return "accept failed";
  if (!sendAll(client->get(), "request") || !receiveExactly(accepted.get(), "request", deadline))
    return "request not received";
  if (!sendAll(accepted.get(), "response") || !receiveExactly(client->get(), "response", deadline))
    return "response not received";
  return "";
}

// One datagram to the server, one back from it to the sender's address.
inline std::string udpExchange(const Flow& flow, TrafficClock::time_point deadline) {
  auto server = boundSocket(*flow.to, flow.family, SOCK_DGRAM, 0, flow.port);
  if (!server) return "setup: " + server.error().message;
  auto client = boundSocket(*flow.from, flow.family, SOCK_DGRAM, 0, 0);
  if (!client) return "setup: " + client.error().message;
  SocketAddress to = socketAddress(flow.family, flow.to->address(flow.family), flow.port);
  // A drop at the sender's own tc egress may or may not fail sendto (ENOBUFS): either way nothing
  // arrives, which is what is checked.
  (void)::sendto(client->get(), "request", 7, 0, to.get(), to.length);
  if (!waitFor(server->get(), POLLIN, deadline)) return "request not received";
  std::array<char, 64> buffer{};
  SocketAddress sender;
  sender.length = sizeof(sender.storage);
  ssize_t got = ::recvfrom(server->get(), buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&sender.storage),
                           &sender.length);
  if (got != 7) return "request garbled";
  (void)::sendto(server->get(), "response", 8, 0, sender.get(), sender.length);
  if (!receiveExactly(client->get(), "response", deadline)) return "response not received";
  return "";
}

inline uint16_t internetChecksum(const uint8_t* data, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < length; i += 2) sum += uint32_t(data[i]) << 8 | data[i + 1];
  if (length % 2) sum += uint32_t(data[length - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

// An echo request from a raw socket; the peer's kernel answers it. Replies are matched by type,
// identifier and source (raw sockets see every ICMP packet of the namespace).
inline std::string echoExchange(const Flow& flow, TrafficClock::time_point deadline) {
  bool v4 = flow.family == AF_INET;
  auto sock = boundSocket(*flow.from, flow.family, SOCK_RAW, v4 ? int(IPPROTO_ICMP) : int(IPPROTO_ICMPV6), 0);
  if (!sock) return "setup: " + sock.error().message;
  static std::atomic<uint16_t> sequence{0};
  uint16_t identifier = static_cast<uint16_t>(::getpid() ^ (++sequence << 8));
  std::array<uint8_t, 16> request{};
  request[0] = v4 ? 8 : 128;  // echo request
  request[4] = identifier >> 8, request[5] = identifier & 0xff;
  request[7] = 1;  // sequence number
  std::memcpy(request.data() + 8, "ciliumc!", 8);
  if (v4) {  // the kernel fills the ICMPv6 checksum itself (it covers the pseudo-header)
    uint16_t checksum = internetChecksum(request.data(), request.size());
    std::memcpy(request.data() + 2, &checksum, 2);
  }
  SocketAddress to = socketAddress(flow.family, flow.to->address(flow.family), 0);
  (void)::sendto(sock->get(), request.data(), request.size(), 0, to.get(), to.length);
  for (int packets = 0; packets < 64; ++packets) {  // bounded: unrelated ICMP is skipped
    if (!waitFor(sock->get(), POLLIN, deadline)) return "no echo reply";
    std::array<uint8_t, 1500> buffer{};
    SocketAddress sender;
    sender.length = sizeof(sender.storage);
    ssize_t got = ::recvfrom(sock->get(), buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&sender.storage),
                             &sender.length);
    if (got <= 0) continue;
    size_t offset = v4 ? size_t(buffer[0] & 0xf) * 4 : 0;  // IPv4 raw sockets include the IP header
    if (size_t(got) < offset + 8) continue;
    const uint8_t* icmp = buffer.data() + offset;
    char source[INET6_ADDRSTRLEN] = {};
    const void* raw = v4 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&sender.storage)->sin_addr)
                         : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&sender.storage)->sin6_addr);
    ::inet_ntop(flow.family, raw, source, sizeof(source));
    bool reply = icmp[0] == flow.echoReplyType() && (uint16_t(icmp[4]) << 8 | icmp[5]) == identifier;
    if (reply && source == flow.to->address(flow.family)) return "";
  }
  return "too much unrelated ICMP";
}

inline FlowOutcome runFlow(const Flow& flow, std::chrono::milliseconds wait) {
  auto start = TrafficClock::now();
  auto deadline = start + wait;
  std::string stopped = flow.kind == FlowKind::Tcp   ? tcpExchange(flow, deadline)
                        : flow.kind == FlowKind::Udp ? udpExchange(flow, deadline)
                                                     : echoExchange(flow, deadline);
  FlowOutcome outcome;
  outcome.delivered = stopped.empty();
  outcome.stage = stopped;
  outcome.milliseconds = std::chrono::duration<double, std::milli>(TrafficClock::now() - start).count();
  return outcome;
}

}  // namespace ciliumc::testing

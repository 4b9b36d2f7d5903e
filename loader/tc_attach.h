// Attaching an endpoint's two programs to a network device's tc clsact hooks (libbpf 1.1:
// netlink cls_bpf in direct-action mode; tcx links need a newer libbpf).
// Contract: attachEndpoint creates the clsact qdisc when missing and installs each program as
// one cls_bpf filter with a fixed handle and priority (kTcHandle, kTcPriority) using
// BPF_TC_F_REPLACE, so re-attaching replaces the running program atomically: no packet sees
// "no program". detachEndpoint removes exactly those filters (other filters and the qdisc stay).
// Network namespaces: the netlink socket is opened in the calling thread's network namespace,
// and ifindex is relative to it. To attach to a device in another namespace, enter it first
// on this thread (NetnsScope, loader/netns_scope.h) and call these functions inside the scope.
// Program fds stay valid across setns.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/policy.h"
#include "loader/status.h"

namespace ciliumc::loader {

// Where an endpoint's programs go.
//   Host:     the host side of the endpoint's veth pair (Cilium's lxc device). Packets the
//             endpoint sends arrive at this device's tc INGRESS (-> endpoint egress program);
//             packets to the endpoint leave through its tc EGRESS (-> endpoint ingress program).
//   Endpoint: the endpoint's own interface: egress program on tc egress, ingress on tc ingress.
enum class AttachSide { Host, Endpoint };

enum class TcHook { Ingress, Egress };
// The tc hook that runs the program enforcing `direction` when attached on `side`.
TcHook tcHookFor(AttachSide side, Direction direction);

inline constexpr uint32_t kTcHandle = 0xc111;
inline constexpr uint32_t kTcPriority = 0xc1;

struct TcAttachment {
  TcHook hook = TcHook::Ingress;
  uint32_t programId = 0;
  std::string programName;  // as the kernel knows it (15 characters at most)
};

// -1 for a program fd leaves that direction's hook untouched.
Status attachEndpoint(int ifindex, AttachSide side, int ingressProgramFd, int egressProgramFd);
Status attachProgram(int ifindex, TcHook hook, int programFd);
// Removes our filter from both hooks; a hook without it is fine.
Status detachEndpoint(int ifindex);
Status detachProgram(int ifindex, TcHook hook);
// Our filters on the device (at most one per hook).
Expected<std::vector<TcAttachment>> queryAttachments(int ifindex);
// Removes the whole clsact qdisc (every filter on both hooks, ours or not).
Status destroyClsact(int ifindex);

Expected<int> interfaceIndex(const std::string& name);

}  // namespace ciliumc::loader

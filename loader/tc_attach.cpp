#include "loader/tc_attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <net/if.h>

#include <cerrno>

#include "loader/libbpf_log.h"
#include "loader/unique_fd.h"

namespace ciliumc::loader {

namespace {

const char* hookName(TcHook hook) { return hook == TcHook::Ingress ? "tc ingress" : "tc egress"; }

bpf_tc_hook hookOf(int ifindex, TcHook hook) {
  bpf_tc_hook tcHook{};
  tcHook.sz = sizeof(tcHook);
  tcHook.ifindex = ifindex;
  tcHook.attach_point = hook == TcHook::Ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
  return tcHook;
}

bpf_tc_opts ourFilter() {
  bpf_tc_opts options{};
  options.sz = sizeof(options);
  options.handle = kTcHandle;
  options.priority = kTcPriority;
  return options;
}

std::string where(int ifindex, TcHook hook) {
  return std::string(hookName(hook)) + " of ifindex " + std::to_string(ifindex);
}

Status ensureClsact(int ifindex) {
  bpf_tc_hook hook = hookOf(ifindex, TcHook::Ingress);
  hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
  int err = bpf_tc_hook_create(&hook);
  if (err != 0 && err != -EEXIST) return errnoError("creating the clsact qdisc on ifindex " + std::to_string(ifindex), err);
  return success();
}

}  // namespace

TcHook tcHookFor(AttachSide side, Direction direction) {
  bool endpointIngress = direction == Direction::Ingress;
  if (side == AttachSide::Host) return endpointIngress ? TcHook::Egress : TcHook::Ingress;
  return endpointIngress ? TcHook::Ingress : TcHook::Egress;
}

Status attachProgram(int ifindex, TcHook hook, int programFd) {
  LibbpfLogCapture capture;
  if (auto made = ensureClsact(ifindex); !made) return made;
  bpf_tc_hook tcHook = hookOf(ifindex, hook);
  bpf_tc_opts options = ourFilter();
  options.prog_fd = programFd;
  options.flags = BPF_TC_F_REPLACE;
  if (int err = bpf_tc_attach(&tcHook, &options); err != 0) return errnoError("attaching to " + where(ifindex, hook), err);
  return success();
}

Status attachEndpoint(int ifindex, AttachSide side, int ingressProgramFd, int egressProgramFd) {
  for (Direction direction : {Direction::Ingress, Direction::Egress}) {
    int fd = direction == Direction::Ingress ? ingressProgramFd : egressProgramFd;
    if (fd < 0) continue;
    if (auto attached = attachProgram(ifindex, tcHookFor(side, direction), fd); !attached) return attached;
  }
  return success();
}

Status detachProgram(int ifindex, TcHook hook) {
  LibbpfLogCapture capture;
  bpf_tc_hook tcHook = hookOf(ifindex, hook);
  bpf_tc_opts options = ourFilter();
  int err = bpf_tc_detach(&tcHook, &options);
  // ENOENT: no such filter; EINVAL: no clsact qdisc at all. Both mean "not attached".
  if (err != 0 && err != -ENOENT && err != -EINVAL) return errnoError("detaching from " + where(ifindex, hook), err);
  return success();
}

Status detachEndpoint(int ifindex) {
  for (TcHook hook : {TcHook::Ingress, TcHook::Egress})
    if (auto detached = detachProgram(ifindex, hook); !detached) return detached;
  return success();
}

Expected<std::vector<TcAttachment>> queryAttachments(int ifindex) {
  LibbpfLogCapture capture;
  std::vector<TcAttachment> attachments;
  for (TcHook hook : {TcHook::Ingress, TcHook::Egress}) {
    bpf_tc_hook tcHook = hookOf(ifindex, hook);
    bpf_tc_opts options = ourFilter();
    int err = bpf_tc_query(&tcHook, &options);
    if (err == -ENOENT || err == -EINVAL) continue;
    if (err != 0) return errnoError("querying " + where(ifindex, hook), err);
    TcAttachment attachment;
    attachment.hook = hook;
    attachment.programId = options.prog_id;
    UniqueFd program(bpf_prog_get_fd_by_id(options.prog_id));
    if (program.valid()) {
      bpf_prog_info info{};
      uint32_t length = sizeof(info);
      if (bpf_obj_get_info_by_fd(program.get(), &info, &length) == 0) attachment.programName = info.name;
    }
    attachments.push_back(std::move(attachment));
  }
  return attachments;
}

Status destroyClsact(int ifindex) {
  LibbpfLogCapture capture;
  bpf_tc_hook hook = hookOf(ifindex, TcHook::Ingress);
  hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
  int err = bpf_tc_hook_destroy(&hook);
  if (err != 0 && err != -ENOENT && err != -EINVAL) return errnoError("removing clsact from ifindex " + std::to_string(ifindex), err);
  return success();
}

Expected<int> interfaceIndex(const std::string& name) {
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) return errnoError("no network device `" + name + "` in this network namespace", errno);
  return static_cast<int>(index);
}

}  // namespace ciliumc::loader

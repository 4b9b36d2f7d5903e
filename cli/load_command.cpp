// `ciliumc load DIR` and `ciliumc unload`: manual deployment of what `ciliumc compile -o DIR`
// wrote. load reads DIR/manifest.json and the objects, loads them with shared maps pinned under
// bpffs (<bpffs>/ciliumc/...), fills the maps from the manifest, pins each endpoint's programs
// and attaches the ones named by --attach to tc on a device. Pinned and attached programs keep
// enforcing after the process exits; unload detaches and unpins them. The node agent does the
// same through loader/deployment.h.
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/compile_manifest.h"
#include "loader/deployment.h"
#include "loader/netns_scope.h"

namespace ciliumc::cli {

namespace {

Expected<std::vector<uint8_t>> readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read object `" + path + "`", 0, "run `ciliumc compile -o DIR` again"};
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Enters /var/run/netns/NAME (or a path) for the rest of the command when --netns is given.
Expected<std::optional<loader::NetnsScope>> enterNetns(const std::string& netns) {
  if (netns.empty()) return std::optional<loader::NetnsScope>();
  std::string path = netns.find('/') == std::string::npos ? "/var/run/netns/" + netns : netns;
  auto scope = loader::NetnsScope::enter(path);
  if (!scope) return scope.error();
  return std::optional<loader::NetnsScope>(std::move(*scope));
}

int fail(const std::string& command, const Error& error) {
  std::cerr << "ciliumc " << command << ": error: " << error.message << "\n";
  if (!error.hint.empty()) std::cerr << "  hint: " << error.hint << "\n";
  return 1;
}

// The endpoint a reference names: "ns/name", a unique bare name, or the numeric endpoint id.
Expected<const EndpointPlan*> findEndpoint(const LoadedManifest& manifest, const std::string& reference) {
  for (const auto& endpoint : manifest.plan.endpoints)
    if (std::to_string(endpoint.endpointId) == reference) return &endpoint;
  if (const EndpointInfo* info = manifest.inventory.findEndpoint(reference))
    for (const auto& endpoint : manifest.plan.endpoints)
      if (endpoint.endpoint == info) return &endpoint;
  return Error{"no endpoint `" + reference + "` in the manifest", 0,
               "name it as `namespace/name` or by its id (see manifest.json)"};
}

struct LoadCommand {
  std::string directory;
  std::vector<std::string> endpoints;
  std::vector<std::string> attach;  // REF=DEVICE
  std::string side = "host";
  std::string netns;
  std::string bpffs = "/sys/fs/bpf";
  unsigned jobs = 0;

  int run() {
    auto manifest = readManifest(directory + "/manifest.json");
    if (!manifest) return fail("load", manifest.error());
    const LoadedManifest& loaded = **manifest;
    auto netnsScope = enterNetns(netns);
    if (!netnsScope) return fail("load", netnsScope.error());

    loader::DeployOptions options;
    options.bpffs = bpffs;
    options.loadThreads = jobs;
    for (const std::string& reference : endpoints) {
      auto endpoint = findEndpoint(loaded, reference);
      if (!endpoint) return fail("load", endpoint.error());
      options.endpoints.push_back((*endpoint)->endpointId);
    }
    std::vector<uint32_t> attached;
    for (const std::string& item : attach) {
      size_t equals = item.rfind('=');
      if (equals == std::string::npos || equals == 0 || equals + 1 == item.size())
        return fail("load", Error{"--attach `" + item + "`: expected ENDPOINT=DEVICE", 0, "e.g. --attach shop/web=lxc0"});
      auto endpoint = findEndpoint(loaded, item.substr(0, equals));
      if (!endpoint) return fail("load", endpoint.error());
      auto ifindex = loader::interfaceIndex(item.substr(equals + 1));
      if (!ifindex) return fail("load", ifindex.error());
      options.attachments.push_back(loader::DeviceAttachment{
          (*endpoint)->endpointId, *ifindex, side == "host" ? loader::AttachSide::Host : loader::AttachSide::Endpoint});
      attached.push_back((*endpoint)->endpointId);
    }
    // With --attach and no --endpoint, only the attached endpoints are (re)deployed: re-pinning
    // an endpoint that runs elsewhere would leave its running program without a pin.
    options.endpoints.insert(options.endpoints.end(), attached.begin(), attached.end());
    // A shape's object: the file of its first endpoint (the loader rewrites .rodata per endpoint).
    auto source = [&loaded](uint32_t shape) -> Expected<std::vector<uint8_t>> {
      for (size_t i = 0; i < loaded.plan.endpoints.size(); ++i)
        if (loaded.plan.endpoints[i].shape == shape) return readBytes(loaded.objectFiles[i]);
      return Error{"no object for shape " + std::to_string(shape)};
    };
    auto report = loader::deployPlan(loaded.plan, source, options);
    if (!report) return fail("load", report.error());
    for (const auto& record : report->loads) {
      uint32_t insns = 0;
      for (const auto& program : record.stats.programs) insns += program.verifiedInsns;
      std::cout << fmt::format("loaded endpoint {} (shape {}): {} verified instructions, {:.1f} ms\n",
                               record.endpointId, record.shapeKey, insns, record.stats.loadMs);
    }
    std::cout << fmt::format("{} endpoint{} pinned under {}/ciliumc, {} attached\n", report->loads.size(),
                             report->loads.size() == 1 ? "" : "s", bpffs, report->attached);
    return 0;
  }
};

struct UnloadCommand {
  std::vector<uint32_t> endpoints;
  bool all = false;
  std::string netns;
  std::string bpffs = "/sys/fs/bpf";

  int run() {
    auto netnsScope = enterNetns(netns);
    if (!netnsScope) return fail("unload", netnsScope.error());
    auto report = loader::undeployEndpoints(loader::PinLayout(bpffs), endpoints, all);
    if (!report) return fail("unload", report.error());
    for (const auto& where : report->detachedFrom) std::cout << "detached from " << where << "\n";
    std::cout << fmt::format("{} endpoint{} unpinned{}\n", report->endpoints.size(),
                             report->endpoints.size() == 1 ? "" : "s",
                             report->removedNode ? "; no endpoint left, node maps unpinned" : "");
    return 0;
  }
};

}  // namespace

CommandRunner addLoadCommand(CLI::App& app) {
  auto command = std::make_shared<LoadCommand>();
  CLI::App* sub = app.add_subcommand(
      "load", "Load compiled objects (from `ciliumc compile -o DIR`), pin them under bpffs, attach to tc");
  sub->add_option("directory", command->directory, "Directory written by `ciliumc compile -o DIR`")->required();
  sub->add_option("--endpoint", command->endpoints, "Only these endpoints (`ns/name` or id); repeatable")
      ->type_name("REF");
  sub->add_option("--attach", command->attach, "Attach an endpoint's programs to a device; repeatable")
      ->type_name("REF=DEVICE");
  sub->add_option("--side", command->side,
                  "host: DEVICE is the host side of the endpoint's veth (Cilium's way); endpoint: DEVICE is "
                  "the endpoint's own interface")
      ->check(CLI::IsMember({"host", "endpoint"}))
      ->option_text("host|endpoint (default: host)");
  sub->add_option("--netns", command->netns, "Network namespace of the devices (name under /var/run/netns or a path)")
      ->type_name("NAME");
  sub->add_option("--bpffs", command->bpffs, "bpffs mount to pin under (default: /sys/fs/bpf)")->type_name("DIR");
  sub->add_option("-j,--jobs", command->jobs,
                  "Objects loaded (verified by the kernel) at once; 0 = one per CPU, at most 8 (default: 0)")
      ->type_name("N")
      ->check(CLI::Range(0u, 256u));
  return [command] { return command->run(); };
}

CommandRunner addUnloadCommand(CLI::App& app) {
  auto command = std::make_shared<UnloadCommand>();
  CLI::App* sub = app.add_subcommand("unload", "Detach and unpin endpoints loaded with `ciliumc load`");
  sub->add_option("--endpoint", command->endpoints,
                  "Endpoint ids to unload; repeatable (default: those attached to a device of this namespace)")
      ->type_name("ID");
  sub->add_flag("--all", command->all, "Unload every pinned endpoint, attached here or not");
  sub->add_option("--netns", command->netns, "Network namespace of the devices (name under /var/run/netns or a path)")
      ->type_name("NAME");
  sub->add_option("--bpffs", command->bpffs, "bpffs mount the endpoints are pinned under")->type_name("DIR");
  return [command] { return command->run(); };
}

}  // namespace ciliumc::cli

// The manifest `ciliumc compile` writes next to the objects (manifest.json), and reads back for
// `ciliumc load`: which object belongs to which endpoint, each endpoint's identity and
// addresses, the rule table (provenance ids in events), and every map entry the objects need —
// node maps (ipcache) and per-shape maps (identity classes, verdict matrix, CIDR classes).
// Contract: readManifest(writeManifest(plan)) gives a plan whose map contents, budgets and
// endpoint constants equal the original's (the fields the loader fills maps from); interned
// peers and lowered entries (compile-time only) are not stored.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "passes/datapath_plan.h"
#include "support/expected.h"

namespace ciliumc::cli {

inline constexpr int kManifestVersion = 1;

// objectFiles[i] is the file name (relative to the manifest) of plan.endpoints[i]'s object;
// endpoints without one (empty name) are left out, and so are the map entries of shapes no
// listed endpoint uses.
nlohmann::json writeManifest(const CompilePlan& plan, const std::vector<std::string>& objectFiles);

// A manifest read back. Non-movable parts live behind the pointer: the plan's endpoints point
// into `inventory` (endpoints with name, namespace, identity and addresses only).
struct LoadedManifest {
  Inventory inventory;
  CompilePlan plan;
  std::vector<std::string> objectFiles;  // absolute or relative to the current directory
};
Expected<std::unique_ptr<LoadedManifest>> readManifest(const std::string& path);

}  // namespace ciliumc::cli

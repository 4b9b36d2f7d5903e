#include "cli/resolve_options.h"

namespace ciliumc::cli {

void ResolveFlags::addTo(CLI::App& command) {
  command.add_option("--policy-enforcement", enforcement_,
                     "Cilium's enforcement mode: default (a selecting policy with that direction "
                     "enforces it), always, never")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, EnforcementMode>{{"default", EnforcementMode::Default},
                                                 {"always", EnforcementMode::Always},
                                                 {"never", EnforcementMode::Never}},
          CLI::ignore_case));
  command.add_flag("--no-allow-localhost", noAllowLocalhost_,
                   "Do not allow traffic from the local host to local endpoints by default");
}

ResolveOptions ResolveFlags::options() const {
  ResolveOptions options;
  options.enforcement = enforcement_;
  options.allowLocalhost = !noAllowLocalhost_;
  return options;
}

}  // namespace ciliumc::cli

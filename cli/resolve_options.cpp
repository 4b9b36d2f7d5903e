#include "cli/resolve_options.h"

namespace ciliumc::cli {

void ResolveFlags::addTo(CLI::App& command) {
  command.add_option("--policy-enforcement", enforcement_,
                     "Cilium's enforcement mode: default (a selecting policy with that direction "
                     "enforces it), always (every endpoint is default-deny), never (nothing is enforced)")
      ->transform(CLI::IsMember({"default", "always", "never"}, CLI::ignore_case))
      ->option_text("default|always|never");
  command.add_flag("--no-allow-localhost", noAllowLocalhost_,
                   "Do not allow traffic from the local host to local endpoints by default");
}

ResolveOptions ResolveFlags::options() const {
  ResolveOptions options;
  options.enforcement = enforcement_ == "always" ? EnforcementMode::Always
                        : enforcement_ == "never" ? EnforcementMode::Never
                                                  : EnforcementMode::Default;
  options.allowLocalhost = !noAllowLocalhost_;
  return options;
}

}  // namespace ciliumc::cli

#include "cli/pass_flags.h"

namespace ciliumc::cli {

void PassFlags::addTo(CLI::App& command) {
  command.add_flag("--print-passes", printPasses_, "List the passes in pipeline order with their contracts, then exit");
  command.add_option("--dump-after", dumpAfter_, "Print the policy IR (or the plan) after this pass; repeatable")
      ->type_name("PASS");
  command.add_option("--disable-pass", disabled_, "Skip an optional pass; repeatable")->type_name("PASS");
}

PassOptions PassFlags::options(std::ostream& dumpStream) const {
  PassOptions options;
  options.disabled = disabled_;
  options.dumpAfter = dumpAfter_;
  options.dumpStream = &dumpStream;
  return options;
}

}  // namespace ciliumc::cli

// ciliumctl: the command line client of ciliumd (see docs/agent.md). Everything but this entry
// point lives in the ciliumc_ctl library so the unit tests can run commands in-process.
#include <iostream>

#include "cli/ciliumctl/ctl_app.h"

int main(int argc, char** argv) { return ciliumc::ctl::runCiliumctl(argc, argv, std::cout, std::cerr); }

# lit configuration: every *.test / *.policy file under test/lit with a RUN: line is a test.
# Substitutions: %ciliumc (the built binary), FileCheck and not from llvm-N-tools, %S (the test's
# directory), %examples (examples/ in the source tree).
import os
import lit.formats

config.name = "ciliumc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test", ".policy", ".yaml"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
# Outputs (%t files, Output/ folders) go to the build tree, never into the sources.
config.test_exec_root = lit_config.params.get("exec_root", os.path.join(os.getcwd(), "lit-output"))

ciliumc = lit_config.params.get("ciliumc")
tools = lit_config.params.get("llvm_tools", "/usr/lib/llvm-19/bin")
root = lit_config.params.get("source_root")
if not ciliumc:
    lit_config.fatal("pass --param ciliumc=/path/to/ciliumc")

config.substitutions.append(("%ciliumc", ciliumc))
config.substitutions.append(("%examples", os.path.join(root, "examples")))
config.substitutions.append(("%conformance", os.path.join(root, "test", "conformance")))
config.environment["PATH"] = tools + os.pathsep + config.environment.get("PATH", "")
config.environment["NO_COLOR"] = "1"
# `REQUIRES: root`: tests that load BPF programs (the CI runs as root).
if os.geteuid() == 0:
    config.available_features.add("root")
elif os.environ.get("CILIUMC_REQUIRE_PRIVILEGED", "0") not in ("", "0"):
    lit_config.fatal("CILIUMC_REQUIRE_PRIVILEGED is set but lit is not running as root: "
                     "the BPF tests would be skipped")

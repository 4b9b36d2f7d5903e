"""Usage: expect_exit.py CODE COMMAND [ARGS...]

Runs COMMAND, passes its stdout and stderr through, and exits 0 only when COMMAND exited with
CODE (lit's `not` accepts any non-zero code, but ciliumc's 1 and 2 mean different things:
errors/failed tests vs usage errors)."""
import subprocess
import sys

expected = int(sys.argv[1])
completed = subprocess.run(sys.argv[2:])
if completed.returncode != expected:
    print(f"expect_exit.py: `{' '.join(sys.argv[2:])}` exited {completed.returncode}, expected {expected}",
          file=sys.stderr)
    sys.exit(1)

"""Reads `ciliumc help` on stdin; fails listing every code without a test file in argv[1]."""
import os
import re
import sys

codes = re.findall(r"^\s+(CP\d{4})\s", sys.stdin.read(), re.M)
if not codes:
    sys.exit("no diagnostic codes found in `ciliumc help` output")
files = os.listdir(sys.argv[1])
missing = [c for c in codes if not any(f.startswith(c) for f in files)]
if missing:
    sys.exit("diagnostic codes without a lit test: " + ", ".join(missing))
print(f"{len(codes)} codes, each with a test")

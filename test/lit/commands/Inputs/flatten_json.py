"""Reads one JSON document on stdin and prints every leaf as `path = value`, one per line, in
document order (e.g. `results[0].egress.rules[0].line = 15`), so FileCheck can check JSON
output field by field. Exits non-zero (with the parser's message) when stdin is not valid JSON,
or when anything follows the document."""
import json
import sys


def walk(path, value):
    if isinstance(value, dict):
        if not value:
            print(f"{path} = {{}}")
        for key, item in value.items():
            walk(f"{path}.{key}" if path else key, item)
    elif isinstance(value, list):
        if not value:
            print(f"{path} = []")
        for index, item in enumerate(value):
            walk(f"{path}[{index}]", item)
    else:
        print(f"{path} = {json.dumps(value)}")


walk("", json.loads(sys.stdin.read()))

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every example report in docs/*.md and README.md is valid: each ```json block holding a
report header ("header" or "hed") passes `defender check`, so the docs never show a report
the service would reject.

Usage: report_examples_test.py <defender executable> <source dir>
"""
import pathlib
import re
import subprocess
import sys


def main(defender, source):
    root = pathlib.Path(source)
    checked = 0
    failures = 0
    for page in sorted([root / "README.md", *(root / "docs").glob("*.md")]):
        for block in re.findall(r"```json\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            if '"header"' not in block and '"hed"' not in block:
                continue
            checked += 1
            result = subprocess.run([defender, "check", "-"], input=block.encode(),
                                    capture_output=True, check=False)
            if result.returncode != 0:
                failures += 1
                print(f"{page.relative_to(root)}: example report is not valid:\n"
                      f"{result.stdout.decode()}{result.stderr.decode()}")
    if checked == 0:
        print("no example reports found: the pattern no longer matches the docs")
        return 1
    print(f"{checked} example reports checked, {failures} invalid")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

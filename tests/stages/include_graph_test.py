#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Compares the include graph of src/ with the stages docs/architecture.md allows.

Usage: include_graph_test.py <source dir> <stage_graph.txt of a build> [<generated include dir>]

The table under "## Stages the build enforces" in docs/architecture.md names each stage, its
folders and the stages it may include directly; a stage may also include whatever those may,
transitively. This test fails when:
  - a file in src/ includes a folder or public header of a stage it may not reach (or goes
    through "../", or includes a quoted header that is neither in src/ nor public);
  - a public header includes anything but public headers of stages it may reach;
  - a public header lacks its "/// Target: Defender::<library> (stage <stage>)." line or names
    an unknown stage;
  - the table and the stage libraries CMake declares (cmake/stages.cmake, written to
    stage_graph.txt) disagree, a folder of src/ belongs to no stage, or the table has a cycle.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)
TAG = re.compile(r"^/// Target: Defender::[a-z_]+ \((?:stage ([a-z_]+)|every stage)\)\.$", re.MULTILINE)


def parse_table(doc):
    """{stage: (folders, direct dependencies)} from the doc's stage table."""
    text = doc.read_text()
    start = text.find("## Stages the build enforces")
    if start < 0:
        raise SystemExit(f"{doc}: no section '## Stages the build enforces'")
    rows = {}
    header = None
    for line in text[start:].splitlines()[1:]:
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = [cell.lower() for cell in cells]
            continue
        if set(line) <= set("|-: "):
            continue
        row = dict(zip(header, cells))
        stage = row["stage"].strip("`")
        folders = re.findall(r"`(src/[^`]*)`", row["folders"])
        depends = re.findall(r"[a-z_]+", row["may include"].replace("—", ""))
        rows[stage] = (folders, depends)
    if not rows:
        raise SystemExit(f"{doc}: no stage table under '## Stages the build enforces'")
    return rows


def closure(rows, errors):
    reach = {}

    def visit(stage, path):
        if stage in path:
            errors.append("the table has a cycle: " + " -> ".join(path + [stage]))
            return set()
        if stage not in reach:
            result = set()
            for dependency in rows[stage][1]:
                if dependency not in rows:
                    errors.append(f"stage {stage} may include unknown stage {dependency}")
                    continue
                result |= {dependency} | visit(dependency, path + [stage])
            reach[stage] = result
        return reach[stage]

    for stage in rows:
        visit(stage, [])
    return reach


def main():
    source = pathlib.Path(sys.argv[1])
    cmake_graph = pathlib.Path(sys.argv[2])
    generated = pathlib.Path(sys.argv[3]) if len(sys.argv) > 3 else None
    errors = []
    rows = parse_table(source / "docs/architecture.md")
    reach = closure(rows, errors)

    # The table against CMake's stage libraries.
    for line in cmake_graph.read_text().splitlines():
        stage, _, depends = line.partition(":")
        if stage not in rows:
            errors.append(f"CMake stage library defender_{stage} is not in the table")
        elif sorted(depends.split()) != sorted(rows[stage][1]):
            errors.append(f"stage {stage}: CMake declares {sorted(depends.split())}, "
                          f"docs/architecture.md {sorted(rows[stage][1])}")

    # Which stage owns a file: the longest folder of the table that holds it.
    folders = sorted(((folder.rstrip("/") + "/", stage) for stage, (fs, _) in rows.items()
                      for folder in fs), key=lambda item: -len(item[0]))

    def owner(relative):
        for folder, stage in folders:
            if relative.startswith(folder):
                return stage
        return None

    # Public headers and their stages.
    public = {}
    headers = sorted((source / "include/defender").glob("*.hpp"))
    if generated:
        headers += sorted((generated / "defender").glob("*.hpp"))
    for header in headers:
        match = TAG.search(header.read_text())
        if not match:
            errors.append(f"{header.name}: no '/// Target: Defender::<library> (stage <stage>).'"
                          " line in its first comment")
            continue
        if match.group(1) and match.group(1) not in rows:
            errors.append(f"{header.name}: unknown stage {match.group(1)}")
        public["defender/" + header.name] = match.group(1)

    def allowed(stage, target):
        return target is not None and (target == stage or target in reach.get(stage, set()))

    # Every quoted include in src/ and in the public headers.
    files = sorted(p for p in (source / "src").rglob("*") if p.suffix in (".cpp", ".hpp"))
    for path in files + headers:
        relative = path.relative_to(source).as_posix() if path.is_relative_to(source) else path.name
        in_public = path in headers
        stage = public.get("defender/" + path.name) if in_public else owner(relative)
        if not in_public and stage is None:
            errors.append(f"{relative}: its folder belongs to no stage in docs/architecture.md")
            continue
        text = path.read_text()
        for match in INCLUDE.finditer(text):
            name = match.group(1)
            line = text.count("\n", 0, match.start()) + 1
            where = f"{relative}:{line}: \"{name}\""
            if ".." in pathlib.PurePosixPath(name).parts:
                errors.append(f"{where}: no '..' in includes")
            elif name in public:
                target = public[name]
                # An umbrella header (stage None: every stage) may include any public header.
                if stage is not None and target != stage and not allowed(stage, target):
                    errors.append(f"{where}: stage {stage} may not include a header of stage "
                                  f"{target}")
            elif in_public:
                errors.append(f"{where}: a public header includes only public headers")
            elif (path.parent / name).is_file():
                continue  # the same folder
            elif (source / "src" / name).is_file():
                target = owner("src/" + name)
                if not allowed(stage, target):
                    errors.append(f"{where}: stage {stage} may not include stage {target}")
            else:
                errors.append(f"{where}: neither in src/ nor a public header")

    for error in errors:
        print(error)
    stages = len(rows)
    print(f"{len(files)} files of src/ and {len(headers)} public headers in {stages} stages: "
          f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

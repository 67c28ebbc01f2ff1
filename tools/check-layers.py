#!/usr/bin/env python3
"""Checks every #include under src/ against tools/layers.txt.

usage: tools/check-layers.py [ROOT]   (ROOT defaults to the repository)
Exit 0 when every include keeps the rule, 1 with one line per violation.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')


def load_rules(path):
    layers, allow, deny, only = {}, set(), set(), {}
    level = 0
    with open(path, encoding="utf-8") as f:
        lines = [l.split("#", 1)[0].strip() for l in f]
    lines = [l for l in lines if l]
    # Layers are the plain lines, top first; give the top the highest number.
    plain = [l for l in lines if not l.startswith(("allow ", "deny ", "only "))]
    for i, line in enumerate(plain):
        for comp in line.split():
            layers[comp] = len(plain) - i
    for line in lines:
        if line.startswith(("allow ", "deny ")):
            kind, rest = line.split(" ", 1)
            left, right = rest.split("->")
            for a in left.split():
                for b in right.split():
                    (allow if kind == "allow" else deny).add((a, b))
        elif line.startswith("only "):
            comp, headers = line[5:].split(":", 1)
            for h in headers.split():
                only[h] = comp.strip()
    return layers, allow, deny, only


def check(root):
    layers, allow, deny, only = load_rules(os.path.join(root, "tools", "layers.txt"))
    src = os.path.join(root, "src")
    bad = []
    for dirpath, _, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        comp = rel.split(os.sep)[0]
        if comp == ".":
            continue
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            if comp not in layers:
                bad.append(f"{path}: component '{comp}' is not in tools/layers.txt")
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    inc = m.group(1)
                    where = f"{os.path.relpath(path, root)}:{n}"
                    if inc in only and only[inc] != comp:
                        bad.append(f"{where}: {inc} belongs to {only[inc]}/ alone")
                        continue
                    target = inc.split("/")[0] if "/" in inc else None
                    if target is None or target not in layers or target == comp:
                        continue
                    if (comp, target) in deny:
                        bad.append(f"{where}: {comp}/ must never include {target}/ ({inc})")
                    elif layers[target] >= layers[comp] and (comp, target) not in allow:
                        bad.append(f"{where}: {comp}/ may not include {inc}: "
                                   f"{target}/ is not below {comp}/ in tools/layers.txt")
    return bad


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))
    bad = check(root)
    for line in bad:
        print(line)
    if bad:
        print(f"check-layers: {len(bad)} include(s) break the layer rule", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

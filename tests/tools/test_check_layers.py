#!/usr/bin/env python3
"""The layer check must fail on a tree that breaks the rule, and pass on one that keeps it."""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "tools", "check-layers.py")


def tree(files):
    d = tempfile.mkdtemp(prefix="layers-")
    os.makedirs(os.path.join(d, "tools"))
    shutil.copy(os.path.join(ROOT, "tools", "layers.txt"), os.path.join(d, "tools"))
    for path, text in files.items():
        full = os.path.join(d, "src", path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return d


def run(d):
    p = subprocess.run([sys.executable, CHECK, d], capture_output=True, text=True)
    return p.returncode, p.stdout.splitlines()


def main():
    failures = 0
    good = tree({
        "core/core.h": "#include <stdio.h>\n",
        "db/sqlite.c": '#include "db/db.h"\n#include "core/core.h"\n#include <sqlite3.h>\n',
        "directory/directory.c": '#include "db/db.h"\n',
        "api/x.c": '#include "http/http.h"\n#include "directory/directory.h"\n',
        "cli/main.c": '#include "api/api.h"\n',
    })
    code, out = run(good)
    if code != 0:
        print("FAIL: a correct tree was refused:", out)
        failures += 1
    bad = tree({
        "core/core.h": '#include "db/db.h"\n',                 # up a layer
        "db/db.c": '#include "http/http.h"\n',                 # sideways
        "directory/directory.c": '#include "http/http.h"\n',   # denied
        "directory/x.c": "#include <sqlite3.h>\n",             # someone else's engine
        "api/x.c": '#include "cli/cli.h"\n',                   # up
        "newthing/y.c": "\n",                                  # unknown component
    })
    code, out = run(bad)
    if code != 1 or len(out) != 6:
        print(f"FAIL: expected 6 violations and exit 1, got exit {code}:", *out, sep="\n  ")
        failures += 1
    for d in (good, bad):
        shutil.rmtree(d)
    real_code, real_out = run(ROOT)
    if real_code != 0:
        print("FAIL: the repository breaks the layer rule:", *real_out, sep="\n  ")
        failures += 1
    print("check-layers:", "FAIL" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

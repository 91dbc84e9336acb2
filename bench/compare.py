"""This checkout's speed against another revision's, interleaved so both see the same load.

    python bench/compare.py DIR --against REV [--rounds 3] [--one-file-runs 30]

Checks REV out into a temporary git worktree, and runs in DIR, alternating between the
two: a cold ``--check`` (no cache), a warm one (the second run) and a ``--no-cache`` one,
``--rounds`` times; then ``--check --no-cache FILE`` on a typical file against a bare
``python -c pass``, ``--one-file-runs`` times. Prints the medians. Both trees run with the
same interpreter and dependencies (REV's ``slimfix`` shadows this one on ``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import _ENV, _typical  # noqa: E402

HERE = Path(__file__).resolve().parents[1]


def _timed(cmd: list[str], cwd: str, env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--against", required=True, metavar="REV")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--one-file-runs", type=int, default=30)
    args = ap.parse_args()
    root = os.path.abspath(args.dir)
    other = tempfile.mkdtemp(prefix="slimfix-compare-")
    subprocess.run(["git", "-C", str(HERE), "worktree", "add", "-q", "--detach", other, args.against], check=True)
    try:
        trees = {"this": _ENV, args.against: {**_ENV, "PYTHONPATH": other}}
        for env in trees.values():
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE / "slimfix"), f"{other}/slimfix"],
                           env=env, stdout=subprocess.DEVNULL, check=True)
        check = [sys.executable, "-m", "slimfix", "--check", "-q", "."]
        times: dict[tuple[str, str], list[float]] = {}
        cache = os.path.join(root, ".slimfix_cache")
        had_cache = os.path.exists(cache)
        for _ in range(args.rounds):
            for name, env in trees.items():
                shutil.rmtree(cache, ignore_errors=True)
                times.setdefault((name, "cold"), []).append(_timed(check, root, env))
                times.setdefault((name, "warm"), []).append(_timed(check, root, env))
                times.setdefault((name, "no cache"), []).append(_timed(check + ["--no-cache"], root, env))
        if not had_cache:
            shutil.rmtree(cache, ignore_errors=True)
        from slimfix.discovery import discover

        one = _typical(discover([root]))
        single = [sys.executable, "-m", "slimfix", "--check", "--no-cache", "-q", one]
        for _ in range(args.one_file_runs):
            for name, env in trees.items():
                times.setdefault((name, "one file"), []).append(_timed(single, root, env))
            times.setdefault(("python -c pass", "one file"), []).append(
                _timed([sys.executable, "-c", "pass"], root, _ENV))
        bare = statistics.median(times[("python -c pass", "one file")])
        print(f"{root}, load {os.getloadavg()[0]:.1f}; medians of {args.rounds} rounds "
              f"({args.one_file_runs} for one file: {os.path.relpath(one, root)})")
        for (name, what), values in times.items():
            m = statistics.median(values)
            extra = f"  ({m / bare:.2f}x python -c pass)" if what == "one file" else ""
            print(f"{name:>16} {what:9} {m * 1000:8.1f} ms{extra}")
    finally:
        subprocess.run(["git", "-C", str(HERE), "worktree", "remove", "--force", other], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed benchmark: every figure of issue 14, in one run, on the same files.

    python bench/speed.py DIR                 # a real corpus (never written, but see below)
    python bench/speed.py --monorepo 5000     # the synthetic monorepo of bench/monorepo.py
        [--jobs N] [--one-file-runs 15] [--no-hadolint] [--no-memory]

Prints, for the Dockerfiles slimfix finds under the tree:
- cold ``slimfix --check`` files/s (empty cache) and warm (a second run, cache kept);
- one file: ``slimfix --check FILE`` as a multiple of a bare ``python -c pass`` (medians
  of interleaved runs, so both see the same machine load);
- hadolint's batched files/s (200 files per process, as bench/hadolint_compare.py runs
  it) and slimfix's cold and warm ratio to it;
- peak memory (resident size of slimfix's whole process tree) for text, JSON and SARIF
  reports (``--no-cache``, so each is a full cold run).

The cache lives in the working directory's ``.slimfix_cache/`` (slimfix's project root
when there is no settings file), so the runs happen in DIR: a ``.slimfix_cache/`` that was
not there before is removed afterwards. It is a benchmark, not a test: this machine's
speed varies from minute to minute, so compare figures from the same run only.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from monorepo import PeakRss, build_tree  # noqa: E402

from slimfix.discovery import discover  # noqa: E402

_HADOLINT_BATCH = 200
# Timed runs must not compile slimfix's modules on every start-up (an environment with
# PYTHONDONTWRITEBYTECODE set would make every one-file run pay ~200 ms for it).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _compile() -> None:
    import slimfix

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(slimfix.__file__).parent)],
                   stdout=subprocess.DEVNULL, check=True)


def _cpu() -> float:
    """CPU seconds of all waited-for children: steadier than wall time on a busy machine."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _slimfix(args: list[str], cwd: Path, jobs: int | None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak resident bytes of one ``slimfix`` run; its
    output is dropped."""
    cmd = [sys.executable, "-m", "slimfix", *args]
    if jobs:
        cmd[3:3] = ["-j", str(jobs)]
    c0, t0 = _cpu(), time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = PeakRss(proc.pid)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - t0
    sampler.done = True
    sampler.join()
    if proc.returncode not in (0, 1):
        sys.exit(f"slimfix {' '.join(args)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return elapsed, _cpu() - c0, sampler.peak


def _age(root: Path) -> None:
    """Every file and folder of the synthetic tree an hour old, as in a checkout: slimfix's
    caches do not trust a time within two seconds of a run (it may change again unseen)."""
    past = time.time() - 3600
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            os.utime(os.path.join(d, name), (past, past), follow_symlinks=False)
    os.utime(root, (past, past))


def _hadolint_exe() -> str:
    return shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


def time_hadolint(files: list[str]) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(files), _HADOLINT_BATCH):
        subprocess.run([_hadolint_exe(), "--no-fail", "-f", "json", *files[i : i + _HADOLINT_BATCH]],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def one_file(file: str, cwd: Path, runs: int) -> tuple[float, float]:
    """Medians (seconds) of ``slimfix --check --no-cache FILE`` and ``python -c pass``,
    run alternately. ``--no-cache``: a pre-commit call on an edited file misses anyway."""
    ours, bare = [], []
    cmd = [sys.executable, "-m", "slimfix", "--check", "--no-cache", "-q", file]
    for _ in range(runs):
        for argv, out in ((cmd, ours), ([sys.executable, "-c", "pass"], bare)):
            t0 = time.perf_counter()
            subprocess.run(argv, cwd=cwd, env=_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out.append(time.perf_counter() - t0)
    return statistics.median(ours), statistics.median(bare)


def _typical(files: list[str]) -> str:
    """A file named Dockerfile of median size: what a pre-commit hook is usually given."""
    named = [f for f in files if os.path.basename(f) == "Dockerfile"] or files
    return sorted(named, key=lambda f: (os.path.getsize(f), f))[len(named) // 2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", help="a tree of Dockerfiles (a real corpus)")
    ap.add_argument("--monorepo", type=int, metavar="N", help="build the synthetic monorepo of N files instead")
    ap.add_argument("--jobs", type=int)
    ap.add_argument("--one-file-runs", type=int, default=15)
    ap.add_argument("--no-hadolint", action="store_true")
    ap.add_argument("--no-memory", action="store_true", help="skip the three report runs")
    args = ap.parse_args()
    if (args.root is None) == (args.monorepo is None):
        ap.error("give DIR or --monorepo N")
    tmp = None
    if args.monorepo is not None:
        tmp = tempfile.mkdtemp(prefix="slimfix-speed-")
        root = Path(tmp)
        build_tree(root, args.monorepo)
        _age(root)
    else:
        root = Path(args.root).resolve()
    cache = root / ".slimfix_cache"
    had_cache = cache.exists()
    try:
        files = discover([str(root)])
        n = len(files)
        _compile()
        shutil.rmtree(cache, ignore_errors=True)  # cold means cold
        cold, cold_cpu, cold_rss = _slimfix(["--check", "-q", "."], root, args.jobs)
        warm, warm_cpu, warm_rss = _slimfix(["--check", "-q", "."], root, args.jobs)
        print(f"files: {n}   cpus: {os.cpu_count()}   python: {sys.version.split()[0]}   "
              f"load: {os.getloadavg()[0]:.1f}")
        print(f"cold slimfix --check: {cold:6.2f} s {n / cold:9,.0f} files/s  cpu {cold_cpu:.2f} s  "
              f"peak {cold_rss / 2**20:.0f} MB")
        print(f"warm slimfix --check: {warm:6.2f} s {n / warm:9,.0f} files/s  cpu {warm_cpu:.2f} s  "
              f"peak {warm_rss / 2**20:.0f} MB")
        if not args.no_hadolint:
            h = time_hadolint(files)
            print(f"hadolint, {_HADOLINT_BATCH} per process: {h:6.2f} s {n / h:9,.0f} files/s  "
                  f"(slimfix cold {h / cold:.1f}x, warm {h / warm:.1f}x)")
        one = _typical(files)
        ours, bare = one_file(one, root, args.one_file_runs)
        print(f"one file ({os.path.relpath(one, root)}): slimfix --check {ours * 1000:.0f} ms, "
              f"python -c pass {bare * 1000:.0f} ms: {ours / bare:.1f}x (medians of {args.one_file_runs})")
        if not args.no_memory:
            for fmt in ("text", "json", "sarif"):
                elapsed, _, peak = _slimfix(["--no-cache", "--output-format", fmt, "."], root, args.jobs)
                print(f"report --output-format {fmt:5}: {elapsed:6.2f} s  peak {peak / 2**20:.0f} MB")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        elif not had_cache:
            shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

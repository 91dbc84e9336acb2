"""Candidates for apps.txt: the applications of fetched repositories that slimfix changes in
some tier and whose every base has a stand-in (bench/realbuilds/run.py can build them).

    python bench/realbuilds/find_apps.py [--mirrors /work/.mirror] [REPO...] >> bench/realbuilds/apps.txt

An application is a directory holding a file named ``Dockerfile`` (the directory is the build
context, as `docker build DIR` takes it). Prints one apps.txt line each, with the tiers that
change it as a comment; the lines already in apps.txt are left out.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract import extract  # noqa: E402
from run import TIERS, load_apps, map_bases, rewrites  # noqa: E402


def dockerfile_dirs(git: Path) -> list[str]:
    out = subprocess.run(["git", "--git-dir", str(git), "ls-tree", "-r", "--name-only", "HEAD"],
                         capture_output=True, text=True).stdout.splitlines()
    return sorted({os.path.dirname(p) or "." for p in out if os.path.basename(p) == "Dockerfile"})


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("repos", nargs="*", help="owner/name (default: every fetched repository)")
    p.add_argument("--mirrors", type=Path, default=Path(os.environ.get("REALBUILDS_MIRRORS", "/work/.mirror")))
    p.add_argument("--apps", type=Path, default=Path(__file__).with_name("apps.txt"))
    args = p.parse_args(argv)
    known = {(a.repo, a.context.rstrip("/") or ".") for a in load_apps(args.apps)}
    repos = args.repos or sorted(d.name.replace("+", "/", 1) for d in args.mirrors.iterdir()
                                 if (d / "repo").is_dir())
    for repo in repos:
        for directory in dockerfile_dirs(args.mirrors / repo.replace("/", "+") / "repo"):
            if (repo, directory) in known:
                continue
            with tempfile.TemporaryDirectory(prefix="find-apps-") as tmp:
                src = Path(tmp) / "src"
                if extract(args.mirrors, repo, directory, src) or not (src / "Dockerfile").is_file():
                    continue
                try:
                    original = (src / "Dockerfile").read_text(encoding="utf-8")
                    tiers = rewrites(original, src, src / "Dockerfile")
                except Exception:  # does not parse, or a fix refused: nothing run.py could build
                    continue
                changed = [t for t in TIERS if tiers[t][0] != original or tiers[t][1]]
                if not changed or any(map_bases(text)[1] for text, *_ in [(original,), *tiers.values()]):
                    continue
                print(f"{repo} {directory}  # {', '.join(changed)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

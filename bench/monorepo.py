"""Throughput benchmark: a synthetic monorepo, `slimfix --check` against `hadolint`.

    python bench/monorepo.py [--files 5000] [--jobs N] [--no-hadolint] [--keep DIR]

Builds a tree of N services, each with a Dockerfile generated from realistic templates
(Python, Node, Go, Java, Ruby, Alpine tools, apt tools, multi-stage builds; different
packages, stages, layouts, escape characters and line endings; some with build
contexts and .dockerignore files), then times, in one run, `slimfix --check` over the
whole tree and `hadolint` over the same files. Prints files per second for both, the
ratio, and slimfix's peak memory (the resident size of its whole process tree, sampled).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

APT = ["curl", "ca-certificates", "git", "jq", "libpq5", "libpq-dev", "gcc", "make", "unzip",
       "tzdata", "openssl", "gnupg", "wget", "xz-utils", "procps", "netcat-openbsd", "libxml2"]
APK = ["curl", "git", "bash", "tini", "ca-certificates", "openssl", "jq", "libffi", "postgresql-libs"]
PIP = ["flask==3.0.3", "gunicorn==22.0.0", "requests==2.32.3", "django==5.0.6", "celery==5.4.0",
       "psycopg[binary]==3.2.1", "pydantic==2.7.4", "fastapi==0.111.0", "uvicorn==0.30.1"]
NPM = ["express", "pg", "redis", "lodash", "axios", "dotenv", "pino"]
PY = ["3.10", "3.11", "3.12", "3.12-bookworm", "3.11-slim"]
NODE = ["18", "20", "20-bookworm", "22-slim", "20-alpine"]


def _pick(rng: random.Random, items: list[str], lo: int = 1, hi: int = 4) -> list[str]:
    return rng.sample(items, rng.randint(lo, min(hi, len(items))))


def _apt_run(rng: random.Random, style: int) -> str:
    pkgs = _pick(rng, APT, 1, 5)
    if style == 0:
        return "RUN apt-get update\nRUN apt-get install -y " + " ".join(pkgs) + "\n"
    if style == 1:
        body = " \\\n        ".join(pkgs)
        return ("RUN apt-get update && \\\n    apt-get install -y --no-install-recommends \\\n        "
                f"{body} && \\\n    rm -rf /var/lib/apt/lists/*\n")
    if style == 2:
        return ("RUN apt-get update \\\n    # tools used by the entrypoint\n    && apt-get install -y "
                + " ".join(pkgs) + "  # keep in sync with docs\n")
    return "RUN set -eux; \\\n\tapt-get update; \\\n\tapt-get install -y " + " ".join(pkgs) + "; \\\n\tapt-get dist-clean\n"


def python_service(rng: random.Random) -> tuple[str, dict[str, str]]:
    lines = [f"FROM python:{rng.choice(PY)}", "", "WORKDIR /app"]
    hoisted = rng.random() < 0.4
    if hoisted:
        lines += ["COPY requirements.txt ./", "RUN pip install --no-cache-dir -r requirements.txt", "COPY . ."]
    else:
        lines += ["COPY . .", _apt_run(rng, rng.randrange(4)).rstrip("\n"), "RUN pip install -r requirements.txt"]
    lines += [f"ENV PORT={rng.choice(['8000', '8080', '5000'])}", "EXPOSE $PORT",
              'CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]']
    files = {"requirements.txt": "\n".join(_pick(rng, PIP, 2, 5)) + "\n", "app.py": "app = None\n"}
    return "\n".join(lines) + "\n", files


def node_service(rng: random.Random) -> tuple[str, dict[str, str]]:
    tag = rng.choice(NODE)
    lines = [f"FROM node:{tag} AS build", "WORKDIR /usr/src/app"]
    if rng.random() < 0.5:
        lines += ["COPY . .", "RUN npm ci", "RUN npm run build"]
    else:
        lines += ["COPY package.json package-lock.json ./", "RUN npm ci && npm cache clean --force",
                  "COPY . .", "RUN npm run build"]
    lines += ["", "FROM node:20-slim", "WORKDIR /app", "COPY --from=build /usr/src/app/dist ./dist",
              "USER node", 'CMD ["node", "dist/server.js"]']
    deps = {n: "^1.0.0" for n in _pick(rng, NPM, 1, 4)}
    pkg = '{"name": "svc", "scripts": {"build": "tsc"}, "dependencies": ' + str(deps).replace("'", '"') + "}\n"
    return "\n".join(lines) + "\n", {"package.json": pkg, "package-lock.json": "{}\n"}


def go_service(rng: random.Random) -> tuple[str, dict[str, str]]:
    text = ("# syntax=docker/dockerfile:1\nFROM golang:1.22 AS build\nWORKDIR /src\n"
            + ("COPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n" if rng.random() < 0.5
               else "COPY . .\nRUN go mod download\n")
            + "RUN --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 go build -o /out/app ./cmd/app\n\n"
            + "FROM debian:bookworm-slim\n" + _apt_run(rng, rng.randrange(4))
            + "COPY --from=build /out/app /usr/local/bin/app\nUSER 65532:65532\nENTRYPOINT [\"/usr/local/bin/app\"]\n")
    return text, {"go.mod": "module example.com/app\n\ngo 1.22\n", "go.sum": ""}


def alpine_tools(rng: random.Random) -> tuple[str, dict[str, str]]:
    pkgs = " ".join(_pick(rng, APK, 1, 5))
    add = rng.choice([f"RUN apk add {pkgs}", f"RUN apk update && apk add --virtual .deps {pkgs}",
                      f"RUN apk add --no-cache {pkgs}"])
    text = (f"FROM alpine:3.{rng.randint(17, 20)}\n{add}\nADD scripts/ /usr/local/bin/\n"
            "HEALTHCHECK --interval=30s CMD pgrep crond || exit 1\nCMD [\"crond\", \"-f\"]\n")
    return text, {"scripts/run.sh": "#!/bin/sh\necho run\n"}


def windows_service(rng: random.Random) -> tuple[str, dict[str, str]]:
    text = ("# escape=`\r\nFROM mcr.microsoft.com/dotnet/sdk:8.0-windowsservercore-ltsc2022 AS build\r\n"
            "SHELL [\"powershell\", \"-Command\", \"$ErrorActionPreference = 'Stop';\"]\r\n"
            "WORKDIR C:\\src\r\nCOPY . .\r\nRUN dotnet restore; `\r\n    dotnet publish -c Release -o C:\\out\r\n\r\n"
            "FROM mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver-ltsc2022\r\nCOPY --from=build C:\\out C:\\app\r\n"
            "ENTRYPOINT [\"dotnet\", \"C:\\\\app\\\\app.dll\"]\r\n")
    return text, {"app.csproj": "<Project/>\n"}


def heredoc_service(rng: random.Random) -> tuple[str, dict[str, str]]:
    pkgs = " ".join(_pick(rng, APT, 1, 4))
    text = ("# syntax=docker/dockerfile:1\nFROM debian:bookworm\nRUN <<EOF\nset -e\napt-get update\n"
            f"apt-get install -y {pkgs}\nEOF\nCOPY <<EOF /etc/app.conf\nport=8080\nEOF\n"
            "RUN useradd -m app\nUSER app\nCMD [\"bash\"]\n")
    return text, {}


def ruby_service(rng: random.Random) -> tuple[str, dict[str, str]]:
    text = ("FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle config set --local without development && bundle install\n"
            + _apt_run(rng, rng.randrange(4)) + "EXPOSE 3000\nCMD [\"bundle\", \"exec\", \"puma\"]\n")
    return text, {"Gemfile": "source 'https://rubygems.org'\ngem 'puma'\n", "Gemfile.lock": "GEM\n"}


TEMPLATES = [python_service, python_service, node_service, node_service, go_service, alpine_tools,
             windows_service, heredoc_service, ruby_service]


def build_tree(root: Path, n: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        team = f"team-{i % 37:02d}"
        svc = root / "services" / team / f"svc-{i:05d}"
        svc.mkdir(parents=True, exist_ok=True)
        text, files = rng.choice(TEMPLATES)(rng)
        if rng.random() < 0.3:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        name = rng.choice(["Dockerfile", "Dockerfile", "Dockerfile", "api.Dockerfile", "Dockerfile.prod"])
        (svc / name).write_bytes(text.encode())
        for rel, content in files.items():
            f = svc / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(content)
        if rng.random() < 0.3:
            (svc / ".dockerignore").write_text(".git\n**/__pycache__\n")
        out.append(svc / name)
    return out


class PeakRss(threading.Thread):
    """Samples the resident size of a process and all its descendants."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = False

    def run(self) -> None:
        while not self.done:
            self.peak = max(self.peak, _tree_rss(self.pid))
            time.sleep(0.05)


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and its descendants (from /proc: Linux only)."""
    total, todo = 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * page
            with open(f"/proc/{pid}/task/{pid}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return total


def time_slimfix(root: Path, jobs: int | None) -> tuple[float, int, int]:
    cmd = [sys.executable, "-m", "slimfix", "--check", "-q", str(root)]
    if jobs:
        cmd[3:3] = ["-j", str(jobs)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = PeakRss(proc.pid)
    sampler.start()
    proc.wait()
    elapsed = time.perf_counter() - t0
    sampler.done = True
    sampler.join()
    if proc.returncode not in (0, 1):
        sys.exit(f"slimfix failed: {proc.stderr.read().decode()[-2000:]}")
    return elapsed, sampler.peak, proc.returncode


def _hadolint() -> str:
    return shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


def time_hadolint(files: list[Path]) -> float:
    """All files, 500 per hadolint process: hadolint at its fastest."""
    t0 = time.perf_counter()
    for i in range(0, len(files), 500):
        subprocess.run([_hadolint(), "--no-fail", *map(str, files[i : i + 500])], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def time_hadolint_per_file(files: list[Path], sample: int = 200) -> float:
    """Seconds per file with one hadolint process per file (as `find -exec` and many CI
    scripts run it), measured on an evenly spread sample."""
    picked = files[:: max(1, len(files) // sample)][:sample]
    t0 = time.perf_counter()
    for f in picked:
        subprocess.run([_hadolint(), "--no-fail", str(f)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - t0) / len(picked)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--jobs", type=int)
    ap.add_argument("--no-hadolint", action="store_true")
    ap.add_argument("--keep", help="build the tree in this folder and keep it")
    args = ap.parse_args()
    tmp = None
    if args.keep:
        root = Path(args.keep)
    else:
        tmp = tempfile.mkdtemp(prefix="slimfix-monorepo-")
        root = Path(tmp)
    try:
        files = build_tree(root, args.files)
        elapsed, peak, _ = time_slimfix(root, args.jobs)
        rate = len(files) / elapsed
        print(f"files: {len(files)}   cpus: {os.cpu_count()}")
        print(f"slimfix --check: {elapsed:.2f} s, {rate:,.0f} files/s, peak memory {peak / 2**20:.0f} MB")
        if not args.no_hadolint:
            h = time_hadolint(files)
            print(f"hadolint, 500 files per process: {h:.2f} s, {len(files) / h:,.0f} files/s "
                  f"(slimfix is {h / elapsed:.1f} times faster)")
            per = time_hadolint_per_file(files)
            print(f"hadolint, one process per file (200-file sample): {1 / per:,.0f} files/s, "
                  f"{per * len(files):.0f} s for all (slimfix is {per * len(files) / elapsed:.1f} times faster)")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

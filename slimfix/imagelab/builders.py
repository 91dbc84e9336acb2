"""Image builders for `slimfix verify`: docker (BuildKit), podman and buildah.

Each adapter builds a Dockerfile, says which steps ran and which came from the cache,
measures the image (uncompressed size, compressed size where the builder can tell,
layer count) and removes what it created.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BuildRun:
    ok: bool
    seconds: float
    steps: list[str] = field(default_factory=list)  # every step, as the builder names it
    ran: list[str] = field(default_factory=list)  # the steps that were not taken from the cache
    log_tail: str = ""


@dataclass
class ImageInfo:
    size: int  # bytes, uncompressed
    compressed: int | None  # bytes, as a registry would store it, where known
    layers: int
    history: list["Layer"] = field(default_factory=list)  # the layers, oldest first


@dataclass
class Layer:
    instruction: str  # what made it, as the image's history says
    size: int  # bytes, uncompressed
    digest: str = ""  # the layer's diff id, where known


_STEP_KINDS = ("RUN", "COPY", "ADD")


def _fs_step(step: str) -> bool:
    """A step that can make a layer (RUN, COPY, ADD): the only ones worth counting as
    re-run; ENV, EXPOSE, CMD and the like cost nothing."""
    return step.split(None, 1)[0].upper() in _STEP_KINDS if step.strip() else False


def _instruction(created_by: str) -> str:
    """``/bin/sh -c #(nop) COPY file:ab12... in /app`` -> ``COPY file in /app``; a RUN's
    build arguments (``|1 NAME=value /bin/sh -c ...``) are left out."""
    text = created_by.strip()
    args = re.match(r"^\|(\d+) ", text)
    if args:
        text = re.sub(r"^\|\d+ " + r"\S+=\S* " * int(args.group(1)), "", text)
    text = re.sub(r"^/bin/sh -c (#\(nop\) )?", "", text)
    if not text.startswith(("COPY", "ADD", "ENV", "LABEL", "CMD", "ENTRYPOINT", "WORKDIR", "USER", "EXPOSE", "ARG",
                            "VOLUME", "SHELL", "STOPSIGNAL", "HEALTHCHECK", "ONBUILD")):
        text = "RUN " + text
    text = re.sub(r"\b(file|dir|multi):[0-9a-f]{64}", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


class BuilderError(Exception):
    pass


@dataclass
class SmokeRun:
    """A command run in a built image: its exit status (None: it could not run) and output."""

    status: int | None
    output: str
    problem: str = ""


def _smoke(cmd: list[str], env: dict, timeout: float) -> SmokeRun:
    try:
        proc = _run(cmd, env, timeout)
    except subprocess.TimeoutExpired:
        return SmokeRun(None, "", f"did not finish within {timeout:.0f} s")
    except OSError as exc:
        return SmokeRun(None, "", str(exc))
    return SmokeRun(proc.returncode, proc.stdout + proc.stderr)


def _run(cmd: list[str], env: dict | None = None, timeout: float = 3600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


class Buildah:
    """buildah (also the engine under podman): `STEP n/m: ...` then `--> Using cache`."""

    name = "buildah"
    exe = "buildah"

    def __init__(self, env: dict | None = None):
        self.env = dict(os.environ if env is None else env)
        if self.exe == "buildah":
            # Without a daemon or user namespaces, chroot isolation is what works everywhere.
            self.env.setdefault("BUILDAH_ISOLATION", "chroot")

    @classmethod
    def available(cls) -> bool:
        return shutil.which(cls.exe) is not None

    def _cmd(self, *args: str) -> list[str]:
        return [self.exe, *args]

    def build(self, dockerfile: Path, context: Path, tag: str, *, no_cache: bool = False) -> BuildRun:
        t0 = time.perf_counter()
        proc = _run(self._cmd("bud" if self.exe == "buildah" else "build", "--layers",
                              *(["--no-cache"] if no_cache else []), "-f", str(dockerfile),
                              "-t", tag, str(context)), self.env)
        seconds = time.perf_counter() - t0
        steps, ran = parse_step_log(proc.stdout + "\n" + proc.stderr)
        return BuildRun(proc.returncode == 0, seconds, steps, ran, _tail(proc.stdout + "\n" + proc.stderr))

    def export(self, tag: str, archive: Path) -> None:
        """Write the image as a docker archive (uncompressed layer tars), for reading."""
        if self.exe == "buildah":
            proc = _run(self._cmd("push", "-q", tag, f"docker-archive:{archive}"), self.env)
        else:
            proc = _run(self._cmd("save", "--format", "docker-archive", "-o", str(archive), tag), self.env)
        if proc.returncode != 0:
            raise BuilderError(f"{self.exe} could not export {tag}: {_tail(proc.stderr, 3)}")

    def run(self, tag: str, command: str, timeout: float = 300) -> "SmokeRun":
        """``command`` through the image's /bin/sh, in a container removed afterwards."""
        if self.exe != "buildah":
            return _smoke([self.exe, "run", "--rm", tag, "/bin/sh", "-c", command], self.env, timeout)
        made = _run(self._cmd("from", "--pull=never", "-q", tag), self.env)
        if made.returncode != 0:
            return SmokeRun(None, "", f"buildah could not start a container: {_tail(made.stderr, 3)}")
        container = made.stdout.strip()
        try:
            return _smoke(self._cmd("run", container, "--", "/bin/sh", "-c", command), self.env, timeout)
        finally:
            _run(self._cmd("rm", container), self.env)

    def image_ids(self) -> set[str]:
        proc = _run(self._cmd("images", "-a", "-q", "--no-trunc"), self.env)
        return set(proc.stdout.split())

    def info(self, tag: str) -> ImageInfo:
        proc = _run(self._cmd("inspect", "--type", "image", tag), self.env)
        if proc.returncode != 0:
            raise BuilderError(_tail(proc.stderr))
        data = json.loads(proc.stdout)
        oci = data.get("OCIv1", {})
        diff_ids = oci.get("rootfs", {}).get("diff_ids", [])
        sizes = self._layer_sizes()
        size = sum(sizes.get(d, 0) for d in diff_ids)
        made = [h.get("created_by", "") for h in oci.get("history", []) if not h.get("empty_layer")]
        history = []
        if len(made) == len(diff_ids):
            history = [Layer(_instruction(m), sizes.get(d, 0), d) for m, d in zip(made, diff_ids)]
        return ImageInfo(size, self._compressed(tag), len(diff_ids), history)

    def _layer_sizes(self) -> dict[str, int]:
        """Uncompressed layer sizes from containers-storage's own records."""
        proc = _run(self._cmd("info"), self.env)
        try:
            store = json.loads(proc.stdout)["store"]
            root, driver = store["GraphRoot"], store["GraphDriverName"]
            with open(os.path.join(root, f"{driver}-layers", "layers.json")) as fh:
                layers = json.load(fh)
        except (ValueError, KeyError, OSError):
            return {}
        return {layer.get("diff-digest"): layer.get("diff-size", 0) for layer in layers}

    def _compressed(self, tag: str) -> int | None:
        """The gzip-compressed layer bytes a push would store."""
        with tempfile.TemporaryDirectory() as tmp:
            proc = _run(self._cmd("push", "-q", tag, f"oci:{tmp}:image"), self.env)
            if proc.returncode != 0:
                return None
            try:
                index = json.loads(Path(tmp, "index.json").read_text())
                digest = index["manifests"][0]["digest"].split(":", 1)[1]
                manifest = json.loads(Path(tmp, "blobs", "sha256", digest).read_text())
                return sum(layer["size"] for layer in manifest["layers"])
            except (ValueError, KeyError, OSError, IndexError):
                return None

    def remove(self, image_ids: set[str]) -> None:
        if image_ids:
            _run(self._cmd("rmi", "-f", *sorted(image_ids)), self.env)

    def describe(self, ref: str) -> tuple[str, str, list] | None:
        """(image id, parent id or "", history) of ``ref``; None when it cannot be
        inspected. containers-storage records no parent: an intermediate image of a
        --layers build is known by its history, a prefix of the final image's (the
        entries carry their creation times, so another build's images never match)."""
        proc = _run(self._cmd("inspect", "--type", "image", ref), self.env)
        if proc.returncode != 0:
            return None
        try:
            data = json.loads(proc.stdout)
        except ValueError:
            return None
        data = data[0] if isinstance(data, list) and data else data
        if not isinstance(data, dict):
            return None
        image = data.get("FromImageID") or data.get("Id") or ""
        history = (data.get("OCIv1") or {}).get("history") or []
        return (image, data.get("Parent") or "", history) if image else None


class Podman(Buildah):
    name = "podman"
    exe = "podman"


class Docker:
    """docker with BuildKit: `#n [i/m] STEP` lines, then `#n CACHED` or `#n DONE`."""

    name = "docker"
    exe = "docker"

    def __init__(self, env: dict | None = None):
        self.env = dict(os.environ if env is None else env)
        self.env.setdefault("DOCKER_BUILDKIT", "1")

    @classmethod
    def available(cls) -> bool:
        return shutil.which("docker") is not None and _run(["docker", "info"]).returncode == 0

    def build(self, dockerfile: Path, context: Path, tag: str, *, no_cache: bool = False) -> BuildRun:
        t0 = time.perf_counter()
        proc = _run(["docker", "build", "--progress=plain", *(["--no-cache"] if no_cache else []), "-f",
                     str(dockerfile), "-t", tag, str(context)], self.env)
        seconds = time.perf_counter() - t0
        steps, ran = parse_buildkit_log(proc.stderr + "\n" + proc.stdout)
        return BuildRun(proc.returncode == 0, seconds, steps, ran, _tail(proc.stderr + "\n" + proc.stdout))

    def export(self, tag: str, archive: Path) -> None:
        proc = _run(["docker", "save", "-o", str(archive), tag], self.env)
        if proc.returncode != 0:
            raise BuilderError(f"docker could not export {tag}: {_tail(proc.stderr, 3)}")

    def run(self, tag: str, command: str, timeout: float = 300) -> "SmokeRun":
        return _smoke(["docker", "run", "--rm", tag, "/bin/sh", "-c", command], self.env, timeout)

    def image_ids(self) -> set[str]:
        return set(_run(["docker", "images", "-a", "-q", "--no-trunc"], self.env).stdout.split())

    def info(self, tag: str) -> ImageInfo:
        proc = _run(["docker", "image", "inspect", tag], self.env)
        if proc.returncode != 0:
            raise BuilderError(_tail(proc.stderr))
        data = json.loads(proc.stdout)[0]
        layers = data.get("RootFS", {}).get("Layers", [])
        hist = _run(["docker", "history", "--no-trunc", "--format", "{{json .}}", tag], self.env)
        rows = [json.loads(line) for line in hist.stdout.splitlines() if line.strip().startswith("{")]
        history = []
        for row in reversed(rows):  # docker lists the newest first
            size = _docker_size(row.get("Size", "0B"))
            if size or "#(nop)" not in row.get("CreatedBy", ""):
                history.append(Layer(_instruction(row.get("CreatedBy", "")), size))
        if len(history) != len(layers):
            history = []
        return ImageInfo(int(data.get("Size", 0)), None, len(layers), history)

    def remove(self, image_ids: set[str]) -> None:
        if image_ids:
            _run(["docker", "rmi", "-f", *sorted(image_ids)], self.env)

    def describe(self, ref: str) -> tuple[str, str, list] | None:
        proc = _run(["docker", "image", "inspect", "--format", "{{.Id}} {{.Parent}}", ref], self.env)
        if proc.returncode != 0 or not proc.stdout.split():
            return None
        image, *rest = proc.stdout.split()
        return image, (rest[0] if rest else ""), []


def bare_id(image: str) -> str:
    return image.split(":", 1)[1] if image.startswith("sha256:") else image


def mark(builder, tag: str) -> tuple[str, str, list] | None:
    """What a build just made under ``tag`` (taken right after it: a rebuild moves the tag)."""
    return builder.describe(tag)


def created_by_us(builder, before: set[str], marks: list) -> set[str]:
    """Images that appeared since ``before`` and that our builds made (``marks``): the
    images built, their parents, and intermediate images whose history is a prefix of
    theirs. Never an image another process built meanwhile."""
    marks = [m for m in marks if m is not None]
    ours = {bare_id(m[0]) for m in marks}
    for _, parent, _ in marks:  # docker's classic builder records parents
        steps = 0
        while parent and steps < 500:
            found = builder.describe(parent)
            if found is None:
                break
            ours.add(bare_id(found[0]))
            parent, steps = found[1], steps + 1
    known = {bare_id(i) for i in before}
    out = set()
    for image in builder.image_ids():
        bare = bare_id(image)
        if bare in known:
            continue
        if bare not in ours:
            found = builder.describe(image)
            history = found[2] if found else []
            if not history or not any(len(m[2]) >= len(history) and m[2][: len(history)] == history
                                      for m in marks):
                continue
        out.add(image)
    return out


def _docker_size(text: str) -> int:
    m = re.match(r"^([\d.]+)\s*([kMG]?B)$", text.strip())
    if not m:
        return 0
    return int(float(m.group(1)) * {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[m.group(2)])


BUILDERS = {"docker": Docker, "podman": Podman, "buildah": Buildah}


def find_builder(choice: str = "auto", env: dict | None = None):
    """The builder asked for, or the first available of docker, podman, buildah."""
    if choice != "auto":
        cls = BUILDERS.get(choice)
        if cls is None:
            raise BuilderError(f"unknown builder {choice!r} (docker, podman or buildah)")
        if not cls.available():
            raise BuilderError(f"{choice} is not available here")
        return cls(env)
    for cls in (Docker, Podman, Buildah):
        if cls.available():
            return cls(env)
    raise BuilderError("no image builder found: install docker (with BuildKit), podman or buildah")


_STEP = re.compile(r"^(?:\[\d+/\d+\] )?STEP (\d+)(?:/\d+)?: (.*)$")  # "[1/2] " in multi-stage builds


def parse_step_log(log: str) -> tuple[list[str], list[str]]:
    """buildah/podman output: every step, and those that ran (no `--> Using cache`)."""
    steps: list[str] = []
    cached: set[int] = set()
    for line in log.splitlines():
        m = _STEP.match(line.strip())
        if m:
            steps.append(m.group(2))
        elif line.strip().startswith("--> Using cache") and steps:
            cached.add(len(steps) - 1)
    ran = [s for i, s in enumerate(steps) if i not in cached and _fs_step(s)]
    return steps, ran


_BK_STEP = re.compile(r"^#(\d+) \[(?:[\w.-]+ )?\d+/\d+\] (.*)$")
_BK_CACHED = re.compile(r"^#(\d+) CACHED$")


def parse_buildkit_log(log: str) -> tuple[list[str], list[str]]:
    """docker BuildKit `--progress=plain` output: steps, and those not CACHED."""
    steps: dict[str, str] = {}
    cached: set[str] = set()
    for line in log.splitlines():
        line = line.strip()
        m = _BK_STEP.match(line)
        if m:
            steps.setdefault(m.group(1), m.group(2))
        elif (c := _BK_CACHED.match(line)):
            cached.add(c.group(1))
    ordered = list(steps.items())
    ran = [s for n, s in ordered if n not in cached and _fs_step(s)]
    return [s for _, s in ordered], ran

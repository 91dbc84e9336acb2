from __future__ import annotations

import re

from ..shell import RunShell, SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import RuleContext
from .common.cache_mounts import (CacheMountRule, Plan, Refusal, assigned, option_tokens, option_value,
                                  removes_only, user_cache)
from .common.guards import env_set

_PIP = re.compile(r"^pip(\d+(\.\d+)?)?$")
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")


def _pip_rest(cmd: SimpleCommand) -> list[str | None] | None:
    """The words after ``pip`` (``python -m pip``) or None for another program."""
    argv = program_words(cmd)
    if not argv or argv[0] is None:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    if _PIP.match(prog):
        return argv[1:]
    if _PYTHON.match(prog) and argv[1:3] == ["-m", "pip"]:
        return argv[3:]
    return None


def _tool(cmd: SimpleCommand) -> str | None:
    """``pip`` for pip install, ``uv`` for uv's installs, else None."""
    rest = _pip_rest(cmd)
    if rest is not None:
        words = [w for w in rest if w is None or not w.startswith("-")]
        return "pip" if words[:1] == ["install"] else None
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "uv":
        return None
    words = [w for w in argv[1:] if w is None or not w.startswith("-")]
    if words[:2] in (["pip", "install"], ["pip", "sync"], ["tool", "install"]) or words[:1] in (["sync"], ["add"]):
        return "uv"
    return None


class PythonCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts pip's cache into a RUN that runs `pip install`
    (`pip3`, `python -m pip`) and uv's into one that runs `uv pip install`, `uv pip sync`,
    `uv sync`, `uv add` or `uv tool install`: `--mount=type=cache,target=/root/.cache/pip`
    (`/root/.cache/uv`) for root, or at `PIP_CACHE_DIR` / `UV_CACHE_DIR` (or
    `$XDG_CACHE_HOME/pip`, a `--cache-dir` of the command) when the Dockerfile sets it, with
    `uid=` (and `gid=`) for the non-root USER that runs the RUN.
    `--no-cache-dir` (uv: `--no-cache`, `-n`), which would keep the mount empty, is removed,
    and so are `pip cache purge`, `uv cache clean` and an `rm -rf` of the cache chained with
    `&&`. SF301 does not add `--no-cache-dir` / `--no-cache` to a RUN this rule mounts.

    ## Why is this bad?
    With `--no-cache-dir` (or a cache deleted in the same RUN) every rebuild of the install
    step downloads and builds every wheel again: one new requirement re-downloads them all.
    A cache mount keeps them on the build machine, out of the image.

    ## Example
    ```dockerfile
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
    ```

    ## Fix safety
    Unsafe: `RUN --mount` needs BuildKit, buildah or podman; the legacy builder and kaniko
    reject it (older Docker needs `# syntax=docker/dockerfile:1`, which slimfix never adds).
    uv hard-links from its cache by default and falls back to copying (with a warning)
    across the mount; `UV_LINK_MODE=copy` silences it. No fix is offered (the finding is
    still reported) when the user that runs the RUN is not known from the Dockerfile (a base
    image other than the official ones may set its own USER), when that user is created
    without an explicit uid, when it is not root and the cache is not directly under its
    home or a directory every image has (`/tmp`, `/opt`...): the builder creates the missing
    parents of a mount target (`~/.cache`) owned by root, they stay in the image, and the
    user could no longer write there; when `PIP_NO_CACHE_DIR` or `UV_NO_CACHE` is set by ENV or ARG or
    on the command, when the cache directory comes from a value slimfix cannot read, when a
    later `COPY --from` takes the cache from the stage, when the RUN is commented as warming
    a cache, when its shell or heredoc cannot be read, and under a `# syntax=` older than 1.2.
    Silent on Windows images, for exec-form RUNs and ONBUILD triggers, and when the RUN
    already has a cache mount of pip's or uv's cache. poetry is not handled: its virtual
    environments live in its cache directory.
    """

    code = "SF602"
    name = "python-cache-mount"
    summary = "Keep pip's and uv's download cache in a BuildKit cache mount between builds"
    message = "pip/uv download every package again on each rebuild of this step: mount their cache"
    mount_markers = (".cache/pip", ".cache/uv")
    looks_like = re.compile(r"\b(pip[\d.]*|uv(\s+pip)?)\s+(install|sync)\b")

    def wants(self, cmd: SimpleCommand) -> bool:
        return _tool(cmd) is not None

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        plan = Plan([])
        for cmd in commands:
            tool = _tool(cmd)
            env_off, env_dir, rel = (("PIP_NO_CACHE_DIR", "PIP_CACHE_DIR", ".cache/pip") if tool == "pip"
                                     else ("UV_NO_CACHE", "UV_CACHE_DIR", ".cache/uv"))
            if env_set(ctx, inst, env_off) or assigned(cmd, env_off):
                return Refusal(f"{env_off} is set: {tool} would not use a mounted cache")
            if assigned(cmd, env_dir):
                return Refusal(f"{env_dir} is set on the command")
            present, value = option_value(cmd, "--cache-dir")
            if present and value is None:
                return Refusal("the --cache-dir value is not a literal")
            mount = user_cache(ctx, inst, rel, env=env_dir, xdg=rel.split("/", 1)[1], explicit=value)
            if isinstance(mount, Refusal):
                return mount
            if mount not in plan.mounts:
                plan.mounts.append(mount)
            off = ("--no-cache-dir",) if tool == "pip" else ("--no-cache", "-n")
            plan.options += [(cmd, t) for t in option_tokens(cmd, *off)]
        targets = [m.target for m in plan.mounts]
        for cmd in run.commands():
            argv = program_words(cmd)
            rest = _pip_rest(cmd)
            if removes_only(cmd, "rm", targets) or (rest is not None and rest[:2] == ["cache", "purge"]) or (
                    argv[:1] == ["uv"] and argv[1:3] == ["cache", "clean"]):
                plan.cleanups.append(cmd)
        return plan

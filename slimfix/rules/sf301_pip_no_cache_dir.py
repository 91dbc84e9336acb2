from __future__ import annotations

import re
from typing import Iterable

from ..effects import Effect
from ..shell import SimpleCommand, Token
from ..shell.packages import program_words
from ..syntax import Instruction
from ..managers import pip
from .base import Finding, Rule, RuleContext
from .common.cache_mounts import mount_takes_over
from ..analysis.cache_warming import warms_cache
from ..analysis.mounts import cache_mount_targets
from ..analysis.variables import env_set
from .common.options import has_word, missing_option
from ..analysis.stages import ancestors, tool_too_old

_PIP = pip.PROGRAM
_PYTHON = pip.PYTHON


class PipNoCacheDir(Rule):
    """
    ## What it does
    Adds `--no-cache-dir` to `pip install` (`pip`, `pip3`, `pip3.12`, `python -m pip`),
    and `--no-cache` to `uv pip install` and `uv sync`.

    ## Why is this bad?
    pip keeps every wheel it downloads or builds in `~/.cache/pip`. In an image nothing
    ever reuses that cache, but it is stored in the layer: often as large as the
    installed packages themselves.

    ## Example
    ```dockerfile
    RUN pip install -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Fix safety
    Safe: the option only stops pip from keeping its cache. The rule is silent when
    `PIP_NO_CACHE_DIR` (`UV_NO_CACHE` for uv) is set by ENV or ARG in the stage (or a stage
    it is built from) or on the command itself, when the RUN has a cache mount of pip's
    (uv's) cache, when a `--cache-dir` is chosen, or when the RUN removes the cache itself
    (`pip cache purge`, `rm -rf ~/.cache/pip`, `rm -rf /root/.cache`). The RUN already
    keeps nothing, and is left alone, when the option is written as an abbreviation pip
    accepts (`--no-cache`), when it exports `PIP_NO_CACHE_DIR` (`UV_NO_CACHE`) before the
    install, and when it or an earlier RUN of the stage configures pip without a cache
    (`pip config set global.no-cache-dir`, a pip.conf with `no-cache-dir =`). It is silent too on the pip of ubuntu
    14.04 and older, and of debian jessie and older (`apt-get install python-pip` gives
    pip 1.5, which has no `--no-cache-dir`: pip 6.0 added it, and the install would fail)
    until an earlier RUN of the stage upgrades pip (`pip install -U pip`, `easy_install
    pip`, `get-pip.py`); the RUN that upgrades runs the old pip, so it is left alone.
    It is also silent on a RUN that is there to fill the cache (commented as warming or
    priming one).
    In a build stage whose files reach no image (not the last stage, not a stage nothing
    else uses, which exists to be built with `--target`, not a stage one of those is built
    FROM, not copied from at `/` or above the cache), the rule is silent: its cache is
    thrown away with the stage.
    """

    code = "SF301"
    triggers = ("pip", "uv")
    name = "pip-no-cache-dir"
    effect = Effect("removes pip's download cache", removes=("~/.cache/pip/**",))
    summary = "Install Python packages without keeping pip's download cache"
    hadolint = ("DL3042",)

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        yield from missing_option(
            self, ctx, _pip_install, "--no-cache-dir",
            "pip install without --no-cache-dir keeps pip's cache in the layer",
            exempt=lambda inst: _exempt(ctx, inst, "PIP_NO_CACHE_DIR", ".cache/pip", "pip")
            or _ancient_pip(ctx, inst) or mount_takes_over(ctx, inst, "SF602"),
            looks_like=re.compile(r"\bpip[\d.]*\s+install\b"), image_only=True)
        yield from missing_option(
            self, ctx, _uv_install, "--no-cache",
            "uv without --no-cache keeps uv's cache in the layer",
            exempt=lambda inst: _exempt(ctx, inst, "UV_NO_CACHE", ".cache/uv", "uv")
            or mount_takes_over(ctx, inst, "SF602"), image_only=True)


def _assigned(cmd: SimpleCommand, name: str) -> bool:
    return any(a.text.startswith(name + "=") for a in cmd.assignments) or any(
        w.value and w.value.startswith(name + "=") for w in cmd.words[:3])


def _pip_install(cmd: SimpleCommand) -> Token | None:
    argv = program_words(cmd)
    if not argv or argv[0] is None:
        return None
    prog = argv[0].rsplit("/", 1)[-1]
    skip = len(cmd.words) - len(argv)
    if _PIP.match(prog):
        rest = cmd.words[skip + 1 :]
    elif _PYTHON.match(prog) and [w.value for w in cmd.words[skip + 1 : skip + 3]] == ["-m", "pip"]:
        rest = cmd.words[skip + 3 :]
    else:
        return None
    if not rest or rest[0].value != "install":
        return None
    if has_word(cmd, *_NO_CACHE_DIR, "--cache-dir") or _assigned(cmd, "PIP_NO_CACHE_DIR"):
        return None
    return rest[0]


# pip reads unambiguous abbreviations of its long options: `--no-cache` is `--no-cache-dir`
# (`--no-c` could be `--no-color`, `--no-compile`, `--no-clean`).
_NO_CACHE_DIR = tuple("--no-cache-dir"[:n] for n in range(len("--no-ca"), len("--no-cache-dir") + 1))


def _uv_install(cmd: SimpleCommand) -> Token | None:
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "uv":
        return None
    skip = len(cmd.words) - len(argv)
    rest = cmd.words[skip + 1 :]
    values = [w.value for w in rest]
    if has_word(cmd, "--no-cache", "-n", "--cache-dir") or _assigned(cmd, "UV_NO_CACHE"):
        return None
    if values[:2] == ["pip", "install"]:
        return rest[1]
    if values[:1] == ["sync"]:
        return rest[0]
    return None


def _exempt(ctx: RuleContext, inst: Instruction, env: str, cache: str, tool: str) -> bool:
    if env_set(ctx, inst, env) or warms_cache(ctx, inst) or _exported(ctx, inst, env):
        return True
    if any(cache in t for t in cache_mount_targets(inst)):
        return True
    text = inst.effective.args + "".join(h.content for h in inst.heredocs)
    if tool == "pip" and _configured_off(ctx, inst):
        return True
    home = r"(/root|~|\$HOME|\$\{HOME\})"
    removes = re.search(rf"\brm\s+(-\S+\s+)*([^\s;&|]+\s+)*?{home}/\.cache(/{tool})?/?\*?(?=[\s;&|)]|$)", text)
    return f"{tool} cache purge" in text or f"{tool} cache clean" in text or removes is not None


def _exported(ctx: RuleContext, inst: Instruction, env: str) -> bool:
    """`export PIP_NO_CACHE_DIR=1` (UV_NO_CACHE) in the RUN itself."""
    run = ctx.run(inst)
    return any(c.name == "export" and any((w.value or "").startswith(env + "=") for w in c.words[1:])
               for c in (run.commands() if run is not None else ()))


# pip's configuration turned the cache off: `pip config set global.no-cache-dir ...`, or a
# pip.conf written with `no-cache-dir = ...` (pip reads any value there as "no cache").
_PIP_CONFIG_OFF = re.compile(r"\bpip[\d.]*\s+config\s+(--\S+\s+)*set\s+\S*no-cache-dir\b|(?<!-)no-cache-dir\s*=")


def _configured_off(ctx: RuleContext, inst: Instruction) -> bool:
    """This RUN, or an earlier RUN of its stage or of a stage it is built from, configures
    pip without a cache."""
    first = ctx.memo("SF301 pip configured off", lambda: _first_configuring_run(ctx))
    stage = ctx.doc.stage_of(inst)
    chain = [s.index for s in ancestors(ctx.doc, stage)] if stage is not None else [inst.stage]
    return any(first.get(s, inst.index + 1) <= inst.index for s in chain)


def _first_configuring_run(ctx: RuleContext) -> dict[int, int]:
    """Stage -> index of its first RUN that configures pip without a cache."""
    first: dict[int, int] = {}
    for o in ctx.doc.instructions:
        if o.keyword == "RUN" and _PIP_CONFIG_OFF.search(o.text):
            first.setdefault(o.stage, o.index)
    return first


# Distributions whose packaged pip predates 6.0, which added --no-cache-dir
# (ubuntu 14.04: pip 1.5.4, debian jessie: 1.5.6): the option would make pip fail.
_ANCIENT = re.compile(r"^(?:ubuntu:(?:12\.04|14\.04|precise|trusty)"
                      r"|debian:(?:7|8|wheezy|jessie)|buildpack-deps:(?:jessie|trusty|wheezy|precise))(?:[-.@].*)?$")
_UPGRADES_PIP = re.compile(r"\bpip[\d.]*\s+install\s+(?:\S+\s+)*?(?:-U|--upgrade)\s+(?:\S+\s+)*?[\"']?pip\b"
                           r"|\beasy_install[\d.]*\s+(?:\S+\s+)*?[\"']?pip\b|get-pip\.py")


def _ancient_pip(ctx: RuleContext, inst: Instruction) -> bool:
    """The stage's pip comes from a distribution older than pip 6, and no earlier RUN of
    the stage (or of a stage it is built from) upgraded it."""
    return tool_too_old(ctx, inst, _ANCIENT, _UPGRADES_PIP)

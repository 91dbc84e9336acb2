from __future__ import annotations

import posixpath
import re

from ..effects import Effect
from ..shell import RunShell, SimpleCommand
from ..shell.packages import program_words
from ..syntax import Instruction
from .base import RuleContext
from ..managers import pip, poetry, uv
from .common.cache_mounts import (CacheMountRule, Mount, Plan, Refusal, assigned, option_tokens, option_value,
                                  fixed_values, removes_only, under, user_cache)
from ..analysis.variables import _literal, env_set

_PIP = pip.PROGRAM
_PYTHON = pip.PYTHON


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
    if _poetry_verb(cmd) in _POETRY_INSTALLS:
        return "poetry"
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "uv":
        return None
    words = [w for w in argv[1:] if w is None or not w.startswith("-")]
    if words[:2] in (["pip", "install"], ["pip", "sync"], ["tool", "install"]) or words[:1] in (["sync"], ["add"]):
        return "uv"
    return None


def _is_poetry(cmd: SimpleCommand) -> bool:
    argv = program_words(cmd)
    return bool(argv) and argv[0] is not None and argv[0].rsplit("/", 1)[-1] == "poetry"


def _poetry_verb(cmd: SimpleCommand) -> str | None:
    """The subcommand of ``poetry`` (``install``), or None for another program."""
    if not _is_poetry(cmd):
        return None
    words = [w for w in program_words(cmd)[1:] if w is None or not w.startswith("-")]
    return words[0] if words else None


# the poetry commands that download into its cache and install into an environment
_POETRY_INSTALLS = {"install", "add", "update", "sync"}
_TRUE, _FALSE = ("true", "1"), ("false", "0")  # what poetry's boolean settings accept


def _assigned_value(cmd: SimpleCommand, name: str) -> tuple[bool, str | None]:
    """(present, literal value or None) of ``NAME=value`` before the program (or through
    ``env``)."""
    texts = [a.text for a in cmd.assignments] + [w.text for w in cmd.words[:3]]
    for text in texts:
        if text.startswith(name + "="):
            return True, _literal(text.split("=", 1)[1])
    return False, None


def _poetry_setting(ctx: RuleContext, inst: Instruction, run: RunShell, cmd: SimpleCommand,
                    key: str) -> tuple[str | None, str]:
    """The value of poetry's ``virtualenvs.<key>`` for ``cmd`` as the Dockerfile sets it,
    and where: ``POETRY_VIRTUALENVS_<KEY>`` on the command or by ENV/ARG (environment
    variables win over poetry's config files), else the last ``poetry config
    virtualenvs.<key> VALUE`` before it in the RUN. None when it is not set, or not
    readable, or a project's ``poetry.toml`` may override the RUN's global config."""
    env = "POETRY_VIRTUALENVS_" + key.upper().replace("-", "_")
    present, value = _assigned_value(cmd, env)
    if present:
        return value, env
    if env_set(ctx, inst, env):
        return fixed_values(ctx, inst).get(env), env
    found: tuple[str | None, str] = (None, "")
    for other in run.commands():
        if other is cmd:
            break
        argv = program_words(other) if _poetry_verb(other) == "config" else []
        words = [w for w in argv[2:] if w is None or not w.startswith("-")]
        if words[:1] == [f"virtualenvs.{key}"]:
            local = "--local" in argv
            unset = "--unset" in argv or len(words) != 2
            if not local and _project_config_sets(ctx, key):
                return None, "poetry.toml"  # the project's file beats the global config the RUN writes
            found = (None if unset else words[1]), f"poetry config virtualenvs.{key}"
    return found


def _project_config_sets(ctx: RuleContext, key: str) -> bool:
    """Whether a ``poetry.toml`` of the build context (read through it, so the result
    cache records the look) may set ``virtualenvs.<key>``; an unknown context may."""
    build = ctx.build_context
    if build is None:
        return False  # no context to read: the Dockerfile's own settings are all there is
    text = build.read("poetry.toml")
    return text is not None and key in text


def _venv_outside(ctx: RuleContext, inst: Instruction, run: RunShell, cmd: SimpleCommand,
                  cache: str) -> Refusal | None:
    """None when poetry cannot put the environment it installs into in its cache
    directory ``cache`` (by default it creates its virtualenvs in ``cache/virtualenvs``,
    which a mount would hide from the image); else why not."""
    create, create_from = _poetry_setting(ctx, inst, run, cmd, "create")
    if create in _FALSE:
        return None  # installs into the interpreter's own environment
    in_project, in_project_from = _poetry_setting(ctx, inst, run, cmd, "in-project")
    if in_project in _TRUE:
        return None  # the project's .venv
    path, where = _poetry_setting(ctx, inst, run, cmd, "path")
    if path is not None:
        if not path.startswith("/") or "$" in path or "{" in path:
            return Refusal(f"the virtualenvs path {path} ({where}) is not an absolute path slimfix can read")
        if under(path, [cache]) or under(cache, [posixpath.normpath(path)]):
            return Refusal(f"poetry's virtualenvs path {path} is inside its cache {cache}: a mount would hide the "
                           "installed environment from the image")
        return None
    if "poetry.toml" in (create_from, in_project_from):
        return Refusal("the build context's poetry.toml sets virtualenvs too and wins over the `poetry config` of "
                       "the RUN: poetry may create its virtualenv in its cache, which a mount would hide from the image")
    return Refusal(f"poetry creates its virtualenvs in its cache ({cache}/virtualenvs), which a mount would hide "
                   "from the image: set POETRY_VIRTUALENVS_CREATE=false, POETRY_VIRTUALENVS_IN_PROJECT=true or a "
                   "POETRY_VIRTUALENVS_PATH outside the cache")


def _poetry_mount(ctx: RuleContext, inst: Instruction, run: RunShell, cmd: SimpleCommand) -> Mount | Refusal:
    """poetry's cache (``POETRY_CACHE_DIR``, else ``$XDG_CACHE_HOME/pypoetry``, else
    ``~/.cache/pypoetry``), when the environment it installs into cannot be in it."""
    if assigned(cmd, "POETRY_CACHE_DIR"):
        return Refusal("POETRY_CACHE_DIR is set on the command")
    mount = user_cache(ctx, inst, ".cache/pypoetry", env="POETRY_CACHE_DIR", xdg="pypoetry")
    if isinstance(mount, Refusal):
        return mount
    return _venv_outside(ctx, inst, run, cmd, mount.target) or mount


class PythonCacheMount(CacheMountRule):
    """
    ## What it does
    Opt-in (`--select SF6`). Mounts pip's cache into a RUN that runs `pip install`
    (`pip3`, `python -m pip`) and uv's into one that runs `uv pip install`, `uv pip sync`,
    `uv sync`, `uv add` or `uv tool install`: `--mount=type=cache,target=/root/.cache/pip`
    (`/root/.cache/uv`) for root, or at `PIP_CACHE_DIR` / `UV_CACHE_DIR` (or
    `$XDG_CACHE_HOME/pip`, a `--cache-dir` of the command) when the Dockerfile sets it, with
    `uid=` (and `gid=`) for the non-root USER that runs the RUN. poetry (`poetry install`,
    `add`, `update`, `sync`) gets its cache mounted at `POETRY_CACHE_DIR`, else
    `$XDG_CACHE_HOME/pypoetry`, else `~/.cache/pypoetry`, only when the environment it
    installs into cannot be inside that cache: `POETRY_VIRTUALENVS_CREATE=false` or
    `POETRY_VIRTUALENVS_IN_PROJECT=true` (ENV or ARG in the stage, on the command, or
    `poetry config virtualenvs.create false` / `virtualenvs.in-project true` earlier in the
    same RUN), or a `POETRY_VIRTUALENVS_PATH` outside the cache.
    `--no-cache-dir` (uv and poetry: `--no-cache`, uv's `-n`), which would keep the mount
    empty, is removed, and so are `pip cache purge`, `uv cache clean` and an `rm -rf` of the
    cache chained with `&&` (`rm -rf $POETRY_CACHE_DIR` too, when the Dockerfile sets it).
    SF301 does not add `--no-cache-dir` / `--no-cache` to a RUN this rule mounts.

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
    already has a cache mount of pip's, uv's or poetry's cache. poetry gets no fix when none
    of the settings above is known to hold: by default it creates its virtualenvs in its
    cache directory (`virtualenvs.path` is `{cache-dir}/virtualenvs`), so a mount would take
    the installed environment out of the image; a `poetry config` of the global settings
    does not count when the build context's `poetry.toml` sets the same key (the project's
    file wins), nor one after the install, and a setting whose value slimfix cannot read
    does not count either.
    Also without a fix, as for every SF6 rule: when the command runs through `sudo` (its
    user and environment are not the RUN's); when the RUN works offline (`RUN
    --network=none`, or uv's `--offline` or `UV_OFFLINE` without a command before it in the
    RUN that downloads), which on an empty cache mount fails; when an earlier step of the
    stage, or of a stage it is built from, filled the cache folder without a mount (a RUN
    this rule does not mount, a COPY into it): the mount would hide what it stored; when the
    cache folder's name has characters BuildKit's `--mount` reading would split (spaces,
    commas, quotes). On a base image other than the official ones, which may set HOME,
    XDG_CACHE_HOME or the tool's own cache variable, only a cache folder the Dockerfile
    names (ENV, an option of the command) is mounted.
    """

    code = "SF602"
    triggers = ("pip", "uv", "poetry")
    name = "python-cache-mount"
    effect = Effect("keeps the cache folders in cache mounts, out of the image", mounts=True)
    summary = "Keep pip's, uv's and poetry's download cache in a BuildKit cache mount between builds"
    message = "pip/uv/poetry download every package again on each rebuild of this step: mount their cache"
    mount_markers = pip.MOUNT_MARKERS + uv.MOUNT_MARKERS + poetry.MOUNT_MARKERS
    offline_options = uv.OFFLINE_OPTIONS
    offline_env = uv.OFFLINE_ENV
    cache_off_options = pip.CACHE_OFF_OPTIONS + uv.CACHE_OFF_OPTIONS
    looks_like = re.compile(r"\b(pip[\d.]*|uv(\s+pip)?|poetry)\s+(install|sync)\b")

    def wants(self, cmd: SimpleCommand) -> bool:
        return _tool(cmd) is not None

    def plan_for(self, ctx: RuleContext, inst: Instruction, run: RunShell,
                 commands: list[SimpleCommand]) -> Plan | Refusal:
        plan = Plan([])
        for cmd in commands:
            tool = _tool(cmd)
            if tool == "poetry":
                mount = _poetry_mount(ctx, inst, run, cmd)
                if isinstance(mount, Refusal):
                    return mount
                if mount not in plan.mounts:
                    plan.mounts.append(mount)
                plan.options += [(cmd, t) for t in option_tokens(cmd, "--no-cache")]
                continue
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
        values = fixed_values(ctx, inst)  # `rm -rf $POETRY_CACHE_DIR`: the ENV says where that is
        for cmd in run.commands():
            argv = program_words(cmd)
            rest = _pip_rest(cmd)
            if removes_only(cmd, "rm", targets, values=values) or (rest is not None and rest[:2] == ["cache", "purge"]) or (
                    argv[:1] == ["uv"] and argv[1:3] == ["cache", "clean"]):
                plan.cleanups.append(cmd)
        return plan

"""Bun: ``bun install`` reads package.json, its lockfile (bun.lock, or the binary bun.lockb of
Bun before 1.2), bunfig.toml and .npmrc, and the package.json of every workspace (SF201);
its install cache, ``$BUN_INSTALL_CACHE_DIR``, as a cache mount (SF610)."""

from __future__ import annotations

import re

from ..buildcontext import BuildContext
from ..shell.packages import program_words
from .files import Manifests, join
from .install import Install, looks_local
from .mounts import CacheMount
from .npm import package_json
from .pnpm import patch_files

PROGRAM = "bun"
FILES = ("bun.lock", "bun.lockb", "bunfig.toml", ".npmrc")
_INSTALLS = ("install", "i", "ci")


def recognise(prog: str, rest: list[str]) -> Install | None:
    words = [w for w in rest if not w.startswith("-")]
    if prog != "bun" or not words or words[0] not in _INSTALLS:
        return None
    if "-g" in rest or "--global" in rest:
        return Install("bun")  # a global tool by name: reads no manifest
    found = Install("bun", ["package.json"], ignore_scripts="--ignore-scripts" in rest)
    if any(w.startswith("--cwd") for w in rest):
        found.needs_source = "`--cwd` points bun at another directory"
    elif any(looks_local(w) for w in words[1:]):
        found.needs_source = "installs a package from the source tree"
    return found


def read_manifests(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    data = package_json(install, cwd, context, found, FILES)
    # `bun patch` records the patches in package.json's own patchedDependencies: `bun
    # install` fails without the files ("Couldn't find patch file")
    if data is not None and data.get("patchedDependencies") is not None:
        found.problem = patch_files(cwd, context, {join(cwd, "package.json"): data["patchedDependencies"]}, found)


READERS = {"bun": read_manifests}


# --- its install cache as a cache mount (SF610) ------------------------------------------

def _uses(cmd) -> bool:
    argv = program_words(cmd)
    if not argv or argv[0] is None or argv[0].rsplit("/", 1)[-1] != "bun":
        return False
    words = [w for w in argv[1:] if w is None or not w.startswith("-")]
    return words[:1] in (["install"], ["i"], ["ci"], ["add"], ["update"])


def _cache_moved(ctx, inst, commands) -> str | None:
    """The cache folder comes from BUN_INSTALL_CACHE_DIR only: bunfig.toml's
    ``[install.cache]`` may move it, and without the variable the folder follows
    BUN_INSTALL, which the oven/bun images set."""
    from ..analysis.variables import env_set

    for cmd in commands:
        if any(w.value is None or w.value.startswith(("--cache-dir", "--no-cache")) for w in cmd.words):
            return f"`{cmd.text()}` sets the cache itself (--cache-dir, --no-cache, or a word slimfix cannot read)"
    build = ctx.build_context
    bunfig = build.read("bunfig.toml") if build is not None and build.included("bunfig.toml") else None
    if bunfig is not None and re.search(r"^\s*\[install\.cache\]|^\s*cache\s*=", bunfig, re.M):
        return "bunfig.toml configures the install cache"
    if not env_set(ctx, inst, "BUN_INSTALL_CACHE_DIR"):
        return "BUN_INSTALL_CACHE_DIR is not set: set it with ENV to get the fix (the folder otherwise follows BUN_INSTALL)"
    return None


CACHE_MOUNT = CacheMount(
    program="bun", uses=_uses, folders=("",), env="BUN_INSTALL_CACHE_DIR", markers=("bun/install/cache", ".bun"),
    offline_options=(), looks_like=re.compile(r"\bbun\s+(install|i|ci|add)\b"), refuse=_cache_moved)

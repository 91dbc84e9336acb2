"""Yarn: ``yarn install`` reads package.json, yarn.lock, .yarnrc(.yml), .npmrc and the
project's .yarn/ folder (SF201); and which Yarn a Dockerfile uses, 1 (classic) or Berry (SF304,
SF603), which decides where its cache lives."""

from __future__ import annotations

import json
import re

from ..buildcontext import BuildContext
from ..analysis.context_copy import source_path
from ..rules.base import RuleContext
from .files import Manifests, join
from .install import Install
from .npm import package_json

PROGRAM = "yarn"
FILES = ("yarn.lock", ".yarnrc", ".yarnrc.yml", ".npmrc")


def _recognise(rest: list[str]) -> Install | None:
    words = [w for w in rest if not w.startswith("-")]
    if words and words[0] != "install":
        return None
    return Install("yarn", ["package.json"], ignore_scripts="--ignore-scripts" in rest)


def recognise(prog: str, rest: list[str]) -> Install | None:
    return _recognise(rest) if prog == "yarn" else None


def read_manifests(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    if package_json(install, cwd, context, found, FILES) is not None and context.exists_dir(join(cwd, ".yarn")):
        found.dirs.append(join(cwd, ".yarn"))


READERS = {"yarn": read_manifests}

_BERRY_IN_DOCKERFILE = re.compile(r"\.yarnrc\.yml|\.yarn/releases|\.pnp\.c?js|yarn\s+set\s+version"
                                  r"|yarn@[2-9]|yarn@berry|yarnPath|yarn\s+policies\s+set-version")


def project_dirs(ctx: RuleContext) -> list[str]:
    """The context root ("") and the directories whose package.json, yarn.lock or
    .yarnrc.yml a COPY names."""
    dirs = {""}
    for inst in ctx.doc.instructions:
        if inst.effective.name in ("COPY", "ADD") and not inst.effective.flag("from"):
            for src in map(source_path, inst.values()[:-1]):
                if src.rsplit("/", 1)[-1] in ("package.json", "yarn.lock", ".yarnrc.yml"):
                    dirs.add(src.rsplit("/", 1)[0] if "/" in src else "")
    return sorted(dirs)


def yarn_flavour(ctx: RuleContext) -> str:
    """"berry" (Yarn 2 or later), "classic" (Yarn 1) or "unknown", from the Dockerfile
    and the build context: the context root and the directories whose package.json or
    yarn.lock a COPY names."""
    doc = ctx.doc
    if _BERRY_IN_DOCKERFILE.search(doc.text):
        return "berry"
    build = ctx.build_context
    if build is None:
        return "unknown"
    known = False
    for d in project_dirs(ctx):
        prefix = f"{d}/" if d else ""
        if build.is_file(prefix + ".yarnrc.yml") or build.is_dir(prefix + ".yarn/releases"):
            return "berry"
        lock = build.read(prefix + "yarn.lock")
        if lock is not None:
            if "__metadata:" in lock:
                return "berry"
            known = known or "yarn lockfile v1" in lock
        manifest = build.read(prefix + "package.json")
        if manifest is not None:
            try:
                manager = json.loads(manifest).get("packageManager", "")
            except (ValueError, AttributeError):
                return "unknown"
            if re.match(r"^yarn@(?!1\.)", str(manager)):
                return "berry"
            known = True
    return "classic" if known else "unknown"


_RC_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9]*):[ \t]*(.*?)[ \t]*$")


def _rc_settings(text: str) -> dict[str, str | None]:
    """The top-level scalar settings of a ``.yarnrc.yml`` (None: a value slimfix does not
    read, such as a block, a ``${VAR}`` or an escaped string). Enough for the few keys the
    cache mount needs; nested maps (npmScopes, packageExtensions) are skipped."""
    out: dict[str, str | None] = {}
    for line in text.splitlines():
        m = _RC_LINE.match(line)
        if m is None:
            continue
        value = re.sub(r"\s+#.*$", "", m.group(2))
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[m.group(1)] = None if (not value or "$" in value or "\\" in value or value[0] in "[{|>&*!") else value
    return out


def _copied_before(ctx: RuleContext, inst, rel: str) -> bool:
    """A COPY/ADD from the context, in the stage of ``inst`` and before it, that takes
    ``rel`` (named, a directory above it, or the whole context)."""
    import fnmatch

    for other in ctx.doc.instructions[: inst.index]:
        cmd = other.effective
        if other.stage != inst.stage or cmd.name not in ("COPY", "ADD") or cmd.flag("from") or other.heredocs:
            continue
        for src in map(source_path, other.values()[:-1]):
            if src in (".", rel) or rel.startswith(src + "/") or fnmatch.fnmatchcase(rel, src):
                return True
    return False


def berry_settings(ctx: RuleContext, inst) -> tuple[str, dict[str, str | None]] | str:
    """The project directory (from the context root) and the settings of the one
    ``.yarnrc.yml`` the image has when ``inst`` runs, read through the build context (so
    the result cache records the read); or why they cannot be known."""
    build = ctx.build_context
    if build is None:
        return "the build context, whose .yarnrc.yml says how Yarn Berry installs, cannot be read"
    found = [d for d in project_dirs(ctx) if build.read((f"{d}/" if d else "") + ".yarnrc.yml") is not None]
    if len(found) != 1:
        return ("no .yarnrc.yml in the build context: Yarn Berry installs with Plug'n'Play, whose installation is "
                "its cache" if not found else "more than one .yarnrc.yml in the build context")
    rel = (f"{found[0]}/" if found[0] else "") + ".yarnrc.yml"
    if not _copied_before(ctx, inst, rel):
        return (f"{rel} is not copied into the image before the install: Yarn Berry installs with Plug'n'Play, "
                "whose installation is its cache")
    return found[0], _rc_settings(build.read(rel) or "")


def berry_major(ctx: RuleContext, project: str, settings: dict[str, str | None]) -> int | None:
    """Yarn Berry's major version, from package.json's packageManager or the release
    yarnPath points at; None when neither says."""
    build = ctx.build_context
    manifest = build.read((f"{project}/" if project else "") + "package.json") if build else None
    if manifest is not None:
        try:
            m = re.match(r"^yarn@(\d+)\.", str(json.loads(manifest).get("packageManager", "")))
        except (ValueError, AttributeError):
            m = None
        if m:
            return int(m.group(1))
    m = re.search(r"yarn-(\d+)\.[^/]*\.c?js$", settings.get("yarnPath") or "")
    return int(m.group(1)) if m else None


# --- its cache (SF304, SF603) ------------------------------------------------------------
CACHE_CLEAN = "yarn cache clean"
MOUNT_MARKERS = ("yarn",)
OFFLINE_ENV = {"YARN_ENABLE_OFFLINE_MODE": "true"}

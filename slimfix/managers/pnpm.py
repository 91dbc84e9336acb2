"""pnpm: ``pnpm install`` reads package.json, pnpm-lock.yaml, .npmrc, .pnpmfile.cjs,
pnpm-workspace.yaml and the patch files ``patchedDependencies`` names (SF201)."""

from __future__ import annotations

from ..buildcontext import BuildContext
from .files import Manifests, add, join
from .install import Install
from .npm import package_json

PROGRAM = "pnpm"
FILES = ("pnpm-lock.yaml", ".npmrc", ".pnpmfile.cjs", "pnpm-workspace.yaml")


def _recognise(rest: list[str]) -> Install | None:
    words = [w for w in rest if not w.startswith("-")]
    if not words or words[0] not in ("install", "i"):
        return None
    return Install("pnpm", ["package.json"], ignore_scripts="--ignore-scripts" in rest)


def recognise(prog: str, rest: list[str]) -> Install | None:
    return _recognise(rest) if prog == "pnpm" else None


def _pnpm_patches(cwd: str, context: BuildContext, data: dict, found: Manifests) -> str | None:
    """The patch files `patchedDependencies` names (in package.json's `pnpm` field or in
    pnpm-workspace.yaml): pnpm applies them during the install, which fails (ENOENT)
    without them."""
    named: dict = {}
    settings = data.get("pnpm")
    if isinstance(settings, dict) and settings.get("patchedDependencies") is not None:
        named[join(cwd, "package.json")] = settings["patchedDependencies"]
    wsfile = join(cwd, "pnpm-workspace.yaml")
    if context.included(wsfile):
        import yaml

        from ..yamlload import safe_load

        try:
            ws = safe_load(context.read(wsfile) or "")
        except yaml.YAMLError:
            return f"{wsfile} is not valid YAML"
        if isinstance(ws, dict) and ws.get("patchedDependencies") is not None:
            named[wsfile] = ws["patchedDependencies"]
    return patch_files(cwd, context, named, found)


def patch_files(cwd: str, context: BuildContext, named: dict, found: Manifests) -> str | None:
    """Copy first the patch files each source (a manifest) names in its
    ``patchedDependencies``: the install applies them (pnpm, Bun)."""
    for source, patches in named.items():
        if not isinstance(patches, dict) or not all(isinstance(p, str) for p in patches.values()):
            return f"the patchedDependencies of {source} are not a map of patch files"
        for patch in patches.values():
            rel = join(cwd, patch)
            if patch.startswith("/") or rel.startswith(".."):
                return f"{source} applies the patch {patch}, outside the project"
            if not context.included(rel):
                return f"{source} applies the patch {patch}, which is not in the build context (or .dockerignore leaves it out)"
            add(found, rel)
    return None


def read_manifests(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    data = package_json(install, cwd, context, found, FILES)
    if data is not None:
        found.problem = _pnpm_patches(cwd, context, data, found)


READERS = {"pnpm": read_manifests}


# --- its store (SF309, SF603) ------------------------------------------------------------
MOUNT_MARKERS = ("pnpm",)

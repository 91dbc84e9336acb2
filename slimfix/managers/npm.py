"""npm: ``npm ci`` and ``npm install`` read package.json, its lockfile and .npmrc, and the
package.json of every workspace (SF201). The package.json reading here serves yarn and pnpm
too; each adds its own files."""

from __future__ import annotations

import json
import posixpath

from ..buildcontext import BuildContext
from .files import MAX_WORKSPACES, Manifests, add, join, missing, overwrites
from .install import Install, looks_local

PROGRAM = "npm"
FILES = ("package-lock.json", "npm-shrinkwrap.json", ".npmrc")  # read beside package.json, when present


def _recognise(rest: list[str]) -> Install | None:
    words = [w for w in rest if not w.startswith("-")]
    if not words or words[0] not in ("ci", "install", "i", "clean-install"):
        return None
    if "-g" in rest or "--global" in rest:
        return Install("npm")  # a global tool by name: reads no manifest
    found = Install("npm", ["package.json"], ignore_scripts="--ignore-scripts" in rest)
    if any(w.startswith("--prefix") for w in rest):
        found.needs_source = "`--prefix` points npm at another directory"
    elif any(looks_local(w) for w in words[1:]):
        found.needs_source = "installs a package from the source tree"
    return found


def recognise(prog: str, rest: list[str]) -> Install | None:
    return _recognise(rest) if prog == "npm" else None


_NPM_LIFECYCLE = ("preinstall", "install", "postinstall", "prepare")


def package_json(install: Install, cwd: str, context: BuildContext | None, found: Manifests,
                 extra: tuple[str, ...]) -> dict | None:
    """package.json and ``extra`` (the manager's lockfile and rc files, when present), the
    workspaces' package.json; the parsed package.json, or None when ``found.problem`` is set
    or there is no context to read (then the manager adds nothing of its own)."""
    pkg = join(cwd, "package.json")
    add(found, pkg)
    if context is None:
        return None
    if not context.included(pkg):
        found.problem = missing(pkg)
        return None
    try:
        data = json.loads(context.read(pkg) or "")
    except ValueError:
        found.problem = f"{pkg} is not valid JSON"
        return None
    if not isinstance(data, dict):
        found.problem = f"{pkg} is not a JSON object"
        return None
    found.problem = _install_hooks(pkg, data, install)
    if found.problem:
        return None
    found.problem = _workspaces(install, cwd, context, data, found)
    if found.problem:
        return None
    installed_here = join(cwd, "node_modules")
    if context.exists_dir(installed_here):
        found.problem = overwrites(installed_here)
        return None
    for name in extra:
        if context.included(join(cwd, name)):
            add(found, join(cwd, name))
    return data


def _install_hooks(pkg: str, data: dict, install: Install) -> str | None:
    scripts = data.get("scripts") or {}
    hooks = [s for s in _NPM_LIFECYCLE if isinstance(scripts, dict) and s in scripts]
    if hooks and not install.ignore_scripts:
        return f"{pkg} runs `{hooks[0]}` on install, which may need the source tree"
    return None


def _workspaces(install: Install, cwd: str, context: BuildContext, data: dict, found: Manifests) -> str | None:
    """The package.json of every workspace package (npm and yarn ``workspaces``, pnpm's
    ``pnpm-workspace.yaml``): with them and the lockfile the install needs no source. A
    package that runs install scripts or links ``bin`` files (they come with the source)
    is a reason to refuse; so is a negated or unreadable pattern."""
    globs = data.get("workspaces")
    if isinstance(globs, dict):
        globs = globs.get("packages")
    if install.ecosystem == "pnpm":
        wsfile = join(cwd, "pnpm-workspace.yaml")
        if not context.included(wsfile):
            return None
        import yaml

        from ..yamlload import safe_load

        try:
            doc = safe_load(context.read(wsfile) or "")
        except yaml.YAMLError:
            return f"{wsfile} is not valid YAML"
        globs = doc.get("packages") if isinstance(doc, dict) else None
    if not globs:
        return None
    if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
        return f"the workspaces of {join(cwd, 'package.json')} are not a list of patterns"
    if any(g.startswith("!") or ".." in g.split("/") for g in globs):
        return "a workspace pattern excludes packages or leaves the project: its packages cannot be listed exactly"
    base = context.root / cwd if cwd else context.root
    packages: list[str] = []
    for pattern in globs:
        for match in context.glob(cwd, pattern.rstrip("/")):
            rel = posixpath.normpath(posixpath.join(cwd, match.relative_to(base).as_posix()))
            pkg = posixpath.join(rel, "package.json")
            if "node_modules" in rel.split("/") or not context.included(pkg) or pkg in packages:
                continue
            packages.append(pkg)
            if len(packages) > MAX_WORKSPACES:
                return f"more than {MAX_WORKSPACES} workspace packages"
    for pkg in packages:
        try:
            data = json.loads(context.read(pkg) or "")
        except ValueError:
            return f"{pkg} is not valid JSON"
        if not isinstance(data, dict):
            return f"{pkg} is not a JSON object"
        problem = _install_hooks(pkg, data, install)
        if problem:
            return problem
        if data.get("bin"):
            return f"{pkg} links `bin` files, which come with the source tree"
        add(found, pkg)
    return None


def read_manifests(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    package_json(install, cwd, context, found, FILES)


READERS = {"npm": read_manifests}


# --- its cache (SF304, SF603) ------------------------------------------------------------
CACHE_CLEAN = "npm cache clean --force"
MOUNT_MARKERS = (".npm",)
OFFLINE_OPTIONS = ("--offline",)  # npm, Yarn and pnpm alike
OFFLINE_ENV = {"npm_config_offline": "true", "NPM_CONFIG_OFFLINE": "true"}

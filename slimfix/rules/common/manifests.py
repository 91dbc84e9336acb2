"""The files a dependency install reads, found in the build context, and the reasons a
manifest cannot be installed without the rest of the source tree."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field

from ...buildcontext import BuildContext
from ...shell.installers import Install

_REQ_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(\s*=?\s*)(\S+)")
_REQ_LOCAL = re.compile(r"^(-e|--editable|\.|/|file:|-f\s*\.|--find-links\s*=?\s*\.|[\w.-]+/)|\s@\s*file:")
_NPM_LIFECYCLE = ("preinstall", "install", "postinstall", "prepare")


@dataclass
class Manifests:
    files: list[str] = field(default_factory=list)  # context-relative, in copy order
    dirs: list[str] = field(default_factory=list)  # context-relative directories
    problem: str | None = None


def collect(install: Install, cwd_rel: str, context: BuildContext | None) -> Manifests:
    """The manifests of ``install``, whose working directory is ``cwd_rel`` in the
    context. Without a readable context only the named files are listed, unchecked."""
    found = Manifests()
    reader = {"pip": _pip, "uv": _pip, "npm": _js, "yarn": _js, "pnpm": _js, "go": _go,
              "bundler": _bundler, "composer": _composer, "uv sync": _uv_project, "poetry": _poetry,
              "pipenv": _pipenv, "dotnet": _dotnet}[install.ecosystem]
    reader(install, cwd_rel, context, found)
    return found


def _join(cwd: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(cwd, path)) if cwd else posixpath.normpath(path)


def _add(found: Manifests, rel: str) -> None:
    if rel not in found.files:
        found.files.append(rel)


def _pip(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    todo = [_join(cwd, m) for m in install.manifests]
    while todo and found.problem is None:
        rel = todo.pop(0)
        if rel in found.files:
            continue
        _add(found, rel)
        if context is None:
            continue
        if not context.included(rel):
            found.problem = _missing(rel)
            return
        for n, line in enumerate((context.read(rel) or "").splitlines(), 1):
            line = re.sub(r"(^|\s)#.*$", "", line).strip()
            if not line:
                continue
            inc = _REQ_INCLUDE.match(line)
            if inc:
                todo.append(_join(posixpath.dirname(rel), inc.group(3)))
                continue
            if _REQ_LOCAL.search(line):
                found.problem = f"{rel} line {n} installs from the source tree (`{line}`)"
                return


def _js(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    pkg = _join(cwd, "package.json")
    _add(found, pkg)
    if context is None:
        return
    if not context.included(pkg):
        found.problem = _missing(pkg)
        return
    try:
        data = json.loads(context.read(pkg) or "")
    except ValueError:
        found.problem = f"{pkg} is not valid JSON"
        return
    if not isinstance(data, dict):
        found.problem = f"{pkg} is not a JSON object"
        return
    found.problem = _install_hooks(pkg, data, install)
    if found.problem:
        return
    extra = {"npm": ["package-lock.json", "npm-shrinkwrap.json", ".npmrc"],
             "yarn": ["yarn.lock", ".yarnrc", ".yarnrc.yml", ".npmrc"],
             "pnpm": ["pnpm-lock.yaml", ".npmrc", ".pnpmfile.cjs", "pnpm-workspace.yaml"]}[install.ecosystem]
    found.problem = _workspaces(install, cwd, context, data, found)
    if found.problem:
        return
    installed_here = _join(cwd, "node_modules")
    if context.exists_dir(installed_here):
        found.problem = _overwrites(installed_here)
        return
    for name in extra:
        if context.included(_join(cwd, name)):
            _add(found, _join(cwd, name))
    if install.ecosystem == "pnpm":
        found.problem = _pnpm_patches(cwd, context, data, found)
    if install.ecosystem == "yarn" and context.exists_dir(_join(cwd, ".yarn")):
        found.dirs.append(_join(cwd, ".yarn"))


def _pnpm_patches(cwd: str, context: BuildContext, data: dict, found: Manifests) -> str | None:
    """The patch files `patchedDependencies` names (in package.json's `pnpm` field or in
    pnpm-workspace.yaml): pnpm applies them during the install, which fails (ENOENT)
    without them."""
    named: dict = {}
    settings = data.get("pnpm")
    if isinstance(settings, dict) and settings.get("patchedDependencies") is not None:
        named[_join(cwd, "package.json")] = settings["patchedDependencies"]
    wsfile = _join(cwd, "pnpm-workspace.yaml")
    if context.included(wsfile):
        import yaml

        from ...yamlload import safe_load

        try:
            ws = safe_load(context.read(wsfile) or "")
        except yaml.YAMLError:
            return f"{wsfile} is not valid YAML"
        if isinstance(ws, dict) and ws.get("patchedDependencies") is not None:
            named[wsfile] = ws["patchedDependencies"]
    for source, patches in named.items():
        if not isinstance(patches, dict) or not all(isinstance(p, str) for p in patches.values()):
            return f"the patchedDependencies of {source} are not a map of patch files"
        for patch in patches.values():
            rel = _join(cwd, patch)
            if patch.startswith("/") or rel.startswith(".."):
                return f"{source} applies the patch {patch}, outside the project"
            if not context.included(rel):
                return f"{source} applies the patch {patch}, which is not in the build context (or .dockerignore leaves it out)"
            _add(found, rel)
    return None


_MAX_WORKSPACES = 40  # one COPY line each: past this, a hand-written layout serves better


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
        wsfile = _join(cwd, "pnpm-workspace.yaml")
        if not context.included(wsfile):
            return None
        import yaml

        from ...yamlload import safe_load

        try:
            doc = safe_load(context.read(wsfile) or "")
        except yaml.YAMLError:
            return f"{wsfile} is not valid YAML"
        globs = doc.get("packages") if isinstance(doc, dict) else None
    if not globs:
        return None
    if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
        return f"the workspaces of {_join(cwd, 'package.json')} are not a list of patterns"
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
            if len(packages) > _MAX_WORKSPACES:
                return f"more than {_MAX_WORKSPACES} workspace packages"
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
        _add(found, pkg)
    return None


def _overwrites(folder: str) -> str:
    return (f"{folder}/ is in the build context: copied after the install, it would overwrite what "
            "the install put there (exclude it in .dockerignore, as SF401 does)")


def _missing(path: str) -> str:
    return f"{path} is not in the build context (or .dockerignore leaves it out)"


def _manifest_and_lock(cwd: str, context: BuildContext | None, found: Manifests, manifest: str,
                       lock: str, problem_in) -> None:
    """A manifest that must exist and pass ``problem_in(path, text)``, and its lockfile
    when present. Without a context both are listed, unchecked."""
    path, lock_path = _join(cwd, manifest), _join(cwd, lock)
    _add(found, path)
    if context is None:
        _add(found, lock_path)
        return
    if not context.included(path):
        found.problem = _missing(path)
        return
    found.problem = problem_in(path, context.read(path) or "")
    if found.problem is None and context.included(lock_path):
        _add(found, lock_path)


def _go_problem(path: str, text: str) -> str | None:
    for n, line in enumerate(text.splitlines(), 1):
        m = re.search(r"=>\s*(\S+)", line)
        if m and m.group(1).startswith((".", "/")):
            return f"{path} line {n} replaces a module with a local directory"
    return None


def _gemfile_problem(path: str, text: str) -> str | None:
    if re.search(r"^\s*gemspec\b|\bpath:|^\s*path\s|\bfile:|File\.", text, re.M):
        return f"{path} uses local paths (gemspec, path:, file:)"
    return None


def _composer_problem(path: str, text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return f"{path} is not valid JSON"
    repos = data.get("repositories") if isinstance(data, dict) else None
    if isinstance(repos, list) and any(isinstance(r, dict) and r.get("type") == "path" for r in repos):
        return f"{path} has a path repository in the source tree"
    return None


def _go(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    if context is not None:
        parts = cwd.split("/") if cwd else []
        for depth in range(len(parts), -1, -1):  # go.work in the module's folder or above
            work = _join("/".join(parts[:depth]), "go.work")
            if context.included(work):
                found.problem = f"{work} makes a workspace whose modules live in the source tree"
                return
        if context.exists_dir(_join(cwd, "vendor")):
            found.problem = f"{_join(cwd, 'vendor')}/ holds the modules: copied after the install, it decides what builds"
            return
    _manifest_and_lock(cwd, context, found, "go.mod", "go.sum", _go_problem)


def _bundler(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    _manifest_and_lock(cwd, context, found, "Gemfile", "Gemfile.lock", _gemfile_problem)


def _composer(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    if context is not None and context.exists_dir(_join(cwd, "vendor")):
        found.problem = _overwrites(_join(cwd, "vendor"))
        return
    _manifest_and_lock(cwd, context, found, "composer.json", "composer.lock", _composer_problem)


def _pyproject(path: str, text: str) -> tuple[dict | None, str | None]:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text), None
    except (ValueError, UnicodeError) as exc:
        return None, f"{path} is not valid TOML ({exc})"


def _uv_problem(path: str, text: str) -> str | None:
    data, problem = _pyproject(path, text)
    if problem or data is None:
        return problem
    uv = data.get("tool", {}).get("uv", {}) if isinstance(data.get("tool"), dict) else {}
    if not isinstance(uv, dict):
        return None
    if uv.get("workspace"):
        return f"{path} declares a uv workspace, whose members live in the source tree"
    sources = uv.get("sources") or {}
    if isinstance(sources, dict) and any(isinstance(v, dict) and ("path" in v or "workspace" in v)
                                         for v in sources.values()):
        return f"{path} takes a dependency from a local path (tool.uv.sources)"
    return None


def _poetry_problem(path: str, text: str) -> str | None:
    data, problem = _pyproject(path, text)
    if problem or data is None:
        return problem
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    groups = [poetry.get("dependencies") or {}, poetry.get("dev-dependencies") or {}]
    groups += [(g or {}).get("dependencies") or {} for g in (poetry.get("group") or {}).values() if isinstance(g, dict)]
    for deps in groups:
        if isinstance(deps, dict) and any(isinstance(v, dict) and "path" in v for v in deps.values()):
            return f"{path} takes a dependency from a local path"
    return None


def _pipenv_problem(path: str, text: str) -> str | None:
    if re.search(r"""\bpath\s*=\s*["']""", text) or re.search(r"\beditable\s*=\s*true", text):
        return f"{path} installs from a local path"
    return None


def _with_optional(cwd: str, context: BuildContext | None, found: Manifests, names: tuple[str, ...]) -> None:
    if context is not None and found.problem is None:
        for name in names:
            if context.included(_join(cwd, name)):
                _add(found, _join(cwd, name))


def _uv_project(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    _manifest_and_lock(cwd, context, found, "pyproject.toml", "uv.lock", _uv_problem)
    _with_optional(cwd, context, found, (".python-version", "uv.toml"))  # uv reads them to pick Python


def _poetry(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    _manifest_and_lock(cwd, context, found, "pyproject.toml", "poetry.lock", _poetry_problem)
    _with_optional(cwd, context, found, ("poetry.toml",))


def _pipenv(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    _manifest_and_lock(cwd, context, found, "Pipfile", "Pipfile.lock", _pipenv_problem)


_DOTNET_PROJECT = (".csproj", ".fsproj", ".vbproj", ".sln", ".slnx")
_DOTNET_SHARED = {"directory.build.props", "directory.build.targets", "directory.packages.props", "nuget.config",
                  "global.json", "packages.lock.json"}
_DOTNET_SKIP = {"bin", "obj", ".git", "node_modules"}


def _dotnet(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
    """``dotnet restore`` reads the project and solution files and the MSBuild and NuGet
    settings beside them: every such file under the restore's folder (as .NET's Docker
    guide copies ``*.csproj``), into its own folder. An ``obj/`` in the context would
    overwrite the restore's assets when the source is copied after it."""
    if context is None:
        found.problem = "without the build context the project files cannot be listed"
        return
    import os

    seen = 0
    for directory, dirnames, filenames in context.walk(cwd):
        rel_dir = os.path.relpath(directory, str(context.root)).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        if "obj" in dirnames and context.exists_dir(_join(rel_dir, "obj")):
            found.problem = _overwrites(_join(rel_dir, "obj"))
            return
        dirnames[:] = sorted(d for d in dirnames if d not in _DOTNET_SKIP)
        for name in sorted(filenames):
            if name.lower().endswith(_DOTNET_PROJECT) or name.lower() in _DOTNET_SHARED:
                rel = _join(rel_dir, name)
                if context.included(rel):
                    _add(found, rel)
        seen += len(filenames) + len(dirnames)
        if seen > 20_000 or len(found.files) > _MAX_WORKSPACES:
            found.problem = "too many files to list the projects exactly"
            return
    if not any(f.lower().endswith(_DOTNET_PROJECT) for f in found.files):
        found.problem = "no project or solution file in the build context"
        return
    from .msbuild_imports import imported_files

    imports, found.problem = imported_files(context, found.files)
    for rel in imports:
        _add(found, rel)

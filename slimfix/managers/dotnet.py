""".NET (NuGet): ``dotnet restore`` reads the project and solution files, the MSBuild and
NuGet settings beside them and the files the projects import (SF201)."""

from __future__ import annotations

import posixpath
import re

from ..buildcontext import BuildContext
from .files import MAX_WORKSPACES, Manifests, add, join, overwrites
from .install import Install, looks_local

PROGRAM = "dotnet"
# An argument with a shell expansion: classify() has never treated it as an install.
UNREAD_ARGUMENTS_NEED_SOURCE = False


def recognise(prog: str, rest: list[str]) -> Install | None:
    if prog == "dotnet" and rest[:1] == ["restore"]:
        found = Install("dotnet", ["*.csproj"])  # the project files are found in the context
        if any(w.startswith("--source") or w == "-s" for w in rest) and any(looks_local(w) for w in rest[1:]):
            found.needs_source = "`dotnet restore --source` reads packages from the source tree"
        return found
    return None


_DOTNET_PROJECT = (".csproj", ".fsproj", ".vbproj", ".sln", ".slnx")
_DOTNET_SHARED = {"directory.build.props", "directory.build.targets", "directory.packages.props", "nuget.config",
                  "global.json", "packages.lock.json"}
_DOTNET_SKIP = {"bin", "obj", ".git", "node_modules"}


def read_manifests(install: Install, cwd: str, context: BuildContext | None, found: Manifests) -> None:
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
        if "obj" in dirnames and context.exists_dir(join(rel_dir, "obj")):
            found.problem = overwrites(join(rel_dir, "obj"))
            return
        dirnames[:] = sorted(d for d in dirnames if d not in _DOTNET_SKIP)
        for name in sorted(filenames):
            if name.lower().endswith(_DOTNET_PROJECT) or name.lower() in _DOTNET_SHARED:
                rel = join(rel_dir, name)
                if context.included(rel):
                    add(found, rel)
        seen += len(filenames) + len(dirnames)
        if seen > 20_000 or len(found.files) > MAX_WORKSPACES:
            found.problem = "too many files to list the projects exactly"
            return
    if not any(f.lower().endswith(_DOTNET_PROJECT) for f in found.files):
        found.problem = "no project or solution file in the build context"
        return
    imports, found.problem = imported_files(context, found.files)
    for rel in imports:
        add(found, rel)


READERS = {"dotnet": read_manifests}


# --- the files an MSBuild project imports (`<Import Project="..."/>`) ---------------------
# `dotnet restore` evaluates every import; one that is missing stops it (MSB4019), so SF201
# copies them with the project files, or refuses when it cannot tell what they are.

_IMPORT = re.compile(r"<Import\b([^>]*?)/?>", re.I | re.S)
_ATTRIBUTE = re.compile(r"""\b(Project|Condition|Sdk)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Properties that point into the SDK or the NuGet cache: their imports are not project files.
_SDK_PROPERTIES = re.compile(r"^\$\((MSBuildExtensionsPath(32|64)?|MSBuildToolsPath|MSBuildSDKsPath|MSBuildBinPath"
                             r"|VSToolsPath|NuGetPackageRoot|MSBuildFrameworkToolsPath\w*|NetCoreTargetingPackRoot"
                             r"|MSBuildToolsRoot|DOTNET_HOST_PATH)\)", re.I)
_THIS_DIR = re.compile(r"^\$\(MSBuildThisFileDirectory\)", re.I)
_PROJECT_DIR = re.compile(r"^\$\(MSBuildProjectDirectory\)[/\\]?", re.I)
_FILE_ABOVE = re.compile(r"""^\$\(\[MSBuild\]::GetPathOfFileAbove\(\s*'?([^',)]+)'?\s*"""
                         r"""(?:,\s*'?\$\(MSBuildThisFileDirectory\)(\.\.[/\\]?)?'?\s*)?\)\)$""", re.I)
_PROJECT_FILES = (".csproj", ".fsproj", ".vbproj")


def imported_files(context: BuildContext, files: list[str]) -> tuple[list[str], str | None]:
    """The context files that ``files`` (context-relative MSBuild files) import, directly
    or through other imports, and why they cannot be known (None when they can)."""
    found: list[str] = []
    todo = [f for f in files if f.lower().endswith(_PROJECT_FILES + (".props", ".targets"))]
    seen = set(todo)
    while todo:
        importer = todo.pop(0)
        text = _COMMENT.sub("", context.read(importer) or "")
        for m in _IMPORT.finditer(text):
            attrs = {a.group(1).lower(): a.group(2) if a.group(2) is not None else a.group(3)
                     for a in _ATTRIBUTE.finditer(m.group(1))}
            if "sdk" in attrs or "project" not in attrs:
                continue  # `<Import Sdk="..." Project="Sdk.props"/>` comes from the SDK
            target = _resolve(importer, attrs["project"].strip())
            if target is None:
                return found, (f"{importer} imports {attrs['project']}, whose path uses MSBuild properties "
                               "slimfix does not resolve")
            if target == "":
                continue  # from the SDK
            if isinstance(target, tuple):
                target = _file_above(context, *target)
                if target is None:
                    continue  # none in the context: the copy of the whole context had none either
            if target.startswith("../") or target == "..":
                return found, f"{importer} imports {attrs['project']}, outside the build context"
            if any(c in target for c in "*?"):
                return found, f"{importer} imports {attrs['project']}, a wildcard slimfix does not expand"
            if not context.included(target):
                if "condition" in attrs and re.search(r"\bExists\s*\(", attrs["condition"], re.I):
                    continue  # imported only when present
                return found, (f"{importer} imports {attrs['project']}, which is not in the build context "
                               "(or .dockerignore leaves it out): the restore would fail (MSB4019)")
            if target not in seen:
                seen.add(target)
                found.append(target)
                todo.append(target)
    return found, None


def _resolve(importer: str, project: str) -> str | tuple[str, str] | None:
    """The context path ``project`` names from ``importer``: "" for an SDK file, a
    (file name, start folder) pair for GetPathOfFileAbove, None when it is not known."""
    here = posixpath.dirname(importer)
    if _SDK_PROPERTIES.match(project):
        return ""
    above = _FILE_ABOVE.match(project)
    if above:
        start = posixpath.normpath(posixpath.join(here, "..")) if above.group(2) else here
        return above.group(1), "" if start == "." else start
    project = _THIS_DIR.sub("", project)
    if _PROJECT_DIR.match(project):
        if not importer.lower().endswith(_PROJECT_FILES):
            return None  # the directory of whichever project imports the importer
        project = _PROJECT_DIR.sub("", project)
    if "$" in project or "%" in project:
        return None
    path = project.replace("\\", "/")
    if path.startswith("/"):
        return None
    return posixpath.normpath(posixpath.join(here, path))


def _file_above(context: BuildContext, name: str, start: str) -> str | None:
    """GetPathOfFileAbove: ``name`` in ``start`` or the nearest folder above it."""
    if start == ".." or start.startswith("../"):
        return None
    folder = start
    while True:
        candidate = posixpath.join(folder, name) if folder else name
        if context.included(candidate):
            return candidate
        if not folder:
            return None
        folder = posixpath.dirname(folder)

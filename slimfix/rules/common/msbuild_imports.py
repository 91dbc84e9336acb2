"""The files an MSBuild project imports (`<Import Project="..."/>`), found in the build
context. `dotnet restore` evaluates every import; one that is missing stops it (MSB4019),
so SF201 copies them with the project files, or refuses when it cannot tell what they are."""

from __future__ import annotations

import posixpath
import re

from ...buildcontext import BuildContext

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

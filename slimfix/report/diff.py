"""Unified diffs of the fixes, in the form ``git apply`` and ``patch -p1`` read."""

from __future__ import annotations


def diff_path(name: str) -> str:
    """The path in ``a/...`` and ``b/...`` headers, so that ``patch -p1`` (or ``git apply``)
    finds the file: relative to the working directory when inside it, else the absolute
    path without its leading slash (apply it from ``/``), never ``a//abs/path``."""
    import os

    if not os.path.isabs(name):
        return name
    rel = os.path.relpath(name)
    if not rel.startswith(".." + os.sep) and rel != "..":
        return rel.replace(os.sep, "/")
    return name.lstrip("/")


def unified_diff(name: str, before: str | None, after: str) -> str:
    """A unified diff; ``before`` None means the file is new."""
    import difflib  # only --diff needs it
    a = (before or "").splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    out = []
    name = diff_path(name)
    source = "/dev/null" if before is None else f"a/{name}"
    for line in difflib.unified_diff(a, b, fromfile=source, tofile=f"b/{name}"):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)

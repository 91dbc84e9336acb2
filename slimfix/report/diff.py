"""Unified diffs of the fixes, in the form ``git apply`` and ``patch -p1`` read."""

from __future__ import annotations

import re

# What a header name cannot show raw: git's quoting rule (controls, quote, backslash), plus
# the bytes that are not UTF-8 and the marks that reorder what a terminal shows.
_QUOTED = re.compile('["\\\\\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]')
_C_ESCAPES = {'"': '\\"', "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def header_name(name: str) -> str:
    """``a/x`` as git writes it: in C quotes with octal escapes of the bytes when the name
    holds a character that needs one (git apply and GNU patch read both forms)."""
    if not _QUOTED.search(name):
        return name
    return '"' + _QUOTED.sub(lambda m: _C_ESCAPES.get(m.group()) or _octal(m.group()), name) + '"'


def _octal(ch: str) -> str:
    try:
        raw = ch.encode("utf-8", "surrogateescape")  # a byte os.fsdecode kept: itself
    except UnicodeEncodeError:
        raw = ch.encode("utf-8", "surrogatepass")
    return "".join(f"\\{b:03o}" for b in raw)


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
    source = "/dev/null" if before is None else header_name(f"a/{name}")
    for line in difflib.unified_diff(a, b, fromfile=source, tofile=header_name(f"b/{name}")):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)

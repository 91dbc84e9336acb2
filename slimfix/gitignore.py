"""A .gitignore file as git reads it during a walk.

Git decides about each path as it walks: a directory that is ignored is never entered, so
nothing below it can be re-included, and a path is matched by the patterns that match the
path itself, the last such line winning. The walk of ``discovery`` works the same way,
which is all this module has to answer: does this line match this path (a file, or a
directory with ``is_dir``), relative to the folder of the .gitignore.

Most lines are plain names (``node_modules``, ``build/``, ``/dist``, ``*.log``): those are
matched with string operations; compiling every line to a regular expression (as pathspec
does) cost a monorepo's walk more than reading its directories did. Any other line
(``**``, ``?``, classes, quoted characters) becomes a regular expression of our own:
pathspec's also match below the path (``a/**`` is ``^a/``), which is not what a walk
that never enters an ignored folder asks. tests/test_gitignore.py holds both to git.
"""

from __future__ import annotations

import re
from typing import Callable

# A plain name or path: no wildcard, escape or class; components are not all dots.
_PLAIN = re.compile(r"(!?)(/?)((?:[\w.+@-]+/)*[\w.+@-]+)(/?)")
_STAR_SUFFIX = re.compile(r"(!?)\*(\.[\w.+@-]+)(/?)")

# (negated, dir_only, match(rel, name) -> bool); a negated line re-includes.
_Line = tuple[bool, bool, Callable[[str, str], bool]]


def _plain(negated: bool, anchored: bool, path: str, dir_only: bool) -> _Line | None:
    if any(not part.strip(".") for part in path.split("/")):
        return None
    if anchored or "/" in path:  # relative to the .gitignore's folder
        return negated, dir_only, lambda rel, name: rel == path
    return negated, dir_only, lambda rel, name: name == path


def _translate(body: str) -> str:
    """A pattern (no ``!``, no trailing ``/``) as a regular expression over the path
    relative to the .gitignore's folder, as git's wildmatch reads it: ``*`` and ``?``
    stop at a slash, ``**`` as a whole component crosses them, ``[...]`` is a class
    (``[!...]`` negated), a backslash quotes the next character."""
    out, i, n = [], 0, len(body)
    while i < n:
        c = body[i]
        if c == "*":
            j = i
            while j < n and body[j] == "*":
                j += 1
            if j - i >= 2 and (i == 0 or body[i - 1] == "/") and (j == n or body[j] == "/"):
                out.append(".*" if j == n else "(?:.*/)?")
                i = j + 1
                continue
            out.append("[^/]*")
            i = j
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = i + 1
            negated = j < n and body[j] in "!^"
            j += negated
            j += j < n and body[j] == "]"  # a ] first is one of the class
            close = body.find("]", j)
            if close < 0:
                out.append(re.escape(c))
                i += 1
                continue
            # A class never matches a slash, as in git.
            members = "".join(m if m == "-" else re.escape(m) for m in body[i + 1 + negated:close] if m != "/")
            out.append(f"[^/{members}]" if negated else f"[{members}]")
            i = close + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(body[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _wildcard(negated: bool, body: str, dir_only: bool) -> _Line | None:
    anchored = "/" in body
    try:
        full = re.compile(_translate(body[1:] if body.startswith("/") else body), re.DOTALL).fullmatch
    except re.error:
        return None  # a class git cannot read either (``[z-a]``): it matches nothing
    if anchored:  # relative to the .gitignore's folder
        return negated, dir_only, lambda rel, name: full(rel) is not None
    return negated, dir_only, lambda rel, name: full(name) is not None


def parse_line(line: str) -> _Line | None:
    while line.endswith(" ") and not line.endswith("\\ "):  # trailing spaces, unless quoted
        line = line[:-1]
    if not line or line.startswith("#"):
        return None
    m = _PLAIN.fullmatch(line)
    if m is not None:
        plain = _plain(m[1] == "!", m[2] == "/", m[3], m[4] == "/")
        if plain is not None:
            return plain
    m = _STAR_SUFFIX.fullmatch(line)
    if m is not None:
        suffix = m[2]
        return m[1] == "!", m[3] == "/", lambda rel, name: name.endswith(suffix)
    negated = line.startswith("!")
    body = line[negated:]
    dir_only = body.endswith("/")
    body = body[:-1] if dir_only else body
    return _wildcard(negated, body, dir_only) if body else None


class GitIgnore:
    """The lines of one .gitignore (or ``.git/info/exclude``), in order."""

    __slots__ = ("lines",)

    def __init__(self, lines) -> None:
        self.lines = [parsed for parsed in map(parse_line, lines) if parsed is not None]

    def decide(self, rel: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a ``!`` line; None: no line matches."""
        name = rel.rsplit("/", 1)[-1]
        for negated, dir_only, match in reversed(self.lines):
            if (is_dir or not dir_only) and match(rel, name):
                return not negated
        return None

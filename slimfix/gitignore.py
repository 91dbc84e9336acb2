"""A .gitignore file as git reads it during a walk.

Git decides about each path as it walks: a directory that is ignored is never entered, so
nothing below it can be re-included, and a path is matched by the patterns that match the
path itself, the last such line winning. The walk of ``discovery`` works the same way,
which is all this module has to answer: does this line match this path (a file, or a
directory with ``is_dir``), relative to the folder of the .gitignore.

Most lines are plain names (``node_modules``, ``build/``, ``/dist``, ``*.log``): those are
matched with string operations; compiling every line to a regular expression (as pathspec
does) cost a monorepo's walk more than reading its directories did. Any other line
(``**``, ``?``, classes, quoted characters) becomes a matcher from ``globmatch``, whose
time is linear in the path (a regular expression backtracks: ``*a*a*a*a*a*b`` against a long
folder name held the walk for minutes); pathspec's translation would also match below
the path (``a/**`` is ``^a/``), which is not what a walk that never enters an ignored
folder asks. tests/test_gitignore.py holds both kinds of line to git.
"""

from __future__ import annotations

import re
from typing import Callable

from .globmatch import ANYTHING, DIRECTORIES, ONE, STAR, BadClass, Step, char_class, compile_glob

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


def _steps(body: str) -> list[Step]:
    """A pattern (no ``!``, no trailing ``/``) as steps over the path relative to the
    .gitignore's folder, as git's wildmatch reads it: ``*`` and ``?`` stop at a slash,
    ``**`` as a whole component crosses them, ``[...]`` is a class (``[!...]`` negated;
    it never matches a slash), a backslash quotes the next character. Raises BadClass
    for a class git cannot read either (``[z-a]``)."""
    out: list[Step] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "*":
            j = i
            while j < n and body[j] == "*":
                j += 1
            if j - i >= 2 and (i == 0 or body[i - 1] == "/") and (j == n or body[j] == "/"):
                out.append(ANYTHING if j == n else DIRECTORIES)
                i = j + 1
                continue
            out.append(STAR)
            i = j
        elif c == "?":
            out.append(ONE)
            i += 1
        elif c == "[":
            j = i + 1
            negated = j < n and body[j] in "!^"
            j += negated
            j += j < n and body[j] == "]"  # a ] first is one of the class
            close = body.find("]", j)
            if close < 0:
                out.append(c)
                i += 1
                continue
            out.append(char_class(body[i + 1 + negated:close], negated, slash=False))
            i = close + 1
        elif c == "\\" and i + 1 < n:
            out.append(body[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return out


def _wildcard(negated: bool, body: str, dir_only: bool) -> _Line | None:
    anchored = "/" in body
    try:
        full = compile_glob(_steps(body[1:] if body.startswith("/") else body)).fullmatch
    except BadClass:
        return None  # a class git cannot read either (``[z-a]``): it matches nothing
    if anchored:  # relative to the .gitignore's folder
        return negated, dir_only, lambda rel, name: full(rel)
    return negated, dir_only, lambda rel, name: full(name)


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


class PathPatterns:
    """Globs of a settings file (``exclude``, ``contexts``, ``per-file-ignores``) or of
    ``--exclude``, read as .gitignore lines and asked about a whole path relative to their
    folder (``a/b/Dockerfile``; a trailing ``/`` for a folder): it matches when a line
    ignores it or a folder above it, the last matching line deciding at each level, as
    git decides during its walk (a folder it ignores is never entered, so a ``!`` line
    cannot bring back what is inside). Matched in time linear in the path (``globmatch``),
    whatever the pattern."""

    __slots__ = ("_ignore",)

    def __init__(self, lines) -> None:
        self._ignore = GitIgnore(lines)

    def match_file(self, path: str) -> bool:
        is_dir = path.endswith("/")
        parts = path.rstrip("/").split("/")
        for k in range(1, len(parts)):
            if self._ignore.decide("/".join(parts[:k]), True):
                return True
        return bool(self._ignore.decide("/".join(parts), is_dir))

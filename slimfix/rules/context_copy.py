"""The whole-context COPY and moving instructions around, shared by SF201 and SF202."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ..syntax import Dockerfile, Instruction, Trivia, TriviaKind

_CONTEXT_SOURCES = {".", "./"}


@dataclass(frozen=True)
class ContextCopy:
    inst: Instruction
    dest: str
    flags: tuple[str, ...]  # as written: --chown=..., --chmod=..., --link


def context_copy(inst: Instruction) -> ContextCopy | None:
    """``COPY . dest`` / ``ADD ./ dest`` (not ``--from``, not a heredoc), else None."""
    cmd = inst.command
    if cmd.name not in ("COPY", "ADD") or inst.heredocs or cmd.flag("from"):
        return None
    values = inst.values()
    if len(values) != 2 or values[0] not in _CONTEXT_SOURCES:
        return None
    return ContextCopy(inst, values[1], tuple(f.text for f in cmd.flags))


def referenced_names(text: str) -> set[str]:
    return set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))


def leading_comments_start(doc: Dockerfile, inst: Instruction) -> int:
    """Start of the comment lines directly above ``inst`` (no blank line between):
    they describe it and move with it."""
    start = inst.span.start
    nodes = doc.nodes
    i = nodes.index(inst) - 1
    while i >= 0 and isinstance(nodes[i], Trivia) and nodes[i].kind is TriviaKind.COMMENT:
        start = nodes[i].span.start
        i -= 1
    return start


def block_text(doc: Dockerfile, start: int, inst: Instruction) -> str:
    """The text from ``start`` to the end of ``inst``, ending with a line break."""
    text = doc.text[start : inst.span.end]
    return text if text.endswith("\n") else text + doc.newline


def workdir_at(doc: Dockerfile, inst: Instruction) -> str | None:
    """The absolute WORKDIR in force at ``inst``, or None when it uses a variable."""
    cwd = "/"
    for other in doc.instructions[: inst.index]:
        if other.stage != inst.stage or other.keyword != "WORKDIR":
            continue
        path = other.args
        if "$" in path or not path:
            return None
        cwd = posixpath.normpath(posixpath.join(cwd, path))
    return cwd


def absolute_dest(doc: Dockerfile, inst: Instruction, dest: str) -> str | None:
    """Where ``dest`` of a COPY at ``inst`` lands, or None when that cannot be known."""
    if "$" in dest:
        return None
    if dest.startswith("/"):
        return posixpath.normpath(dest)
    cwd = workdir_at(doc, inst)
    return None if cwd is None else posixpath.normpath(posixpath.join(cwd, dest))

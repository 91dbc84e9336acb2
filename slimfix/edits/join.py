"""Joining two RUNs into one: the first RUN's last command is chained with ``&&`` to the
second RUN's commands, and the second RUN's keyword and flags go.

Comment lines between the two, and a trailing shell comment of the first, become comment
lines inside the joined continuation (BuildKit drops them from the command, so they
cannot comment out what follows). The continuation uses the file's escape character,
line ending, indentation and ``&&`` placement.
"""

from __future__ import annotations

from ..fixes import Edit
from ..shell import Script
from ..syntax import Dockerfile, Instruction, Trivia, TriviaKind
from .run_body import CannotEdit, continuation_style, line_ending_at


def join_runs(doc: Dockerfile, a: Instruction, script: Script, b: Instruction, script_b: Script) -> Edit:
    """One edit from the end of ``a``'s last command to the start of ``b``'s arguments.
    The caller has checked that joining is right (same flags, no heredocs, no shell
    state that would leak)."""
    last = script.last_token
    assert last is not None and script.base is not None
    at = a.logical.end_to_file(script.base + last.end)
    last_code = a.code_lines[-1]
    comment_lines: list[str] = []
    newline = line_ending_at(doc, last_code)
    leading, indent = continuation_style(doc, a, script) if len(a.code_lines) > 1 else \
        continuation_style(doc, b, script_b) if len(b.code_lines) > 1 else (False, "    ")
    for tok in script.comments:
        start = a.logical.to_file(script.base + tok.start)
        if not last_code.span.start <= start < last_code.content_end:
            raise CannotEdit(f"the shell comment on line {a.start_line} spans continued lines")
        comment_lines.append(indent + doc.text[start : last_code.content_end].rstrip() + newline)
    # What lies between the two RUNs: comments are kept, blank lines dropped.
    for node in doc.nodes:
        if isinstance(node, Trivia) and a.span.end <= node.span.start < b.span.start:
            if node.kind is TriviaKind.COMMENT:
                comment_lines.append(indent + doc.text[node.span.start : node.span.end].lstrip(" \t"))
    esc = a.escape
    b_args = b.logical.to_file(b.command.args_span.start)
    if leading:
        joiner = f" {esc}{newline}{''.join(comment_lines)}{indent}&& "
    else:
        joiner = f" && {esc}{newline}{''.join(comment_lines)}{indent}"
    return Edit(at, b_args, joiner)

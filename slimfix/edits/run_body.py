"""Adding a shell command to the end of a RUN, in the file's own style.

The insertion point is found on the logical text (after the last shell token, so before
a trailing ``# comment`` and a trailing ``;``) and mapped back to the file. A one-line
RUN gets `` && cmd``; a continued RUN gets a new continuation line with the file's
escape character, line ending, indentation and ``&&`` placement.
"""

from __future__ import annotations

import re

from ..fixes import Edit
from ..shell import RunShell, Script, SimpleCommand, Token
from ..syntax import Dockerfile, Instruction, PhysicalLine

_SET_ERREXIT = re.compile(r"(^|\n)\s*set\s+(-[a-zA-Z]*e[a-zA-Z]*\b|-o\s+errexit\b)")
_SHEBANG_ERREXIT = re.compile(r"^#![^\n]*\s-[a-zA-Z]*e")


class CannotEdit(Exception):
    """Why a RUN cannot take the edit; the finding is reported without a fix."""


def file_offset(inst: Instruction, script: Script, local: int, *, end: bool = False) -> int:
    """File offset of ``local`` (an offset in ``script.source``); with ``end``, of the
    position just after the character before it (for insertions after a token)."""
    if script.base is None:
        raise CannotEdit("the command sits in a string whose text cannot be mapped back")
    pos = script.base + local
    if script.in_file:
        return pos
    return inst.logical.end_to_file(pos) if end else inst.logical.to_file(pos)


def insert_after(inst: Instruction, cmd: SimpleCommand, token: Token, text: str) -> Edit:
    """Insert ``text`` right after ``token`` of ``cmd`` (an option after a subcommand)."""
    return Edit.insert(file_offset(inst, cmd.script, token.end, end=True), text)


def append_command(doc: Dockerfile, inst: Instruction, run: RunShell, command: str) -> Edit:
    if run.unsupported:
        raise CannotEdit(f"the shell could not be read ({run.unsupported})")
    if run.heredoc_scripts:
        return _append_to_heredoc(run, command)
    script = run.line
    if script is None or script.last_token is None:
        raise CannotEdit("the RUN has no command to append to")
    if script.ends_in_background:
        raise CannotEdit("the RUN ends with a background job (&)")
    return _append_to_line(doc, inst, script, command)


def _append_to_line(doc: Dockerfile, inst: Instruction, script: Script, command: str) -> Edit:
    last = script.last_token
    assert last is not None and script.base is not None
    at = inst.logical.end_to_file(script.base + last.end)
    code = inst.code_lines
    if len(code) == 1:
        return Edit.insert(at, f" && {command}")
    line = next(ln for ln in inst.lines if ln.span.start <= at <= ln.content_end)
    newline = line_ending_at(doc, line)
    leading, indent = continuation_style(doc, inst, script)
    esc = inst.escape
    if leading:
        return Edit.insert(at, f" {esc}{newline}{indent}&& {command}")
    return Edit.insert(at, f" && {esc}{newline}{indent}{command}")


def line_ending_at(doc: Dockerfile, line: PhysicalLine) -> str:
    """The line's own ending for an inserted line break (the file's, on a last line
    without one)."""
    ending = doc.text[line.content_end : line.span.end]
    return "\r\n" if ending.startswith("\r\n") else ("\n" if ending else doc.newline)


def continuation_style(doc: Dockerfile, inst: Instruction, script: Script) -> tuple[bool, str]:
    """(leading ``&&``?, indentation) as the RUN's own continuation lines use them.

    The indentation is that of the line where the last command starts, so a new command
    lines up with the commands, not with a continued list of package names."""
    code = inst.code_lines
    leading = trailing = 0
    indents = []
    for ln in code[1:]:
        content = doc.text[ln.span.start : ln.content_end]
        stripped = content.lstrip(" \t")
        indents.append((ln, content[: len(content) - len(stripped)]))
        leading += stripped.startswith("&&")
    for ln in code[:-1]:
        content = doc.text[ln.span.start : ln.content_end].rstrip(" \t")
        if content.endswith(inst.escape):
            content = content[:-1].rstrip(" \t")
        trailing += content.endswith("&&")
    indent = min((ws for _, ws in indents), key=len, default="    ")
    if script.commands and script.base is not None:
        at = inst.logical.to_file(script.base + script.commands[-1].start)
        indent = next((ws for ln, ws in indents if ln.span.start <= at < ln.span.end), indent)
    return leading > trailing, indent


def _append_to_heredoc(run: RunShell, command: str) -> Edit:
    """Under ``set -e`` the command becomes the script's new last line. Without it, a new
    line would hide the exit status of the line before it, so the command is chained
    with ``&&`` to the script's last command instead."""
    doc_, script = run.heredoc_scripts[-1]
    body = doc_.content
    if script.last_token is None:
        raise CannotEdit("the heredoc script is empty")
    if script.ends_in_background:
        raise CannotEdit("the heredoc script ends with a background job (&)")
    if not (_SET_ERREXIT.search(body) or _SHEBANG_ERREXIT.search(body)):
        return Edit.insert(doc_.body.start + script.last_token.end, f" && {command}")
    last_line = body.rstrip("\r\n").rsplit("\n", 1)[-1]
    if last_line.rstrip().endswith("\\"):
        raise CannotEdit("the heredoc script's last line is continued")
    newline = "\r\n" if body.endswith("\r\n") else "\n"
    indent = last_line[: len(last_line) - len(last_line.lstrip(" \t"))]
    return Edit.insert(doc_.terminator.start, indent + command + newline)

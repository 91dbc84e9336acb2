"""Splitting a RUN in two at an ``&&``: ``RUN install && build`` becomes ``RUN install``,
the instructions to put between them, and ``RUN build`` with the same flags."""

from __future__ import annotations

import re

from ..fixes import Edit
from ..shell import Script
from ..syntax import Dockerfile, Instruction
from .run_body import CannotEdit, file_offset, line_ending_at

_JOINER = re.compile(r"^[ \t]*&&[ \t]*$")


def split_run(doc: Dockerfile, inst: Instruction, script: Script, at: int, between: str,
              prefix: str = "") -> Edit:
    """One edit that ends the RUN after command ``at - 1`` of ``script`` and starts a new
    RUN (same keyword spelling and flags, then ``prefix``) at command ``at``, with
    ``between`` (whole lines) in the middle. Only an ``&&`` with line continuations and
    spaces may stand between the two commands: a comment there would be lost."""
    before, after = script.commands[at - 1], script.commands[at]
    start = file_offset(inst, script, before.end, end=True)
    end = file_offset(inst, script, after.start)
    gap = doc.text[start:end]
    escape = inst.escape
    joined = "".join(line.rstrip(" \t").removesuffix(escape) for line in re.split(r"\r?\n", gap))
    if not _JOINER.match(joined):
        raise CannotEdit("the RUN cannot be split there (a comment or another operator sits between "
                         "the install and what follows)")
    newline = line_ending_at(doc, next(ln for ln in inst.lines if ln.span.start <= start <= ln.span.end))
    keyword = inst.command.keyword
    flags = "".join(f.text + " " for f in inst.flags)
    # The edit runs to the end of the RUN (the rest rewritten as it is), so that another
    # rule's edit of this RUN (a cleanup appended to its end) waits for the next pass
    # and lands in the RUN it is meant for.
    last = inst.lines[-1].content_end
    return Edit(start, last, f"{newline}{between}{keyword} {flags}{prefix}{doc.text[end:last]}")

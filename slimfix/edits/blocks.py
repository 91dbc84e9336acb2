"""Moving whole instructions: the block an instruction takes with it (its comment lines)
and where its deletion ends, so that a move leaves the file's spacing as it was."""

from __future__ import annotations

import re

from ..syntax import Dockerfile, Instruction, Trivia, TriviaKind
from .run_body import CannotEdit

# BuildKit's directive line (parser.go's reDirective)
_DIRECTIVE_LIKE = re.compile(r"^[ \t]*#[ \t]*[a-zA-Z][a-zA-Z0-9]*[ \t]*=")


def leading_comments_start(doc: Dockerfile, inst: Instruction) -> int:
    """Start of the comment lines directly above ``inst`` (no blank line between):
    they describe it and move with it."""
    start = inst.span.start
    nodes = doc.nodes
    i = doc.node_positions[id(inst)] - 1
    while i >= 0 and isinstance(nodes[i], Trivia) and nodes[i].kind is TriviaKind.COMMENT:
        start = nodes[i].span.start
        i -= 1
    return start


def block_text(doc: Dockerfile, start: int, inst: Instruction) -> str:
    """The text from ``start`` to the end of ``inst``, ending with a line break."""
    text = doc.text[start : inst.span.end]
    return text if text.endswith("\n") else text + doc.newline


def end_with_blank_collapsed(doc: Dockerfile, start: int, inst: Instruction) -> int:
    """Where the deletion of the moved block ends: past one blank line too when the block
    sat between two, so that no double blank line is left behind.

    Raises CannotEdit when the block is the first thing after the parser directives and a
    comment follows it: removed, it would leave that comment at the top, where BuildKit
    reads ``# escape=`` and its like as directives."""
    nodes = doc.nodes
    i = nodes.index(inst)
    before = next((n for n in reversed(nodes[:i]) if n.span.end <= start), None)
    after = nodes[i + 1] if i + 1 < len(nodes) else None
    if (isinstance(after, Trivia) and after.kind is TriviaKind.COMMENT
            and _DIRECTIVE_LIKE.match(doc.text[after.span.start : after.span.end])
            and all(isinstance(n, Trivia) and n.kind in (TriviaKind.BOM, TriviaKind.DIRECTIVE)
                    for n in nodes if n.span.end <= start)):
        raise CannotEdit("moving it would leave the comment below it at the top of the file, where it "
                         "could be read as a parser directive")
    if (isinstance(before, Trivia) and before.kind is TriviaKind.BLANK
            and isinstance(after, Trivia) and after.kind is TriviaKind.BLANK):
        return after.span.end
    return inst.span.end

"""The lossless Dockerfile model: nodes are views over one source text.

Every character of the source belongs to exactly one top-level node (a ``Trivia`` or an
``Instruction``), so joining the nodes' text gives the file back. Each instruction also
has a *logical* text, the string BuildKit builds from its physical lines, with a map
from logical offsets back to file offsets.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Iterator, Union


# The parser makes a Span and a PhysicalLine per line: a frozen dataclass's generated
# __init__ assigns each field through object.__setattr__ (a lookup and a call per field),
# so these two have their own, setting the slots through their descriptors (still frozen
# to everyone else; about 40% cheaper to make).
@dataclass(frozen=True, slots=True, order=True, init=False)
class Span:
    start: int
    end: int

    def __init__(self, start: int, end: int) -> None:
        if not 0 <= start <= end:
            raise ValueError(f"bad span {start}..{end}")
        _span_start(self, start)
        _span_end(self, end)

    def __len__(self) -> int:
        return self.end - self.start


_span_start = Span.start.__set__  # type: ignore[attr-defined]
_span_end = Span.end.__set__  # type: ignore[attr-defined]


class TriviaKind(Enum):
    BOM = "bom"
    DIRECTIVE = "directive"
    COMMENT = "comment"
    BLANK = "blank"


@dataclass(frozen=True, slots=True)
class Trivia:
    kind: TriviaKind
    span: Span
    line: int  # 1-based; 0 for the BOM
    directive: tuple[str, str] | None = None  # (lower-case key, value) for DIRECTIVE


class LineKind(Enum):
    CODE = "code"  # contributes to the logical text
    COMMENT = "comment"  # a comment line inside a continuation (dropped by BuildKit)
    BLANK = "blank"  # a whitespace-only line inside a continuation (dropped)
    HEREDOC_BODY = "heredoc-body"
    HEREDOC_END = "heredoc-end"


@dataclass(frozen=True, slots=True, init=False)
class PhysicalLine:
    kind: LineKind
    number: int
    span: Span  # includes the line ending
    content_end: int  # where the trailing CR/LF run starts

    def __init__(self, kind: LineKind, number: int, span: Span, content_end: int) -> None:
        _line_kind(self, kind)  # see Span
        _line_number(self, number)
        _line_span(self, span)
        _line_content_end(self, content_end)


_line_kind = PhysicalLine.kind.__set__  # type: ignore[attr-defined]
_line_number = PhysicalLine.number.__set__  # type: ignore[attr-defined]
_line_span = PhysicalLine.span.__set__  # type: ignore[attr-defined]
_line_content_end = PhysicalLine.content_end.__set__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class LogicalText:
    """BuildKit's joined line, and where each of its pieces came from in the file."""

    text: str
    pieces: tuple[tuple[int, int, int], ...]  # (logical start, file start, length)

    def to_file(self, offset: int) -> int:
        """File offset of the character at ``offset`` (or of the end, at len(text))."""
        if not self.pieces:
            raise ValueError("empty logical text")
        starts = [p[0] for p in self.pieces]
        i = max(bisect.bisect_right(starts, offset) - 1, 0)
        lstart, fstart, length = self.pieces[i]
        if offset > lstart + length and i + 1 < len(self.pieces):
            raise ValueError(f"offset {offset} falls between pieces")
        return fstart + (offset - lstart)

    def end_to_file(self, offset: int) -> int:
        """File offset just after the character at ``offset - 1``: for insertions that
        must stick to the text before them rather than to the next physical line."""
        if offset == 0:
            return self.to_file(0)
        return self.to_file(offset - 1) + 1


@dataclass(frozen=True, slots=True)
class Flag:
    name: str  # without the leading dashes
    value: str | None  # None for a bare ``--name``
    text: str  # the word as BuildKit passes it on, quotes processed: ``--name=value``
    span: Span  # in the logical text, as written

    def option(self, key: str) -> list[str]:
        """Values of ``key=...`` in a comma-separated flag such as ``--mount``."""
        if self.value is None:
            return []
        out = []
        for part in self.value.split(","):
            k, sep, v = part.partition("=")
            if sep and k.strip().lower() == key:
                out.append(v.strip())
        return out


@dataclass(frozen=True, slots=True)
class Heredoc:
    name: str
    fd: int
    chomp: bool  # ``<<-``: leading tabs stripped
    expand: bool  # False when the name was quoted
    body: Span  # file span of the body lines, line endings included
    terminator: Span  # file span of the terminator line, line ending included
    content: str  # the raw body, as BuildKit hands it on


@dataclass(frozen=True, slots=True)
class Command:
    """Keyword, flags and arguments of an instruction (or of ONBUILD's trigger)."""

    keyword: str  # as written
    keyword_span: Span  # logical
    flags: tuple[Flag, ...]
    args: str  # after the flags, trimmed, as BuildKit passes it to the dispatcher
    args_span: Span  # logical
    json: bool  # exec / list form
    json_values: tuple[str, ...] | None
    sub: Command | None = None  # ONBUILD's trigger
    # the keyword upper-cased: asked of every instruction by every rule, so made once
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.keyword.upper())

    def flag(self, name: str) -> list[Flag]:
        return [f for f in self.flags if f.name.lower() == name]


@dataclass(eq=False)
class Instruction:
    index: int  # position among the file's instructions
    span: Span  # all physical lines, heredoc bodies and line endings included
    lines: tuple[PhysicalLine, ...]
    logical: LogicalText
    command: Command
    heredocs: tuple[Heredoc, ...]
    start_line: int
    end_line: int
    escape: str
    stage: int = -1  # index of the stage it belongs to; -1 before the first FROM
    source: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        # read for every instruction by every rule: worth keeping instead of recomputing
        self.keyword = self.command.name

    @property
    def effective(self) -> Command:
        """The command that runs: ONBUILD's trigger for ONBUILD, else the command."""
        return self.command.sub or self.command

    @property
    def flags(self) -> tuple[Flag, ...]:
        return self.command.flags

    @property
    def args(self) -> str:
        return self.command.args

    @property
    def is_json(self) -> bool:
        return self.command.json

    @property
    def text(self) -> str:
        return self.source[self.span.start : self.span.end]

    @property
    def code_lines(self) -> list[PhysicalLine]:
        return [ln for ln in self.lines if ln.kind is LineKind.CODE]

    def values(self) -> tuple[str, ...]:
        """What BuildKit's parser hands on as the instruction's value list."""
        cached = self.__dict__.get("_values")
        if cached is None:
            from .arguments import command_values

            cached = self.__dict__["_values"] = command_values(self.effective, self.escape)
        return cached

    def signature(self) -> tuple:
        """Everything BuildKit sees of the instruction: equal signatures build alike."""
        c = self.command
        sub = self.command.sub
        return (
            c.name,
            tuple(f.text for f in c.flags),
            sub.name if sub else None,
            tuple(f.text for f in sub.flags) if sub else (),
            self.is_json or bool(sub and sub.json),
            self.values(),
            tuple((h.name, h.fd, h.chomp, h.expand, h.content) for h in self.heredocs),
        )


Node = Union[Trivia, Instruction]


@dataclass(frozen=True, slots=True)
class Stage:
    index: int
    from_: Instruction
    base: str  # image reference as written (after the FROM flags)
    name: str | None  # lower-cased ``AS`` name
    instructions: tuple[Instruction, ...]


@dataclass(eq=False)
class Dockerfile:
    text: str
    nodes: list[Node]
    escape: str = "\\"
    directives: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text

    @cached_property
    def instructions(self) -> list[Instruction]:
        return [n for n in self.nodes if isinstance(n, Instruction)]

    @cached_property
    def newline(self) -> str:
        """The line ending inserted lines should use: the file's majority."""
        crlf = self.text.count("\r\n")
        lf = self.text.count("\n") - crlf
        return "\r\n" if crlf > lf else "\n"

    @cached_property
    def stages(self) -> list[Stage]:
        stages: list[Stage] = []
        current: list[Instruction] = []
        head: Instruction | None = None
        for inst in self.instructions:
            if inst.keyword == "FROM":
                if head is not None:
                    stages.append(_stage(len(stages), head, current))
                head, current = inst, []
            elif head is not None:
                current.append(inst)
        if head is not None:
            stages.append(_stage(len(stages), head, current))
        return stages

    @cached_property
    def node_positions(self) -> dict[int, int]:
        """Where each node (by id) sits in ``nodes``: rules ask per instruction, and a list
        search each time is quadratic."""
        return {id(node): i for i, node in enumerate(self.nodes)}

    def stage_of(self, inst: Instruction) -> Stage | None:
        return self.stages[inst.stage] if inst.stage >= 0 else None

    @cached_property
    def stage_parents(self) -> list[int | None]:
        """For each stage, the earlier stage it is built FROM (by name), or None."""
        by_name: dict[str, int] = {}
        out: list[int | None] = []
        for s in self.stages:
            out.append(by_name.get(s.base.lower()))
            if s.name:
                by_name.setdefault(s.name, s.index)
        return out

    @cached_property
    def stage_children(self) -> list[list[int]]:
        """For each stage, the stages built FROM it."""
        out: list[list[int]] = [[] for _ in self.stages]
        for index, up in enumerate(self.stage_parents):
            if up is not None:
                out[up].append(index)
        return out

    def iter_nodes(self) -> Iterator[tuple[Node, str]]:
        for node in self.nodes:
            yield node, self.text[node.span.start : node.span.end]


def _stage(index: int, head: Instruction, body: list[Instruction]) -> Stage:
    words = head.args.split()
    base = words[0] if words else ""
    name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
    return Stage(index, head, base, name, tuple(body))

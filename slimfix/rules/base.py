"""What a rule is, what it reports, and what it sees of a file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Iterable

from ..fixes import Applicability, Edit, FileChange, Fix
from ..shell import RunShell, read_run
from ..syntax import Dockerfile, Instruction

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    start: int  # file offsets of what the finding is about
    end: int
    fix: Fix | None = None
    note: str | None = None  # why the fix was withheld, or advice
    file_change: FileChange | None = None  # a change to another file, instead of ``fix``

    @property
    def applicability(self) -> Applicability | None:
        if self.fix is not None:
            return self.fix.applicability
        return self.file_change.applicability if self.file_change is not None else None

    @property
    def fixable(self) -> bool:
        return self.applicability is not None and self.applicability > Applicability.DISPLAY_ONLY


@dataclass
class RuleContext:
    """One file as the rules see it. Shell views are read once and shared."""

    doc: Dockerfile
    path: Path | None = None
    context_dir: Path | None = None
    _runs: dict[int, RunShell | None] = field(default_factory=dict)
    _memo: dict = field(default_factory=dict)

    def memo(self, key, compute):
        """``compute()``, once per file: what a rule derives from the whole document,
        so that asking about each instruction stays linear."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def build_context(self):
        """The build context, or None when there is none to read (standard input)."""
        from ..context import BuildContext

        if self.context_dir is None or not self.context_dir.is_dir():
            return None
        if not hasattr(self, "_build_context"):
            self._build_context = BuildContext(self.context_dir, self.path)
        return self._build_context

    def run(self, inst: Instruction) -> RunShell | None:
        if inst.index not in self._runs:
            self._runs[inst.index] = read_run(inst)
        return self._runs[inst.index]


class Rule:
    """A rule: its code, name and summary, documentation in the class docstring with
    the sections of DOC_SECTIONS, and ``check``, which yields findings."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    hadolint: ClassVar[tuple[str, ...]] = ()
    fix_safety: ClassVar[Applicability | None] = Applicability.SAFE

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def sections(cls) -> dict[str, str]:
        """The documentation split on its ``## Heading`` lines."""
        out: dict[str, str] = {}
        current = None
        for line in cls.documentation().splitlines():
            m = re.match(r"^## (.+?)\s*$", line)
            if m:
                current = m.group(1)
                out[current] = ""
            elif current is not None:
                out[current] += line + "\n"
        return {k: v.strip() for k, v in out.items()}

    def finding(self, inst: Instruction, message: str, *, edits: Iterable[Edit] = (),
                applicability: Applicability | None = None, note: str | None = None,
                end: int | None = None, file_change: FileChange | None = None) -> Finding:
        """A finding from the start of ``inst`` to ``end`` (default: the end of its first
        line); with edits, a fix of the rule's own safety unless ``applicability`` says
        otherwise; or a change to another file."""
        edits = tuple(edits)
        fix = None
        if edits:
            fix = Fix(edits, applicability if applicability is not None else self.fix_safety, message)
        return Finding(self.code, message, inst.span.start, _first_line_end(inst) if end is None else end,
                       fix, note, file_change)


def _first_line_end(inst: Instruction) -> int:
    return inst.lines[0].content_end

"""What a rule is, what it reports, and what it sees of a file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable

from ..effects import Effect
from ..fixes import Applicability, Edit, FileChange, Finding, Fix, FixAvailability, Kind
from ..shell import RunShell, SimpleCommand, read_run
from ..syntax import Dockerfile, Instruction

if TYPE_CHECKING:
    from ..buildcontext import BuildContext
    from ..buildcontext.reads import Reads

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")


@dataclass
class RuleContext:
    """One file as the rules see it. What several rules derive from it (shell views, the
    build context, facts about the document) is computed once, here."""

    doc: Dockerfile
    path: Path | None = None
    context_dir: Path | None = None
    selected: frozenset[str] = frozenset()  # codes of the rules that run on this file
    _runs: dict[int, RunShell | None] = field(default_factory=dict)
    _build_context: "BuildContext | None | bool" = False  # False: not looked at yet
    _memo: dict[str, Any] = field(default_factory=dict)
    reads: "Reads | None" = None  # where the build context's reads are recorded (None: a fresh record)

    @property
    def build_context(self) -> "BuildContext | None":
        """The build context, or None when there is none to read (standard input)."""
        if self._build_context is False:
            from ..buildcontext import BuildContext
            from ..buildcontext.reads import Reads

            if self.reads is None:
                self.reads = Reads()
            if self.context_dir is not None:
                self.reads.kind(self.context_dir)  # a context that appears later changes the result
            readable = self.context_dir is not None and self.context_dir.is_dir()
            self._build_context = BuildContext(self.context_dir, self.path, reads=self.reads) if readable else None
        return self._build_context

    def run(self, inst: Instruction) -> RunShell | None:
        if inst.index not in self._runs:
            self._runs[inst.index] = read_run(inst)
        return self._runs[inst.index]

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """A fact about the whole document, computed on first use (rules ask per RUN)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


class Rule:
    """A rule: its code, name and summary, documentation in the class docstring with
    the sections of DOC_SECTIONS, and ``check``, which yields findings."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    hadolint: ClassVar[tuple[str, ...]] = ()
    fix_availability: ClassVar[FixAvailability] = FixAvailability.SOMETIMES
    # The applicabilities its fixes may have; the first is the default.
    fix_safety: ClassVar[tuple[Applicability, ...]] = (Applicability.SAFE,)
    kind: ClassVar[Kind] = Kind.PROBLEM
    # False for opt-in rules: run only when a selector names them (``SF6``, ``SF601``), not
    # by default, ``ALL`` or ``SF``
    default: ClassVar[bool] = True
    # What its fix does to the built image (slimfix.effects): `slimfix verify` holds the
    # rewrite's image to it. None only for a rule whose fixes are never applied.
    effect: ClassVar[Effect | None] = None
    # Words (lower case) one of which a file must hold for the rule to find anything in it:
    # the program names its findings start from. The engine runs the rule only on a file
    # whose text or joined instruction lines hold one, so most files skip most rules.
    # Empty: the rule runs on every file. tests/test_rules.py holds every finding on every
    # fixture to this.
    triggers: ClassVar[tuple[str, ...]] = ()

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def fix_label(cls) -> str:
        """What the rules table says of its fixes: ``safe``, ``unsafe``, ``safe or unsafe``,
        ``display-only`` (advice, never applied)."""
        if cls.fix_availability is FixAvailability.NONE or not cls.fix_safety:
            label = "display-only"
        else:
            label = " or ".join(str(a) for a in cls.fix_safety)
        return label if cls.default else f"{label} (opt-in)"


    @classmethod
    def url(cls) -> str | None:
        """The rule's section of the published docs/rules.md (its heading, as GitHub anchors
        it); None while the project has no public home (slimfix.HOME)."""
        from .. import HOME

        if HOME is None:
            return None
        return f"{HOME.rstrip('/')}/blob/main/docs/rules.md#{cls.code.lower()}-{cls.name}"

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
                applicability: Applicability | None = None, detail: str | None = None,
                end: int | None = None, file_change: FileChange | None = None,
                at: tuple[int, int] | None = None) -> Finding:
        """A finding from the start of ``inst`` to ``end`` (default: the end of its first
        line), or over ``at`` (the offending words); with edits, a fix of the rule's own
        safety unless ``applicability`` says otherwise; or a change to another file."""
        edits = tuple(edits)
        fix = None
        if edits:
            fix = Fix(edits, applicability if applicability is not None else self.fix_safety[0], message)
        start, stop = at or (inst.span.start, _first_line_end(inst) if end is None else end)
        return Finding(self.code, message, start, stop, fix, file_change, kind=self.kind, detail=detail)

    def not_fixed(self, inst: Instruction, message: str, reason: object, *, end: int | None = None,
                  at: tuple[int, int] | None = None) -> Finding:
        """A finding without a fix, saying why: ``reason`` is the guard that did not hold
        (a ``CannotEdit`` or a sentence)."""
        found = self.finding(inst, message, end=end, at=at)
        return replace(found, not_fixed=str(reason))

    def shell_not_read(self, inst: Instruction, message: str, run: RunShell) -> Finding:
        return self.not_fixed(inst, message, f"the shell could not be read ({run.unsupported})")


def _first_line_end(inst: Instruction) -> int:
    return inst.lines[0].content_end


def command_span(inst: Instruction, cmd: SimpleCommand) -> tuple[int, int] | None:
    """File offsets of a command of ``inst``'s shell (for a finding's position), or None
    when its text cannot be mapped back to the file (inside an ``sh -c`` string)."""
    from ..edits import CannotEdit, file_offset

    try:
        return file_offset(inst, cmd.script, cmd.start), file_offset(inst, cmd.script, cmd.end, end=True)
    except CannotEdit:
        return None

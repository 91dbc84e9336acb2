"""What a rule reports (``Finding``) and what it offers to change (``Fix``: edits with an
applicability); applying a set of edits to a text."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum
from pathlib import Path


class Applicability(IntEnum):
    """Ordered so that ``fix.applicability >= threshold`` selects what to apply."""

    DISPLAY_ONLY = 0  # shown, never applied
    UNSAFE = 1  # applied with --unsafe-fixes
    SAFE = 2  # applied by --write

    def __str__(self) -> str:
        return self.name.lower().replace("_", "-")


@dataclass(frozen=True, slots=True, order=True)
class Edit:
    """Replace ``start..end`` of the file text (both offsets into the original)."""

    start: int
    end: int
    text: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad edit range {self.start}..{self.end}")

    @classmethod
    def insert(cls, at: int, text: str) -> "Edit":
        return cls(at, at, text)

    @classmethod
    def delete(cls, start: int, end: int) -> "Edit":
        return cls(start, end, "")


@dataclass(frozen=True)
class Fix:
    edits: tuple[Edit, ...]
    applicability: Applicability
    message: str = ""

    def __post_init__(self) -> None:
        edits = tuple(sorted(self.edits))
        if not edits:
            raise ValueError("a fix needs at least one edit")
        for a, b in zip(edits, edits[1:]):
            # Two insertions at one point would have no defined order.
            if b.start < a.end or (a.start == a.end == b.start == b.end):
                raise ValueError(f"overlapping edits {a} and {b}")
        object.__setattr__(self, "edits", edits)

    @property
    def start(self) -> int:
        return self.edits[0].start

    @property
    def end(self) -> int:
        return max(e.end for e in self.edits)

    def conflicts_with(self, other: "Fix") -> bool:
        """Fixes conflict when any edits overlap or touch: the later one waits a pass."""
        return any(a.start <= b.end and b.start <= a.end for a in self.edits for b in other.edits)


@dataclass
class Applied:
    text: str
    regions: list[tuple[int, int]] = field(default_factory=list)  # new-text spans of edits
    targets: list[tuple[int, int]] = field(default_factory=list)  # old-text spans of edits


def apply_edits(text: str, edits: list[Edit]) -> Applied:
    """Apply disjoint edits; record where each landed in the new text."""
    edits = sorted(edits)
    out: list[str] = []
    pos = 0
    shift = 0
    applied = Applied("")
    for e in edits:
        if e.start < pos:
            raise ValueError(f"overlapping edit {e}")
        out.append(text[pos : e.start])
        out.append(e.text)
        new_start = e.start + shift
        applied.regions.append((new_start, new_start + len(e.text)))
        applied.targets.append((e.start, e.end))
        shift += len(e.text) - (e.end - e.start)
        pos = e.end
    out.append(text[pos:])
    applied.text = "".join(out)
    return applied


@dataclass(frozen=True)
class FileChange:
    """A change to a file other than the Dockerfile (``.dockerignore``)."""

    path: Path
    before: str | None  # None: the file does not exist yet
    after: str
    applicability: Applicability = Applicability.SAFE


class FixAvailability(Enum):
    """Whether a rule offers fixes: always, only where its guards hold, or never."""

    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


class Kind(Enum):
    """A problem to fix, or advice that needs a person (never fails a run on its own)."""

    PROBLEM = "problem"
    ADVICE = "advice"


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    start: int  # file offsets of what the finding is about
    end: int
    fix: Fix | None = None
    file_change: FileChange | None = None  # a change to another file, instead of ``fix``
    not_fixed: str | None = None  # why the rule offers no fix here (its guards did not hold)
    kind: Kind = Kind.PROBLEM
    detail: str | None = None  # more to say: the advice itself, or why the fix is unsafe

    @property
    def applicability(self) -> Applicability | None:
        if self.fix is not None:
            return self.fix.applicability
        return self.file_change.applicability if self.file_change is not None else None

    @property
    def note(self) -> str | None:
        """The line shown under the finding."""
        if self.not_fixed is not None:
            return f"not fixed: {self.not_fixed}"
        if self.kind is Kind.ADVICE and self.detail and self.fix is None and self.file_change is None:
            return f"advice: {self.detail}"  # display-only: nothing slimfix would apply
        return self.detail

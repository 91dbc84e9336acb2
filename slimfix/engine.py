"""The fix loop: check, apply non-overlapping fixes, re-parse, check the pass, repeat.

Every pass is checked before the next one starts: the new text must parse, parser
directives must be unchanged, and every instruction that no edit touched must be the
same instruction (same raw text, same meaning to BuildKit) in the same order.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from .buildcontext.reader import DockerignoreProblem
from .buildcontext.reads import Reads
from .fixes import Applicability, FileChange, Fix, apply_edits
from .rules import Finding, Rule, RuleContext
from .suppressions import read_suppressions
from .syntax import Dockerfile, Instruction, ParseError, TriviaKind, parse

MAX_PASSES = 10


class FixError(Exception):
    """A rule produced output that failed verification: a slimfix bug, never written."""


@dataclass
class FixOutcome:
    source: str
    output: str
    findings: list[Finding]  # on the source
    remaining: list[Finding]  # on the output
    applied: list[Finding] = field(default_factory=list)  # whose fixes were applied
    file_changes: list[FileChange] = field(default_factory=list)  # to other files, to apply
    passes: int = 0
    history: list[tuple[str, list[Finding]]] = field(default_factory=list)  # text before each pass, fixes applied
    pending: bool = False  # checked only (not fixed), and a fix would apply
    problems: dict[str, list[str]] = field(default_factory=dict)  # unusable .dockerignore -> codes skipped
    reads: Reads | None = None  # what of the build context the rules read, to tell when a cached result is stale

    @property
    def read_context(self) -> bool:
        """A rule read the build context: the result depends on more than the text."""
        return bool(self.reads)

    @property
    def changed(self) -> bool:
        """Whether the file changes (or, after ``check_document``, would change)."""
        return self.output != self.source or bool(self.file_changes) or self.pending


def check(doc: Dockerfile, rules: list[type[Rule]], path: Path | None = None,
          context_dir: Path | None = None, problems: dict[str, list[str]] | None = None,
          used: Reads | None = None) -> list[Finding]:
    """Findings, by position. A rule that needs a `.dockerignore` that cannot be used is
    skipped; ``problems`` gets the message and the codes skipped for it. ``used`` records
    what of the build context the rules read."""
    ctx = RuleContext(doc, path, context_dir, frozenset(r.code for r in rules), reads=used)
    pragmas = read_suppressions(doc)
    starts = [i.span.start for i in doc.instructions]
    findings: list[Finding] = []
    haystack = trigger_text(doc)
    for rule in rules:
        if rule.triggers and not any(word in haystack for word in rule.triggers):
            continue  # it cannot fire here (``selected`` still names it: others defer to it)
        try:
            found = list(rule().check(ctx))
        except DockerignoreProblem as exc:
            if problems is not None and rule.code not in problems.setdefault(str(exc), []):
                problems[str(exc)].append(rule.code)
            continue
        for f in found:
            if not pragmas.silences(rule.code, rule.hadolint, _instruction_at(doc, starts, f.start)):
                findings.append(f)
    return sorted(findings, key=lambda f: (f.start, f.code, f.end))


def trigger_text(doc: Dockerfile) -> str:
    """What a rule's ``triggers`` are looked for in: the text, and each instruction's
    logical line (a continuation may split a word: ``apt-\\`` then ``get``), lower case."""
    joined = "\n".join(inst.logical.text for inst in doc.instructions if len(inst.logical.pieces) > 1)
    return (doc.text + "\n" + joined).lower()


def _instruction_at(doc: Dockerfile, starts: list[int], offset: int) -> Instruction | None:
    """By bisection: a file with thousands of instructions must stay linear."""
    k = bisect.bisect_right(starts, offset) - 1
    if k >= 0:
        inst = doc.instructions[k]
        if inst.span.start <= offset < inst.span.end:
            return inst
    return None


class _Occupied:
    """Spans of the edits chosen in a pass (disjoint, and not touching one another)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def conflicts(self, fix: Fix) -> bool:
        # Only the chosen span starting last at or before an edit's end can reach it.
        for e in fix.edits:
            k = bisect.bisect_right(self.starts, e.end) - 1
            if k >= 0 and self.ends[k] >= e.start:
                return True
        return False

    def add(self, fix: Fix) -> None:
        for e in fix.edits:
            k = bisect.bisect_right(self.starts, e.start)
            self.starts.insert(k, e.start)
            self.ends.insert(k, e.end)


def check_document(text: str, rules: list[type[Rule]], *, threshold: Applicability = Applicability.SAFE,
                   path: Path | None = None, context_dir: Path | None = None) -> FixOutcome:
    """Findings only, for reports and --check: one parse, one pass of the rules. Whether
    a change is due is known from the first pass; applying it is ``fix_document``'s job."""
    threshold = max(threshold, Applicability.UNSAFE)
    problems: dict[str, list[str]] = {}
    used = Reads()
    findings = check(parse(text), rules, path, context_dir, problems, used)
    outcome = FixOutcome(text, text, findings, findings, problems=problems, reads=used)
    outcome.pending = any(f.applicability is not None and f.applicability >= threshold for f in findings)
    return outcome


def fix_document(text: str, rules: list[type[Rule]], *, threshold: Applicability = Applicability.SAFE,
                 path: Path | None = None, context_dir: Path | None = None,
                 max_passes: int = MAX_PASSES, unsafe_codes: frozenset[str] = frozenset()) -> FixOutcome:
    """Raises ParseError when ``text`` does not parse and FixError when a fix fails
    verification or the loop does not converge. The unsafe fixes of the rules in
    ``unsafe_codes`` are applied whatever the threshold (``slimfix verify`` builds the
    cache-mount rewrite so)."""
    threshold = max(threshold, Applicability.UNSAFE)
    doc = parse(text)
    problems: dict[str, list[str]] = {}
    used = Reads()
    findings = check(doc, rules, path, context_dir, problems, used)
    outcome = FixOutcome(text, text, findings, findings, problems=problems, reads=used)
    current = findings
    for _ in range(max_passes):
        chosen: list[tuple[Finding, Fix]] = []
        occupied = _Occupied()
        for f in current:
            if f.fix is None or f.fix.applicability < (Applicability.UNSAFE if f.code in unsafe_codes else threshold):
                continue
            if occupied.conflicts(f.fix):
                continue  # waits for the next pass, re-checked on the new text
            chosen.append((f, f.fix))
            occupied.add(f.fix)
        if not chosen:
            outcome.output = doc.text
            outcome.remaining = []
            for f in current:  # changes to other files are applied by the caller
                if f.file_change is not None and f.file_change.applicability >= threshold:
                    outcome.file_changes.append(f.file_change)
                    outcome.applied.append(f)
                else:
                    outcome.remaining.append(f)
            return outcome
        applied = apply_edits(doc.text, [e for _, fx in chosen for e in fx.edits])
        codes = ", ".join(sorted({f.code for f, _ in chosen}))
        try:
            new_doc = parse(applied.text)
        except ParseError as exc:
            raise FixError(f"fix by {codes} produced a file that does not parse ({exc})") from None
        problem = check_pass(doc, new_doc, applied.targets, applied.regions)
        if problem:
            raise FixError(f"fix by {codes} failed verification: {problem}")
        outcome.applied += [f for f, _ in chosen]
        outcome.history.append((doc.text, [f for f, _ in chosen]))
        outcome.passes += 1
        doc = new_doc
        current = check(doc, rules, path, context_dir, problems, used)
    raise FixError(f"fixes did not converge after {max_passes} passes")


def _touched(inst: Instruction, regions: list[tuple[int, int]], starts: list[int] | None = None) -> bool:
    """``regions`` sorted and disjoint (``starts`` their starts, to bisect)."""
    a, b = inst.span.start, inst.span.end
    # An insertion at the very end belongs to the instruction only when no line ending
    # closes it (the last line of a file without a final newline).
    open_end = not inst.source[a:b].endswith("\n")
    if starts is None:
        starts = [s for s, _ in regions]
    # Regions starting before a (at most one of them can reach into the instruction,
    # they are disjoint) and those starting up to b.
    k = max(bisect.bisect_left(starts, a) - 1, 0)
    for s, e in itertools.islice(regions, k, None):
        if s > b:
            break
        if s == e:
            if a < s < b or (s == b and open_end):
                return True
        elif s < b and a < e:
            return True
    return False


def check_pass(old: Dockerfile, new: Dockerfile, targets: list[tuple[int, int]],
           regions: list[tuple[int, int]]) -> str | None:
    """None when ``new`` differs from ``old`` only in the instructions edits touched."""
    def directives(doc: Dockerfile) -> list[str]:
        return [doc.text[n.span.start : n.span.end] for n in doc.nodes
                if getattr(n, "kind", None) is TriviaKind.DIRECTIVE]

    if directives(old) != directives(new) or old.escape != new.escape:
        return "parser directives changed"
    targets, regions = sorted(targets), sorted(regions)
    target_starts, region_starts = [s for s, _ in targets], [s for s, _ in regions]
    before = [i for i in old.instructions if not _touched(i, targets, target_starts)]
    after = [i for i in new.instructions if not _touched(i, regions, region_starts)]
    if len(before) != len(after):
        return f"{len(before)} untouched instructions became {len(after)}"
    for a, b in zip(before, after):
        if a.text != b.text or a.signature() != b.signature():
            return f"line {a.start_line}: untouched instruction {a.keyword} changed"
        if a.stage != b.stage:
            return f"line {a.start_line}: {a.keyword} moved to another stage"
    return None

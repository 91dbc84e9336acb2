"""Pragma comments that silence rules.

- ``# hadolint ignore=DL3009,DL3015`` on the line(s) directly above an instruction
  silences the slimfix rules that map to those hadolint codes, for that instruction;
  ``# hadolint global ignore=...`` anywhere does so for the whole file.
- ``# slimfix: ignore=SF101,SF102`` directly above an instruction silences those rules
  (codes or prefixes) there; ``# slimfix: ignore`` alone silences every rule there.
- ``# slimfix: ignore-file`` (optionally ``=CODES``) before the first instruction
  silences those rules, or all of them, for the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .syntax import Dockerfile, Instruction, Trivia, TriviaKind

_HADOLINT = re.compile(r"^#\s*hadolint\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9,\s]+?)\s*$", re.I)
_SLIMFIX = re.compile(r"^#\s*slimfix\s*:\s*(ignore-file|ignore)\s*(?:=\s*([A-Za-z0-9,\s]+?))?\s*$", re.I)
ALL = "ALL"


@dataclass
class Suppressions:
    file_codes: set[str] = field(default_factory=set)  # slimfix codes/prefixes, or ALL
    file_hadolint: set[str] = field(default_factory=set)
    by_instruction: dict[int, tuple[set[str], set[str]]] = field(default_factory=dict)

    def silences(self, code: str, hadolint: tuple[str, ...], inst: Instruction | None) -> bool:
        codes, dl = set(self.file_codes), set(self.file_hadolint)
        if inst is not None and inst.index in self.by_instruction:
            more_codes, more_dl = self.by_instruction[inst.index]
            codes |= more_codes
            dl |= more_dl
        if ALL in codes or any(code.startswith(c) for c in codes):
            return True
        return bool(dl.intersection(hadolint))


def _codes(text: str | None) -> set[str]:
    if not text:
        return {ALL}
    return {c.strip().upper() for c in text.split(",") if c.strip()}


def slimfix_pragma(comment: str) -> tuple[str, list[str]] | None:
    """(``ignore`` or ``ignore-file``, the codes in their order, or ``[ALL]`` when none
    are named) of a ``# slimfix:`` comment; None for any other text."""
    s = _SLIMFIX.match(comment.strip())
    if s is None:
        return None
    codes = [c.strip().upper() for c in (s.group(2) or "").split(",") if c.strip()]
    return s.group(1).lower(), codes or [ALL]


def read_suppressions(doc: Dockerfile) -> Suppressions:
    out = Suppressions()
    above: list[str] = []
    seen_instruction = False
    for node in doc.nodes:
        if isinstance(node, Trivia):
            if node.kind is TriviaKind.COMMENT:
                text = doc.text[node.span.start : node.span.end].strip()
                h = _HADOLINT.match(text)
                if h and h.group(1):
                    out.file_hadolint |= _codes(h.group(2))
                s = _SLIMFIX.match(text)
                if s and s.group(1).lower() == "ignore-file" and not seen_instruction:
                    out.file_codes |= _codes(s.group(2))
                above.append(text)
            elif node.kind is TriviaKind.BLANK:
                above = []
            continue
        seen_instruction = True
        codes: set[str] = set()
        dl: set[str] = set()
        for text in above:
            h = _HADOLINT.match(text)
            if h and not h.group(1):
                dl |= _codes(h.group(2)) - {ALL}
            s = _SLIMFIX.match(text)
            if s and s.group(1).lower() == "ignore":
                codes |= _codes(s.group(2))
        if codes or dl:
            out.by_instruction[node.index] = (codes, dl)
        above = []
    return out

"""The Python API: ``parse`` and ``fix`` for embedding slimfix and for tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .buildcontext import ContextResolver
from .engine import fix_document
from .fixes import Applicability
from .rules import Finding, select_rules
from .syntax import parse

__all__ = ["FixResult", "fix", "parse"]


@dataclass(frozen=True)
class FixResult:
    text: str  # the fixed text (the input when nothing applied)
    findings: list[Finding]  # on the input
    remaining: list[Finding]  # on the fixed text

    source: str = ""

    @property
    def changed(self) -> bool:
        return self.text != self.source


def fix(text: str, *, select: list[str] | None = None, ignore: list[str] | None = None,
        unsafe_fixes: bool = False, path: str | Path | None = None,
        context: str | Path | None = None) -> FixResult:
    """Apply slimfix's fixes to ``text``. Raises ``ParseError`` for input BuildKit
    would reject and ``FixError`` if a fix failed verification."""
    p = Path(path) if path is not None else None
    explicit = Path(context) if context is not None else None
    context_dir = ContextResolver(explicit, declared=False).resolve(p).context
    outcome = fix_document(
        text, select_rules(select, ignore),
        threshold=Applicability.UNSAFE if unsafe_fixes else Applicability.SAFE,
        path=p, context_dir=context_dir)
    return FixResult(outcome.output, outcome.findings, outcome.remaining, text)

"""The findings each rule fixture expects, recorded beside it as ``<case>.findings``.

One line per finding on the case's input (first pass, with the case's threshold and
build context): ``LINE:COL-LINE:COL CODE fix=APPLICABILITY kind=KIND MESSAGE``, and an
indented ``note:`` line when the finding has one. A noop case's file says whether a
finding without a fix is expected there (an empty file: no finding at all).

Regenerate after a deliberate change, then read the diff:

    python tests/fixture_findings.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULE_DIRS = ROOT / "fixtures" / "rules"


def cases() -> list[Path]:
    return sorted(RULE_DIRS.glob("*/fix/*.in")) + sorted(RULE_DIRS.glob("*/noop/*.Dockerfile"))


def expected_file(case: Path) -> Path:
    return case.with_suffix(".findings")


def context_of(case: Path) -> Path:
    return case.parent / f"{case.name.rsplit('.', 1)[0]}.context"


def run_case(case: Path, text: str, context: Path | None):
    """The outcome of the case's own rule on ``text``: ``unsafe-*`` cases run with
    --unsafe-fixes; a case's build context is ``<case>.context/`` (none: standard input)."""
    from slimfix.engine import fix_document
    from slimfix.fixes import Applicability
    from slimfix.rules import select_rules

    threshold = Applicability.UNSAFE if case.name.startswith("unsafe-") else Applicability.SAFE
    return fix_document(text, select_rules([case.parts[-3]]), threshold=threshold, context_dir=context,
                        path=context / "Dockerfile" if context else None)


def render(text: str, findings, context: Path | None) -> str:
    from slimfix.syntax.text import line_col

    out = []
    for f in findings:
        (line, col), (end_line, end_col) = line_col(text, f.start), line_col(text, f.end)
        fix = str(f.applicability) if f.applicability is not None else "none"
        message, note = f.message, f.note
        if context is not None:  # a temporary copy in the tests: the same name everywhere
            message = message.replace(str(context), "<context>")
            note = note.replace(str(context), "<context>") if note else note
        out.append(f"{line}:{col}-{end_line}:{end_col} {f.code} fix={fix} kind={f.kind.value} {message}\n")
        if note:
            out.append(f"    note: {note}\n")
    return "".join(out)


def record(case: Path) -> str:
    """As the test sees the case: its context copied out of this repository (whose git
    work tree would otherwise change what SF401 finds)."""
    import shutil
    import tempfile

    text = case.read_bytes().decode("utf-8")
    if not context_of(case).is_dir():
        return render(text, run_case(case, text, None).findings, None)
    with tempfile.TemporaryDirectory() as tmp:
        context = Path(tmp) / "context"
        shutil.copytree(context_of(case), context)
        return render(text, run_case(case, text, context).findings, context)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    changed = 0
    for case in cases():
        target = expected_file(case)
        new = record(case)
        if not target.exists() or target.read_text(encoding="utf-8") != new:
            target.write_text(new, encoding="utf-8")
            changed += 1
    print(f"{changed} of {len(cases())} findings files written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""ARCHITECTURE.md's invariants over every fixture, with the default rules and with every rule
(the opt-in cache-mount family too, which changes what the cleanups do)."""

from __future__ import annotations

import pytest
from conftest import dockerfile_fixtures, fixture_id, read

from slimfix.engine import fix_document
from slimfix.fixes import Applicability, apply_edits
from slimfix.rules import select_rules
from slimfix.edits import leading_comments_start
from slimfix.syntax import parse

SELECTIONS = {"default": select_rules(), "all": select_rules(["ALL", "SF6"])}


@pytest.mark.parametrize("selection", SELECTIONS)
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", dockerfile_fixtures(), ids=fixture_id)
def test_invariants(path, unsafe, selection):
    RULES = SELECTIONS[selection]
    text = read(path)
    threshold = Applicability.UNSAFE if unsafe else Applicability.SAFE
    out = fix_document(text, RULES, threshold=threshold)  # convergence: raises if it does not
    # validity: the output parses (untouched instructions are checked by the engine itself)
    parse(out.output)
    # locality: each pass changes only the bytes of its edits, and every edit stays within
    # the instructions its finding is about (and the comments and blank lines between them)
    current = text
    for before, findings in out.history:
        assert before == current
        doc = parse(before)
        for f in findings:
            about = [i for i in doc.instructions if i.span.start <= f.end and f.start < i.span.end]
            # from the comments directly above the first to the next instruction after the last
            lo = leading_comments_start(doc, about[0])
            after = about[-1].index + 1
            hi = doc.instructions[after].span.start if after < len(doc.instructions) else len(before)
            assert all(lo <= e.start and e.end <= hi for e in f.fix.edits), f"{f.code} edits outside its instructions"
        current = apply_edits(before, [e for f in findings for e in f.fix.edits]).text
    assert current == out.output
    # idempotence
    again = fix_document(out.output, RULES, threshold=threshold)
    assert again.output == out.output

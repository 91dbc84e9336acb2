"""ARCHITECTURE.md's invariants over every fixture, with every rule enabled."""

from __future__ import annotations

import difflib

import pytest
from conftest import dockerfile_fixtures, fixture_id, read

from slimfix.engine import fix_document
from slimfix.fixes import Applicability
from slimfix.rules import all_rules
from slimfix.syntax import parse

RULES = list(all_rules())


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", dockerfile_fixtures(), ids=fixture_id)
def test_invariants(path, unsafe):
    text = read(path)
    threshold = Applicability.UNSAFE if unsafe else Applicability.SAFE
    out = fix_document(text, RULES, threshold=threshold)  # converges, or raises
    # validity: the output parses
    new = parse(out.output)
    # locality: every line outside the fixed instructions is byte-identical
    touched_old = set()
    old = parse(text)
    for f in out.applied:
        for inst in old.instructions:
            if inst.span.start <= f.start < inst.span.end:
                touched_old.update(range(inst.start_line, inst.end_line + 1))
    a = text.splitlines(keepends=True)
    b = out.output.splitlines(keepends=True)
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            assert set(range(i1 + 1, i2 + 1)) <= touched_old, "a line outside the fixes changed"
    # idempotence
    again = fix_document(out.output, RULES, threshold=threshold)
    assert again.output == out.output
    assert len(new.instructions) >= 1

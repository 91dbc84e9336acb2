"""Edits, fixes and the verified fix loop, exercised with rules made for the test."""

from __future__ import annotations

import pytest

from slimfix.engine import FixError, fix_document
from slimfix.fixes import Applicability, Edit, Fix, apply_edits
from slimfix.rules import Rule


def test_fix_sorts_edits_and_rejects_overlaps():
    fix = Fix((Edit(5, 6, "b"), Edit(0, 1, "a")), Applicability.SAFE)
    assert [e.start for e in fix.edits] == [0, 5]
    with pytest.raises(ValueError):
        Fix((Edit(0, 4), Edit(3, 5)), Applicability.SAFE)
    with pytest.raises(ValueError):
        Fix((Edit.insert(2, "x"), Edit.insert(2, "y")), Applicability.SAFE)
    with pytest.raises(ValueError):
        Fix((), Applicability.SAFE)
    with pytest.raises(ValueError):
        Edit(3, 2)


def test_applicability_order():
    assert Applicability.DISPLAY_ONLY < Applicability.UNSAFE < Applicability.SAFE
    assert str(Applicability.DISPLAY_ONLY) == "display-only"


def test_apply_edits_records_where_text_landed():
    applied = apply_edits("abcdef", [Edit(4, 6, "XYZ"), Edit.insert(1, "--"), Edit.delete(2, 3)])
    assert applied.text == "a--bdXYZ"
    assert applied.regions == [(1, 3), (4, 4), (5, 8)]


def _rule(code, fn, applicability=Applicability.SAFE):
    class _R(Rule):
        name = "test-rule"
        summary = "test"

        def check(self, ctx):
            for inst in ctx.doc.instructions:
                edits = fn(ctx.doc, inst)
                if edits:
                    yield self.finding(inst, "test finding", edits=edits, applicability=applicability)

    _R.code = code
    return _R


TEXT = "FROM alpine\nRUN echo a\nRUN echo b\nCMD [\"sh\"]\n"


def test_fix_that_changes_an_untouched_instruction_is_refused():
    # Deleting the newline after `RUN echo a` silently glues the next instruction on.
    def breaker(doc, inst):
        if inst.args == "echo a":
            return [Edit(inst.span.end - 1, inst.span.end, " \\\n")]
        return None

    with pytest.raises(FixError, match="untouched"):
        fix_document(TEXT, [_rule("SF900", breaker)])


def test_fix_that_breaks_the_syntax_is_refused():
    def breaker(doc, inst):
        if inst.keyword == "CMD":
            return [Edit.insert(inst.span.start, "RUN <<EOF\n")]
        return None

    with pytest.raises(FixError, match="does not parse"):
        fix_document(TEXT, [_rule("SF901", breaker)])


def test_fix_that_touches_a_parser_directive_is_refused():
    def breaker(doc, inst):
        if inst.keyword == "FROM":
            return [Edit.delete(0, len("# escape=`\n"))]
        return None

    with pytest.raises(FixError, match="directives"):
        fix_document("# escape=`\n" + TEXT, [_rule("SF902", breaker)])


def test_loop_that_never_converges_is_an_error():
    def forever(doc, inst):
        if inst.keyword == "RUN" and inst.args.startswith("echo a"):
            return [Edit.insert(inst.lines[0].content_end, "!")]
        return None

    with pytest.raises(FixError, match="converge"):
        fix_document(TEXT, [_rule("SF903", forever)], max_passes=4)


def test_overlapping_fixes_wait_for_the_next_pass():
    def upper(doc, inst):
        if inst.keyword == "RUN" and "echo" in inst.args:
            start = inst.logical.to_file(inst.command.args_span.start)
            return [Edit(start, start + 4, "ECHO")]
        return None

    def suffix(doc, inst):
        if inst.keyword == "RUN" and not inst.args.endswith("!"):
            return [Edit.insert(inst.lines[0].content_end, " !")]
        return None

    out = fix_document("FROM a\nRUN echo\n", [_rule("SF904", upper), _rule("SF905", suffix)])
    assert out.output == "FROM a\nRUN ECHO !\n"
    assert out.passes == 2  # the two fixes touch, so one waited a pass


def test_unsafe_and_display_only_fixes_need_permission():
    def add(doc, inst):
        if inst.keyword == "CMD" and "x" not in inst.args:
            return [Edit.insert(inst.lines[0].content_end, " # x")]
        return None

    unsafe = [_rule("SF906", add, Applicability.UNSAFE)]
    assert not fix_document(TEXT, unsafe).changed
    assert fix_document(TEXT, unsafe, threshold=Applicability.UNSAFE).changed
    display = [_rule("SF907", add, Applicability.DISPLAY_ONLY)]
    assert not fix_document(TEXT, display, threshold=Applicability.UNSAFE).changed
    assert fix_document(TEXT, display).findings  # still reported

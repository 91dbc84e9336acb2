"""Every rule against its fixtures: before/after pairs, inputs it must leave alone,
idempotence, BuildKit's reading of the output, and its documentation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, read
from fixture_findings import cases, expected_file, render, run_case

from slimfix.engine import fix_document
from slimfix.fixes import Applicability, FixAvailability
from slimfix.rules import DOC_SECTIONS, all_rules, select_rules

try:
    import oracle
except ImportError:
    oracle = None

RULES = all_rules()
RULE_DIRS = FIXTURES / "rules"


def _pairs():
    return sorted(RULE_DIRS.glob("*/fix/*.in"))


def _noops():
    return sorted(RULE_DIRS.glob("*/noop/*.Dockerfile"))


def _id(path: Path) -> str:
    return f"{path.parts[-3]}/{path.stem}"


def _code(path: Path) -> str:
    return path.parts[-3]


def _context(path: Path) -> Path:
    return path.parent / f"{path.name.rsplit('.', 1)[0]}.context"


def _run(path: Path, text: str, rules, context: Path | None = None):
    """A case's build context is ``<case>.context/`` beside it (none: no context, as
    for standard input); ``unsafe-*`` cases run with --unsafe-fixes."""
    if context is None and _context(path).is_dir():
        context = _context(path)
    threshold = Applicability.UNSAFE if path.name.startswith("unsafe-") else Applicability.SAFE
    return fix_document(text, rules, threshold=threshold, context_dir=context,
                        path=context / "Dockerfile" if context else None)


@pytest.mark.parametrize("path", cases(), ids=_id)
def test_findings_are_the_recorded_ones(path, tmp_path):
    """Code, position, applicability, kind, message and note of every finding, as recorded
    in ``<case>.findings`` (regenerate with ``python tests/fixture_findings.py``)."""
    text = read(path)
    context = None
    if _context(path).is_dir():
        context = tmp_path / "context"
        shutil.copytree(_context(path), context)
    expected = expected_file(path)
    assert expected.exists(), f"no {expected.name}: run python tests/fixture_findings.py"
    assert render(text, run_case(path, text, context).findings, context) == read(expected)


_EMITTED = {}


def _emitted(rule):
    """Every finding the rule makes on all fixtures of every rule."""
    if rule not in _EMITTED:
        _EMITTED[rule] = [f for case in cases() for f in _run(case, read(case), [rule]).findings]
    return _EMITTED[rule]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_declared_fix_availability_matches_what_the_rule_emits(rule):
    findings = _emitted(rule)
    assert findings, "the rule finds nothing in any fixture"
    offered = {f.applicability for f in findings if f.applicability is not None}
    if rule.fix_availability is FixAvailability.NONE:
        assert not offered, "a rule declared without fixes offers one"
    else:
        assert offered == set(rule.fix_safety), "declared fix safety differs from the fixes emitted"
    if rule.fix_availability is FixAvailability.ALWAYS:
        assert not [f for f in findings if f.not_fixed], "a rule that always fixes left a finding unfixed"
    assert {f.kind for f in findings} == {rule.kind}


@pytest.mark.parametrize("path", _pairs(), ids=_id)
def test_fix_pair(path, tmp_path):
    before = read(path)
    expected = read(path.with_suffix(".out"))
    rules = select_rules([_code(path)])
    context = None
    if _context(path).is_dir():  # a copy, so that changes to other files can be applied
        context = tmp_path / "context"
        shutil.copytree(_context(path), context)
    out = _run(path, before, rules, context)
    assert out.output == expected
    assert out.applied and {f.code for f in out.applied} == {_code(path)}
    ignore = path.with_suffix(".dockerignore")
    if ignore.exists():
        [change] = out.file_changes
        assert change.after == read(ignore)
    for change in out.file_changes:
        change.path.write_bytes(change.after.encode("utf-8"))
    again = _run(path, out.output, rules, context)
    assert not again.changed, "not idempotent"
    assert not any(f.fix for f in again.remaining), "the fixed file still offers a fix"


@pytest.mark.parametrize("path", _pairs(), ids=_id)
def test_fix_output_reads_the_same_to_buildkit(path):
    if oracle is None:
        pytest.skip("the `dockerfile` package is not installed")
    after = read(path.with_suffix(".out"))
    if not oracle.comparable(after):
        pytest.skip("uses syntax newer than the oracle")
    # With test_oracle (BuildKit reads every input as slimfix does) and the engine's
    # verification (untouched instructions keep their meaning), this shows BuildKit sees
    # the rewrite exactly as slimfix intended it.
    assert oracle.compare(after) is None


@pytest.mark.parametrize("path", _noops(), ids=_id)
def test_noop_inputs_are_left_alone(path):
    text = read(path)
    out = _run(path, text, select_rules([_code(path)]))
    assert out.output == text


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_has_fixtures(rule):
    folder = RULE_DIRS / rule.code
    if rule.fix_availability is not FixAvailability.NONE:
        assert len(list((folder / "fix").glob("*.in"))) >= 3
    assert len(list((folder / "noop").glob("*.Dockerfile"))) >= 5


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_is_documented(rule):
    sections = rule.sections()
    assert list(sections) == list(DOC_SECTIONS)
    assert all(sections.values()), "empty documentation section"
    assert rule.code.startswith("SF") and rule.name == rule.name.lower()
    assert rule.summary and not rule.summary.endswith(".")


def test_codes_and_names_are_unique():
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_select_and_ignore():
    assert [r.code for r in select_rules(["SF1"])] == [r.code for r in RULES if r.code.startswith("SF1")]
    assert "SF102" not in [r.code for r in select_rules(None, ["SF102"])]
    with pytest.raises(ValueError, match="SF999"):
        select_rules(["SF999"])


def test_the_codes_read_from_the_module_names_are_the_registrys():
    from slimfix.rulecodes import known_codes
    from slimfix.rules import all_rules

    assert known_codes() == tuple(r.code for r in all_rules())


_TRIGGERED = [r for r in RULES if r.triggers]


@pytest.mark.parametrize("rule", _TRIGGERED, ids=lambda r: r.code)
def test_a_rule_finds_nothing_in_a_file_without_its_triggers(rule):
    """The engine skips a rule on a file that holds none of its ``triggers``: on every
    fixture of every rule (its own, run with nothing else selected, so it defers to no
    other rule), each finding must come from a file that holds one. Called directly, as the
    engine would not call it."""
    from slimfix.engine import trigger_text
    from slimfix.rules import RuleContext
    from slimfix.syntax import ParseError, parse

    checked = 0
    for case in cases():
        text = read(case)
        try:
            doc = parse(text)
        except ParseError:
            continue
        context = _context(case) if _context(case).is_dir() else None
        ctx = RuleContext(doc, context / "Dockerfile" if context else None, context, frozenset({rule.code}))
        found = list(rule().check(ctx))
        if found:
            checked += 1
            haystack = trigger_text(doc)
            assert any(w in haystack for w in rule.triggers), f"{_id(case)}: {found[0].message}"
    assert checked, "no fixture where the rule fires"


def test_the_engine_skips_a_rule_whose_triggers_a_file_lacks():
    from slimfix.engine import check
    from slimfix.rules import Finding, Rule
    from slimfix.syntax import parse

    calls = []

    class Probe(Rule):
        code, name, summary, triggers = "SF999", "probe", "probe", ("apt",)

        def check(self, ctx):
            calls.append(ctx.doc.text)
            return [Finding(self.code, "x", 0, 1)]

    assert check(parse("FROM debian\nRUN pip install x\n"), [Probe]) == []
    assert len(check(parse("FROM debian\nRUN ap\\\n t-get update\n"), [Probe])) == 0  # a word split is not joined
    assert len(check(parse("FROM debian\nRUN apt-\\\nget update\n"), [Probe])) == 1
    assert len(check(parse("FROM debian\nRUN APT-GET update\n"), [Probe])) == 1
    assert calls == ["FROM debian\nRUN apt-\\\nget update\n", "FROM debian\nRUN APT-GET update\n"]

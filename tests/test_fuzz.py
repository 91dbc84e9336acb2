"""Fuzzing: mutations of the fixtures (issue 11). For every mutant: no exception escapes but
a parse error; a file that parses round-trips byte for byte; the fixes are idempotent;
BuildKit reads the input and the output as slimfix does. Bounded: a few hundred mutants,
well under a minute."""

from __future__ import annotations

import os
import re

from conftest import FIXTURES, dockerfile_fixtures, read
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from slimfix.engine import fix_document
from slimfix.fixes import Applicability
from slimfix.rules import select_rules
from slimfix.syntax import ParseError, parse

try:
    import oracle
except ImportError:  # the oracle's wheel is not available here
    oracle = None

RULES = select_rules()  # what users run: the default rules
SEEDS = [read(p) for p in dockerfile_fixtures()] + [read(p) for p in sorted((FIXTURES / "syntax-errors").glob("*"))
                                                    if p.is_file()]
# What breaks readers: continuations, quotes, heredoc markers, escapes, line endings, NUL.
FRAGMENTS = ["\\", "\\\n", "`", "\n", "\r\n", "\r", "'", '"', "$(", ")", "${", "}", "<<", "<<EOF", "<<-",
             "EOF\n", "#", "# escape=`\n", "# syntax=docker/dockerfile:1\n", " ", "\t", "\x00", "\ufeff",
             "&&", ";", "|", "RUN ", "FROM debian AS x\n", "AD\\\nD ", "ONBUILD ", "[\"", "\"]", "--mount=",
             "apt-get update && apt-get install -y x", "COPY . .\n", "é"]


@st.composite
def mutants(draw):
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "duplicate-line", "drop-line", "swap-lines", "truncate"]))
        pos = draw(st.integers(0, len(text)))
        if kind == "insert":
            text = text[:pos] + draw(st.sampled_from(FRAGMENTS)) + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 8)):]
        elif kind == "truncate":
            text = text[:pos]
        else:
            lines = text.splitlines(keepends=True)
            if not lines:
                continue
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "duplicate-line":
                lines.insert(i, lines[i])
            elif kind == "drop-line":
                del lines[i]
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
    return text


def _comparable(text: str) -> bool:
    """The oracle's wrapper passes a C string: a NUL ends the whole file there. ONBUILD
    ONBUILD (and ONBUILD FROM/MAINTAINER) BuildKit refuses when it builds; its parser's
    view of the inner value is an artefact."""
    return ("\x00" not in text and oracle.comparable(text)
            and not re.search(r"(?im)^\s*onbuild\s+(onbuild|from|maintainer)\b", text))


def _buildkit_reads(text: str) -> bool:
    try:
        oracle.buildkit_view(text)
        return True
    except Exception:  # BuildKit rejects it: nothing to compare
        return False


@settings(max_examples=int(os.environ.get("SLIMFIX_FUZZ_EXAMPLES", "2000")), deadline=None, derandomize=not os.environ.get("SLIMFIX_FUZZ_RANDOM"),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutants(), st.sampled_from([Applicability.SAFE, Applicability.UNSAFE]))
# What random runs of this test found (each was a bug):
@example("FROM d\\\neb\\\nian", Applicability.UNSAFE)  # SF501 edit across a continuation
@example("FROM debian\nRUN make\nCOPY ./ /opt/app\nENV PORT=8080 \\\n", Applicability.SAFE)  # SF202 into an open ENV
@example("# escape=`\nFROM debian\nRUN --\\mount=type=cache,target=/var/cache/apt `\n    apt-get update\n",
         Applicability.SAFE)  # a flag's backslash under escape=`
@example("FROM debian\nAD\\\nD app.txt /app/\n", Applicability.SAFE)  # SF503 across a continuation
def test_mutated_fixtures(text, threshold):
    try:
        doc = parse(text)
    except ParseError:
        event("does not parse")
        return
    event("parses")
    assert "".join(t for _, t in doc.iter_nodes()) == text  # round trip
    out = fix_document(text, RULES, threshold=threshold)  # FixError: a fix failed its pass check
    assert fix_document(out.output, RULES, threshold=threshold).output == out.output  # idempotent
    if oracle is not None:
        for version in {text, out.output}:
            if _comparable(version) and _buildkit_reads(version):
                assert oracle.compare(version) is None, version

"""Property-based tests of the parser over generated Dockerfiles."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slimfix.syntax import ParseError, parse

try:
    import oracle
except ImportError:  # the oracle's wheel is not available here
    oracle = None

KEYWORDS = ["RUN", "run", "COPY", "ADD", "ENV", "LABEL", "ARG", "CMD", "ENTRYPOINT", "WORKDIR",
            "USER", "EXPOSE", "VOLUME", "SHELL", "HEALTHCHECK", "ONBUILD RUN", "STOPSIGNAL", "FOO"]
WORD_CHARS = st.sampled_from(list("abcxyz019=-_./:$'\"`\\#[],{} \t") + ["&&", "<<", "é", "\u00a0"])


def word():
    return st.lists(WORD_CHARS, min_size=1, max_size=8).map("".join)


@st.composite
def instruction(draw, escape: str):
    kw = draw(st.sampled_from(KEYWORDS))
    flags = draw(st.lists(st.sampled_from(["--mount=type=cache,target=/x", "--from=a", "--link",
                                           "--chown=1:1", '--x="a b"']), max_size=2))
    parts = draw(st.lists(word(), min_size=0, max_size=5))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [" ".join([kw, *flags, *parts[:2]])]
    for p in parts[2:]:
        inner = draw(st.sampled_from(["", "  # a comment" + nl, "   " + nl, "#" + escape + nl]))
        lines[-1] += draw(st.sampled_from([" " + escape, escape, " " + escape + "  "])) + nl + inner
        lines.append(draw(st.sampled_from(["", "    ", "\t"])) + p)
    text = "".join(lines)
    if kw in ("RUN", "COPY") and draw(st.booleans()):
        name = draw(st.sampled_from(["EOF", "END", "x1"]))
        chomp = draw(st.sampled_from(["", "-"]))
        quote = draw(st.sampled_from(["", "'", '"']))
        body = draw(st.lists(word(), max_size=3))
        text += f" <<{chomp}{quote}{name}{quote}" + nl
        text += "".join(b.replace(name, "zz") + nl for b in body)
        text += ("\t" if chomp else "") + name
    return text + nl


@st.composite
def dockerfile(draw):
    escape = draw(st.sampled_from(["\\", "`"]))
    out = "\ufeff" if draw(st.booleans()) else ""
    if escape == "`" or draw(st.booleans()):
        out += f"# escape={escape}\n"
    out += "FROM alpine AS base\n"
    for _ in range(draw(st.integers(0, 6))):
        out += draw(st.one_of(instruction(escape), st.sampled_from(["# note\n", "\n", "  \t\n", "\r\n"])))
    if draw(st.booleans()):
        out = out.rstrip("\r\n")
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfile())
def test_round_trip_and_logical_map(text):
    try:
        doc = parse(text)
    except ParseError:
        return
    assert str(doc) == text
    for inst in doc.instructions:
        for lstart, fstart, length in inst.logical.pieces:
            assert inst.logical.text[lstart : lstart + length] == text[fstart : fstart + length]


@pytest.mark.skipif(oracle is None, reason="the `dockerfile` package is not installed")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfile())
def test_agrees_with_buildkit(text):
    if "\x00" in text or not oracle.comparable(text):
        return
    try:
        theirs = oracle.buildkit_view(text)
    except UnicodeDecodeError:
        return  # BuildKit split a character in two (see oracle.py): nothing to compare
    except Exception:
        theirs = None
    try:
        doc = parse(text)
    except ParseError:
        assert theirs is None, "slimfix rejects what BuildKit accepts"
        return
    assert theirs is not None, "slimfix accepts what BuildKit rejects"
    assert oracle.compare(text, doc) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=200))
def test_arbitrary_text_round_trips_or_is_rejected_cleanly(text):
    try:
        doc = parse(text)
    except ParseError as exc:
        assert exc.line >= 1
        return
    assert str(doc) == text

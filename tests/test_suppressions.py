"""Pragma comments: hadolint's and slimfix's own."""

from __future__ import annotations

import pytest

from slimfix.engine import fix_document
from slimfix.rules import select_rules

RULES = select_rules()  # the default selection (not the opt-in SF6xx)
RUN = "RUN apt-get update && apt-get install -y --no-install-recommends curl\n"  # SF102 only


@pytest.mark.parametrize("pragma, silenced", [
    ("# hadolint ignore=DL3009\n", True),
    ("# hadolint ignore=DL3008, DL3009\n", True),
    ("# hadolint ignore=DL3015\n", False),
    ("# slimfix: ignore=SF102\n", True),
    ("# slimfix: ignore=SF1\n", True),
    ("# slimfix: ignore\n", True),
    ("# slimfix: ignore=SF201\n", False),
    ("# some other comment\n# hadolint ignore=DL3009\n", True),
    ("# hadolint ignore=DL3009\n\n", False),  # a blank line detaches the pragma
])
def test_pragma_directly_above_the_instruction(pragma, silenced):
    out = fix_document("FROM debian:bookworm-slim\n" + pragma + RUN, RULES)
    assert (not out.findings) == silenced


def test_file_wide_pragmas():
    for head in ("# slimfix: ignore-file\n", "# slimfix: ignore-file=SF102\n"):
        assert not fix_document(head + "FROM debian:bookworm-slim\n" + RUN, RULES).findings
    assert fix_document("# slimfix: ignore-file=SF201\nFROM debian\n" + RUN, RULES).findings
    assert not fix_document("FROM debian:bookworm-slim\n" + RUN + "# hadolint global ignore=DL3009\nCMD x\n", RULES).findings


def test_ignore_file_after_the_first_instruction_is_only_a_comment():
    assert fix_document("FROM debian\n# slimfix: ignore-file\n" + RUN, RULES).findings

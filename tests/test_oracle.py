"""Differential tests: slimfix reads every fixture as BuildKit's own parser does."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, dockerfile_fixtures, fixture_id, read

oracle = pytest.importorskip("oracle", reason="the `dockerfile` package (BuildKit's parser) is not installed")

from slimfix.syntax import ParseError, parse  # noqa: E402


@pytest.mark.parametrize("path", dockerfile_fixtures(), ids=fixture_id)
def test_same_reading_as_buildkit(path):
    text = read(path)
    if not oracle.comparable(text):
        pytest.skip("uses syntax newer than the oracle's BuildKit v0.12.5")
    assert oracle.compare(text) is None


@pytest.mark.parametrize("path", sorted((FIXTURES / "syntax-errors").iterdir()), ids=lambda p: p.name)
def test_both_reject_the_same_files(path):
    text = read(path)
    with pytest.raises(ParseError):
        parse(text)
    with pytest.raises(oracle.dockerfile.GoParseError):
        oracle.buildkit_view(text)


def test_oracle_is_sensitive():
    """The comparison must be able to fail, or the tests above prove nothing."""
    doc = parse("FROM alpine\nRUN echo a\n")
    assert oracle.compare("FROM alpine\nRUN echo b\n", doc) is not None

"""The embedding API: slimfix.parse and slimfix.fix."""

from __future__ import annotations

import pytest

import slimfix
from slimfix.syntax import ParseError


def test_fix_returns_text_and_findings():
    text = "FROM debian\r\nRUN apt-get update && apt-get install -y curl\r\n"
    result = slimfix.fix(text, select=["SF102"])
    assert result.changed
    assert result.text == "FROM debian\r\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\r\n"
    assert [f.code for f in result.findings] == ["SF102"] and result.remaining == []


def test_fix_respects_select_and_ignore():
    text = "FROM debian\nRUN apt-get update && apt-get install -y curl\n"
    assert not slimfix.fix(text, select=["SF1"], ignore=["SF102"]).changed
    assert slimfix.fix(text, select=["SF1"]).changed


def test_fix_raises_parse_error_for_what_buildkit_rejects():
    with pytest.raises(ParseError):
        slimfix.fix("FROM a\nRUN <<EOF\n")


def test_import_is_lazy():
    import subprocess
    import sys

    code = "import sys, slimfix; print('slimfix.engine' in sys.modules, 'typer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_import_and_a_plain_run_leave_the_language_server_out(tmp_path):
    """pygls is the server's: neither ``import slimfix`` nor ``slimfix PATH`` loads it."""
    import subprocess
    import sys

    (tmp_path / "Dockerfile").write_text("FROM debian:12-slim\nRUN apk add curl\n", encoding="utf-8")
    code = ("import sys\nimport slimfix\nfrom slimfix.cli import main\ntry:\n    main([sys.argv[1]])\n"
            "except SystemExit:\n    pass\nprint('pygls' in sys.modules, 'lsprotocol' in sys.modules, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "Dockerfile")],
                         capture_output=True, text=True, timeout=120)
    assert "SF302" in out.stdout
    assert out.stderr.split()[-2:] == ["False", "False"]

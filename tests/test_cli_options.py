"""The command line as ruff users expect it: selection composed with the config, exit
codes per mode, reports to a file, the quiet and statistics outputs, colour."""

from __future__ import annotations

import json

import pytest
from test_cli import BAD, GOOD, slimfix

ADVICE_ONLY = ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc"
               " && rm -rf /var/lib/apt/lists/*\n")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "Dockerfile").write_text(BAD)
    return tmp_path


def _codes(out: str) -> set[str]:
    return {line.split()[1] for line in out.splitlines() if ": SF" in line}


def test_extend_select_and_ignore_add_to_the_config_select_and_ignore_replace_it(project):
    (project / "Dockerfile").write_text("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n")
    (project / "slimfix.toml").write_text('select = ["SF102"]\n')
    assert _codes(slimfix(".", cwd=project)[1]) == {"SF102"}
    assert _codes(slimfix("--extend-select", "SF103", ".", cwd=project)[1]) == {"SF102", "SF103"}
    assert _codes(slimfix("--select", "SF103", ".", cwd=project)[1]) == {"SF103"}
    assert _codes(slimfix("--extend-ignore", "SF102", ".", cwd=project)[1]) == set()


def test_hadolint_yaml_ignored_codes_silence_the_mapped_rules(project):
    assert "SF102" in _codes(slimfix(".", cwd=project)[1])
    (project / ".hadolint.yaml").write_text("ignored:\n  - DL3009\n")
    assert "SF102" not in _codes(slimfix(".", cwd=project)[1])
    (project / ".hadolint.yaml").write_text("ignored: DL3009\n")
    code, _, err = slimfix(".", cwd=project)
    assert code == 2 and ".hadolint.yaml" in err


def test_exit_codes_per_mode(project):
    assert slimfix(".", cwd=project)[0] == 1
    assert slimfix("--exit-zero", ".", cwd=project)[0] == 0
    assert slimfix("--check", "--exit-zero", ".", cwd=project)[0] == 0
    (project / "Dockerfile").write_text(ADVICE_ONLY)
    code, out, _ = slimfix(".", cwd=project)
    assert code == 0 and "SF502" in out  # advice is shown, and never fails the run
    (project / "Dockerfile").write_text("# nothing to build yet\n\n# a comment\n")
    assert slimfix(".", cwd=project)[0] == 0  # as hadolint: a file of comments is no error
    (project / "Dockerfile").write_text("")
    assert slimfix(".", cwd=project)[0] == 2


UNSAFE_ONLY = "FROM debian:bookworm-slim\nRUN apt-get install -y curl\n"  # SF103: only an unsafe fix
SAFE = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"
CLEAN = ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl "
         "&& rm -rf /var/lib/apt/lists/*\n")


@pytest.mark.parametrize("mode", [[], ["--check"], ["--diff"], ["--write"], ["--write", "--exit-non-zero-on-fix"]])
@pytest.mark.parametrize("content, expected", [
    # content: {mode: exit status}; the table of docs/cli.md, each cell by path and by standard input
    (CLEAN, {"": 0, "--check": 0, "--diff": 0, "--write": 0, "--write --exit-non-zero-on-fix": 0}),
    (SAFE, {"": 1, "--check": 1, "--diff": 1, "--write": 0, "--write --exit-non-zero-on-fix": 1}),
    (UNSAFE_ONLY, {"": 1, "--check": 0, "--diff": 0, "--write": 0, "--write --exit-non-zero-on-fix": 0}),
    ("FROM debian\nRUN <<EOF\n", {"": 2, "--check": 2, "--diff": 2, "--write": 2, "--write --exit-non-zero-on-fix": 2}),
], ids=["clean", "safe-fix-due", "unsafe-fix-only", "parse-error"])
def test_one_exit_status_contract_for_every_mode_by_path_and_by_standard_input(tmp_path, mode, content, expected):
    want = expected[" ".join(mode)]
    (tmp_path / "Dockerfile").write_text(content)
    by_path = slimfix(*mode, "--select", "SF102,SF103", "Dockerfile", cwd=tmp_path)[0]
    by_stdin = slimfix(*mode, "--select", "SF102,SF103", "-", cwd=tmp_path, stdin=content.encode())[0]
    assert (by_path, by_stdin) == (want, want)


def test_unsafe_only_findings_are_reported_by_write_and_named_in_the_summary(tmp_path):
    (tmp_path / "Dockerfile").write_text(UNSAFE_ONLY)
    code, out, err = slimfix("--write", "--select", "SF103", ".", cwd=tmp_path)
    assert code == 0 and "SF103" in out
    assert "found 1 finding in 1 file (fixed 0, 1 remaining)" in err and "1 more fix with --unsafe-fixes" in err
    assert slimfix("--select", "SF103", ".", cwd=tmp_path)[0] == 1  # the report mode still fails on it


def test_write_with_diff_writes_nothing(tmp_path):
    (tmp_path / "Dockerfile").write_text(SAFE)
    code, out, _ = slimfix("--write", "--diff", "--select", "SF102", ".", cwd=tmp_path)
    assert code == 1 and out.startswith("--- a/Dockerfile")
    assert (tmp_path / "Dockerfile").read_text() == SAFE


def test_ruffs_names_fix_and_concise_full_are_understood(tmp_path):
    (tmp_path / "Dockerfile").write_text(SAFE)
    for fmt in ("concise", "full"):
        assert slimfix("--output-format", fmt, "--select", "SF102", ".", cwd=tmp_path)[0] == 1
    assert slimfix("--fix", "--select", "SF102", ".", cwd=tmp_path)[0] == 0
    assert (tmp_path / "Dockerfile").read_text() == CLEAN


def test_output_file_keeps_the_report_apart_from_the_diff(project):
    code, out, _ = slimfix("--diff", "--output-format", "json", "--output-file", "report.json", ".", cwd=project)
    assert code == 1 and out.startswith("--- a/Dockerfile")
    records = json.loads((project / "report.json").read_text())
    assert {r["code"] for r in records} >= {"SF102"}


def test_quiet_prints_the_findings_and_nothing_else(project):
    code, out, err = slimfix("-q", ".", cwd=project)
    assert code == 1 and "SF102" in out and err == ""


def test_statistics_is_a_table_on_standard_output_instead_of_the_findings(project):
    _, out, err = slimfix("--statistics", "--select", "SF102,SF103", ".", cwd=project)
    table = [line.split() for line in out.splitlines()]
    assert table[0] == ["count", "rule", "fixable", "name"]
    assert ["1", "SF102", "1", "apt-lists-cleanup"] in table and "rule" not in err
    assert "Dockerfile:" not in out  # as ruff: the table only


def test_summary_counts_what_unsafe_fixes_would_add(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n")
    _, _, err = slimfix(".", cwd=tmp_path)
    assert "1 fixable with --write" in err and "1 more fix with --unsafe-fixes" in err


def test_show_fixes_lists_what_write_applied(project):
    _, _, err = slimfix("--write", "--show-fixes", ".", cwd=project)
    assert "fixed Dockerfile: SF102" in err


def test_colour_only_when_forced_or_on_a_terminal(project):
    code, out, _ = slimfix(".", cwd=project, env_extra={"FORCE_COLOR": "1", "NO_COLOR": None})
    assert "\033[31mSF102\033[0m" in out
    _, out, _ = slimfix("--diff", ".", cwd=project, env_extra={"FORCE_COLOR": "1", "NO_COLOR": None})
    assert "\033[32m+RUN" in out
    _, out, _ = slimfix(".", cwd=project, env_extra={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\033[" not in out
    _, out, _ = slimfix(".", cwd=project)  # a pipe
    assert "\033[" not in out


def test_rules_keeps_whole_names_when_piped():
    code, out, _ = slimfix("rules")
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("SF201"))
    assert "hoist-dependency-manifests" in line and "Copy dependency manifests before the install step" in line


def test_bad_usage_exits_2_with_a_message(project):
    for args in (["--write", "--check"], ["--jobs", "0"], ["--output-format", "xml"], ["--no-such-option"]):
        code, _, err = slimfix(*args, ".", cwd=project)
        assert code == 2 and "Usage: slimfix" in err, args
    (project / "Dockerfile").write_text(GOOD)
    assert slimfix(".", cwd=project)[0] == 0


def test_the_environment_can_turn_the_cache_off_as_ruffs_does(tmp_path):
    (tmp_path / "Dockerfile").write_text(SAFE)
    slimfix(".", cwd=tmp_path, env_extra={"SLIMFIX_NO_CACHE": "1"})
    assert not (tmp_path / ".slimfix_cache").exists()
    slimfix(".", cwd=tmp_path, env_extra={"SLIMFIX_NO_CACHE": "0"})
    assert (tmp_path / ".slimfix_cache").exists()

"""The language server keeps the CLI's size limit and time budget, and a long heredoc costs
its length, not its length squared (issue 22, item 16)."""

from __future__ import annotations

import time

from slimfix.fileio import MAX_BYTES
from slimfix.server import actions, documents
from slimfix.server.actions import Actions, ClientEdits

APT = "FROM debian:12-slim\nRUN apt-get update && apt-get install -y curl\n"


def test_a_document_over_the_size_limit_is_not_checked(tmp_path):
    text = "FROM debian:12-slim\n" + "RUN apt-get update && apt-get install -y curl\n" * (MAX_BYTES // 40)
    assert len(text.encode()) > MAX_BYTES
    a = documents.analyze((tmp_path / "Dockerfile").as_uri(), text)
    assert a.problem is not None and a.problem.kind == "limit"
    assert a.problem.message.startswith("slimfix: skipped: too large (") and "the limit is 1.0 MB" in a.problem.message
    assert a.findings == []


def test_a_document_just_under_the_limit_in_many_byte_characters_is_counted_in_bytes(tmp_path):
    text = "FROM debian:12-slim\n# " + "é" * (MAX_BYTES // 2) + "\n"  # fewer characters than bytes
    assert len(text) < MAX_BYTES < len(text.encode())
    assert documents.analyze((tmp_path / "Dockerfile").as_uri(), text).problem.kind == "limit"


def _slow(*args, **kwargs):
    time.sleep(3)
    return []


def test_a_check_over_the_time_budget_is_given_up_with_a_problem(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "TIME_BUDGET", 0.2)
    monkeypatch.setattr(documents, "check", _slow)
    a = documents.analyze((tmp_path / "Dockerfile").as_uri(), APT)
    assert a.problem is not None and a.problem.kind == "limit"
    assert a.problem.message == "slimfix: skipped: took more than 0.2 s (the per-file time budget)"


def test_code_actions_over_the_time_budget_are_given_up_once(tmp_path, monkeypatch):
    a = documents.analyze((tmp_path / "Dockerfile").as_uri(), APT)
    assert a.problem is None and a.findings
    calls = []

    def slow_fix_document(*args, **kwargs):
        calls.append(1)
        time.sleep(3)

    monkeypatch.setattr(actions, "TIME_BUDGET", 0.2)
    monkeypatch.setattr(actions, "fix_document", slow_fix_document)
    for _ in range(2):  # editors ask on every cursor move: the second ask does not run it again
        assert Actions(a, "utf-16", ClientEdits()).for_range(0, len(APT), None) == []
    assert calls == [1]


class _CountingOperators(list):
    """Counts the operators handed out, however they are read."""

    handed_out = 0

    def __iter__(self):
        for item in super().__iter__():
            type(self).handed_out += 1
            yield item

    def __getitem__(self, index):
        type(self).handed_out += 1
        return super().__getitem__(index)


def test_finding_the_pipes_of_a_long_heredoc_reads_each_operator_a_few_times():
    """SF103 and SF501 ask which commands are piped: the operator after each command was
    looked for from the first operator on, so a 1.26 MB heredoc took 42 s per edit."""
    from slimfix.analysis.stages import _pipes
    from slimfix.shell.script import read_script

    n = 3000
    script = read_script("".join(f"echo {i} && curl -fsS https://x | sh\n" for i in range(n)))
    script.operators = _CountingOperators(script.operators)
    pipes = list(_pipes(script))
    assert len(pipes) == n
    # Before: about n * n / 2 (4.5 million); now one pass and one look per command.
    assert _CountingOperators.handed_out <= 2 * len(script.operators) + 2 * len(script.commands)

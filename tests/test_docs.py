"""Generated docs are fresh; README and CI agree on the commands."""

from __future__ import annotations

import re

from conftest import ROOT

from slimfix import docsgen


def test_generated_docs_are_fresh():
    for name, render in docsgen.GENERATED.items():
        path = ROOT / name
        assert path.read_text(encoding="utf-8") == render(), f"{name} is stale: run python -m slimfix.docsgen"


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", quick)


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    install_and_demo, tests = _readme_commands()
    assert "fixtures/demo" in install_and_demo
    assert "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_readme_lists_every_rule():
    from slimfix.rules import all_rules

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in all_rules():
        assert f"| {rule.code} | {rule.name} |" in readme


def test_readme_example_is_the_real_output():
    import os
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("$ cd fixtures/demo && slimfix --diff python-webapp/Dockerfile\n", 1)[1].split("```", 1)[0]
    out = subprocess.run([sys.executable, "-m", "slimfix", "--diff", "python-webapp/Dockerfile"],
                         cwd=ROOT / "fixtures" / "demo", capture_output=True, text=True,
                         env={**os.environ, "NO_COLOR": "1"}).stdout
    assert shown == out

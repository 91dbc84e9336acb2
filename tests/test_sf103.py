"""SF103: ca-certificates stays with HTTPS clients, and no fix where a pipe would hide
a missing package."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, read

from slimfix.engine import fix_document
from slimfix.fixes import Applicability
from slimfix.rules import select_rules

RULES = select_rules(["SF103"])
NOOP = FIXTURES / "rules" / "SF103" / "noop"


@pytest.mark.parametrize("case, line", [("curl-pipe-without-pipefail", 2), ("child-stage-pipes-wget", 5)])
def test_pipes_without_pipefail_block_the_fix(case, line):
    out = fix_document(read(NOOP / f"{case}.Dockerfile"), RULES, threshold=Applicability.UNSAFE)
    [finding] = out.findings
    assert finding.fix is None
    assert f"line {line} pipes" in finding.note and "without pipefail" in finding.note


def test_pipefail_lets_the_fix_through_and_keeps_https_working():
    text = ("FROM debian:bookworm\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n"
            "RUN apt-get update && apt-get install -y curl && curl -fsSL https://x.sh | sh\n")
    out = fix_document(text, RULES, threshold=Applicability.UNSAFE)
    assert "install --no-install-recommends -y curl ca-certificates &&" in out.output
    assert "ca-certificates" in out.applied[0].message


def test_a_dockerfile_under_devcontainer_keeps_its_recommends(tmp_path):
    """Development containers are for people: the recommended tools (manual pages,
    completion) are what they expect; the finding says so and offers no fix."""
    folder = tmp_path / ".devcontainer"
    folder.mkdir()
    text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*\n"
    (folder / "Dockerfile").write_text(text)
    out = fix_document(text, RULES, threshold=Applicability.UNSAFE, context_dir=folder, path=folder / "Dockerfile")
    [finding] = out.findings
    assert finding.fix is None and "development container" in finding.note
    assert out.output == text

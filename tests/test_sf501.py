"""SF501: tags come from the table of slim variants that exist, and the swap is refused,
with the reason, where the stage needs what the slim image lacks."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, read

from slimfix.engine import fix_document
from slimfix.fixes import Applicability
from slimfix.rules import select_rules
from slimfix.analysis.slim_variants import slim_tag

RULES = select_rules(["SF501"])
NOOP = FIXTURES / "rules" / "SF501" / "noop"


@pytest.mark.parametrize("image, tag, slim", [
    ("debian", "", "stable-slim"), ("debian", "latest", "stable-slim"), ("debian", "bookworm", "bookworm-slim"),
    ("debian", "12", "12-slim"), ("python", "3.12", "3.12-slim"), ("python", "3.11-bookworm", "3.11-slim-bookworm"),
    ("python", "", "slim"), ("node", "20-bookworm", "20-bookworm-slim"), ("node", "lts", "lts-slim"),
    ("ruby", "3.3-bookworm", "3.3-slim-bookworm"), ("openjdk", "17", "17-jdk-slim"),
    ("debian", "slim", None), ("debian", "buster", None), ("python", "3.14-rc-bookworm", None),
    ("php", "8.2", None), ("golang", "1.22", None), ("eclipse-temurin", "21", None), ("node", "20-alpine", None),
])
def test_slim_tags_are_looked_up_not_made_up(image, tag, slim):
    assert slim_tag(image, tag) == slim


@pytest.mark.parametrize("case, why", [
    ("next-run-uses-curl", "line 2 runs `curl`"),
    ("pip-builds-from-source", "`pip install` may build packages from source"),
    ("bundle-native-extensions", "`bundle install` may compile native extensions"),
    ("npm-native-modules", "`npm install` may build native modules"),
    ("curl-pipe-without-pipefail", "line 3 pipes `curl ... | bash` without pipefail"),
    ("healthcheck-curl", "line 3 runs `curl`"),
    ("local-script", "runs /tmp/install.sh, which slimfix cannot read"),
])
def test_refused_swaps_say_why(case, why):
    out = fix_document(read(NOOP / f"{case}.Dockerfile"), RULES, threshold=Applicability.UNSAFE)
    [finding] = out.findings
    assert finding.fix is None and why in finding.note


def test_no_table_entry_no_finding():
    assert not fix_document(read(NOOP / "no-table-entry.Dockerfile"), RULES).findings

"""SF304 leaves the cache alone where the cache is the point, and where Yarn 1 cannot be
told from Yarn Berry."""

from __future__ import annotations

from conftest import FIXTURES, read

from slimfix.engine import fix_document
from slimfix.rules import select_rules

RULES = select_rules(["SF304"])
NOOP = FIXTURES / "rules" / "SF304" / "noop"


def _findings(case: str):
    context = NOOP / f"{case}.context"
    context = context if context.is_dir() else None
    return fix_document(read(NOOP / f"{case}.Dockerfile"), RULES, context_dir=context,
                        path=context / "Dockerfile" if context else None).findings


def test_cache_warming_and_berry_are_silent():
    for case in ("warm-global-cache", "npm-cache-add", "yarn-berry-pnp", "berry-package-manager"):
        assert not _findings(case), case


def test_yarn_without_a_context_is_reported_not_fixed():
    [finding] = _findings("yarn-without-context")
    assert finding.fix is None and "Yarn Berry" in finding.note


def test_npm_cleanup_is_still_added_without_a_context():
    out = fix_document("FROM node:20\nRUN npm ci\n", RULES)
    assert out.output == "FROM node:20\nRUN npm ci && npm cache clean --force\n"

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # for `import oracle`


@pytest.fixture(autouse=True, scope="session")
def _user_cache_home(tmp_path_factory):
    """The caches' secret (slimfix.cachekey) in a folder of the test session, never in the
    home of whoever runs the tests; slimfix run as a subprocess inherits it."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("user-cache"))


def read(path: Path) -> str:
    """Exact text of a fixture: no newline translation."""
    return path.read_bytes().decode("utf-8")


def dockerfile_fixtures() -> list[Path]:
    """Every fixture that is a valid Dockerfile: syntax, rule inputs and outputs, demos."""
    out = sorted((FIXTURES / "syntax").glob("*.Dockerfile"))
    out += sorted((FIXTURES / "rules").glob("*/fix/*.in"))
    out += sorted((FIXTURES / "rules").glob("*/fix/*.out"))
    out += sorted((FIXTURES / "rules").glob("*/noop/*.Dockerfile"))
    out += sorted((FIXTURES / "demo").rglob("Dockerfile"))
    return out


def fixture_id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))

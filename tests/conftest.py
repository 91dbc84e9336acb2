from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # for `import oracle`


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

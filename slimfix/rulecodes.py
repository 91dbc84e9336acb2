"""The rule codes, read from the names of the rule modules (``rules/sfNNN_name.py``)
without importing them: a run answered from the cache must still refuse an unknown code,
and importing every rule (with the parser and the shell reader) cost it more than all the
rest. tests/test_rules.py holds this list to the registry's."""

from __future__ import annotations

import os
import re
from functools import lru_cache

_MODULE = re.compile(r"(sf\d{3})_[a-z0-9_]+\.py")


@lru_cache(maxsize=1)
def known_codes() -> tuple[str, ...]:
    rules = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules")
    return tuple(sorted(m[1].upper() for m in map(_MODULE.fullmatch, os.listdir(rules)) if m))


def check_codes(codes: list[str]) -> None:
    """ValueError for a code or prefix no rule has (``rules.select_rules`` asks it too)."""
    known = known_codes()
    for code in codes:
        c = code.upper()
        if c != "ALL" and not any(k.startswith(c) for k in known):
            raise ValueError(f"unknown rule code or prefix: {code}")

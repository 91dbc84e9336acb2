"""The rule registry: every module ``sfNNN_name.py`` in this package holds one rule."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

from .base import DOC_SECTIONS, Finding, Rule, RuleContext

_MODULE = re.compile(r"^sf\d{3}_[a-z0-9_]+$")


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not _MODULE.match(info.name):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rules = [v for v in vars(module).values()
                 if isinstance(v, type) and issubclass(v, Rule) and v is not Rule
                 and v.__module__ == module.__name__]
        if len(rules) != 1:
            raise RuntimeError(f"{module.__name__} must define exactly one rule")
        found.append(rules[0])
    return tuple(sorted(found, key=lambda r: r.code))


def rule_by_code(code: str) -> type[Rule] | None:
    code = code.upper()
    return next((r for r in all_rules() if r.code == code or r.name == code.lower()), None)


def select_rules(select: list[str] | None = None, ignore: list[str] | None = None) -> list[type[Rule]]:
    """Rules whose code starts with a selected prefix and with no ignored prefix.

    Opt-in rules (``default = False``: the SF6xx cache mounts) are selected only by a
    selector of at least three characters that names them (``SF6``, ``SF60``, ``SF601``):
    not by default, ``ALL`` or ``SF``. ``--select ALL,SF6`` is every rule.
    Unknown codes are an error: a typo must not silently select nothing."""
    from ..rulecodes import check_codes

    check_codes((select or []) + (ignore or []))
    known = all_rules()
    sel = [c.upper() for c in select] if select else ["ALL"]
    ign = [c.upper() for c in ignore or []]

    def matches(rule: type[Rule], prefixes: list[str]) -> bool:
        return any(p == "ALL" or rule.code.startswith(p) for p in prefixes)

    def selected(rule: type[Rule]) -> bool:
        if rule.default:
            return matches(rule, sel)
        return any(len(p) >= 3 and rule.code.startswith(p) for p in sel if p != "ALL")

    return [r for r in known if selected(r) and not matches(r, ign)]


__all__ = ["DOC_SECTIONS", "Finding", "Rule", "RuleContext", "all_rules", "rule_by_code", "select_rules"]

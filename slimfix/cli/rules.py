"""``slimfix rules`` and ``slimfix explain``: the rules table and one rule's documentation."""

from __future__ import annotations

import sys


def show_rules() -> None:
    from rich.console import Console
    from rich.table import Table

    from ..rules import all_rules

    table = Table(show_edge=False, header_style="bold")
    for col in ("Code", "Name", "Fix", "hadolint", "Summary"):
        table.add_column(col)
    for rule in all_rules():
        table.add_row(rule.code, rule.name, rule.fix_label(), ", ".join(rule.hadolint), rule.summary)
    Console(highlight=False).print(table)


def explain(code: str) -> int:
    from ..rules import rule_by_code

    rule = rule_by_code(code)
    if rule is None:
        sys.stderr.write(f"slimfix: unknown rule: {code} (see `slimfix rules`)\n")
        return 2
    sys.stdout.write(f"# {rule.code} {rule.name}\n\n{rule.summary}.\n\n{rule.documentation()}\n")
    return 0

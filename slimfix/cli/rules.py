"""``slimfix rules`` and ``slimfix explain``: the rules table and one rule's documentation."""

from __future__ import annotations

import sys


def show_rules() -> None:
    from ..rules import all_rules

    rows = [(r.code, r.name, r.fix_label(), ", ".join(r.hadolint), r.summary) for r in all_rules()]
    if not sys.stdout.isatty():
        # Piped or redirected: whole names, one rule a line, columns aligned, nothing cut.
        header = ("Code", "Name", "Fix", "hadolint", "Summary")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
        for row in [header, *rows]:
            sys.stdout.write("  ".join(f"{v:<{w}}" for v, w in zip(row, widths)) + f"  {row[4]}\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold")
    for col in ("Code", "Name", "Fix", "hadolint", "Summary"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    Console(highlight=False).print(table)


def explain(code: str) -> int:
    from ..rules import rule_by_code

    rule = rule_by_code(code)
    if rule is None:
        sys.stderr.write(f"slimfix: unknown rule: {code} (see `slimfix rules`)\n")
        return 2
    sys.stdout.write(f"# {rule.code} {rule.name}\n\n{rule.summary}.\n\n{rule.documentation()}\n")
    if rule.effect is not None:
        sys.stdout.write(f"\n## Effect on the image\n\n{rule.effect.documentation()}\n")
    return 0

"""``slimfix rules`` and ``slimfix explain``: the rules table and one rule's documentation."""

from __future__ import annotations

import sys


def show_rules(output_format: str = "text") -> None:
    from ..rules import all_rules

    rules = all_rules()
    if output_format == "json":
        import json

        data = [{"code": r.code, "name": r.name, "summary": r.summary, "fix": r.fix_label(),
                 "default": r.default, "hadolint": list(r.hadolint),
                 "effect": r.effect.description if r.effect else None} for r in rules]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    # whole names, one rule a line, columns aligned, nothing cut (terminal or not)
    rows = [(r.code, r.name, r.fix_label(), ", ".join(r.hadolint), r.summary) for r in rules]
    header = ("Code", "Name", "Fix", "hadolint", "Summary")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        sys.stdout.write("  ".join(f"{v:<{w}}" for v, w in zip(row, widths)) + f"  {row[4]}\n")


def explain(code: str) -> int:
    from ..rules import rule_by_code

    from ..rules import all_rules

    rule = rule_by_code(code)
    rules = [rule] if rule is not None else [r for r in all_rules() if code.upper() in r.hadolint]
    if not rules:
        sys.stderr.write(f"slimfix: unknown rule: {code} (see `slimfix rules`)\n")
        return 2
    if rule is None:
        sys.stdout.write(f"hadolint's {code.upper()} is covered by " +
                         " and ".join(f"{r.code} ({r.name})" for r in rules) + ".\n\n")
    for n, rule in enumerate(rules):
        sys.stdout.write(("\n" if n else "") + f"# {rule.code} {rule.name}\n\n{rule.summary}.\n\n"
                         f"{rule.documentation()}\n")
        if rule.effect is not None:
            sys.stdout.write(f"\n## Effect on the image\n\n{rule.effect.documentation()}\n")
    return 0

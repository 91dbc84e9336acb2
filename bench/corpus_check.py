"""Run slimfix over a directory of real Dockerfiles and check its invariants.

    python bench/corpus_check.py DIR [--unsafe-fixes]

For every file that decodes as UTF-8: the parse round trip is exact; the fix loop does
not crash; a second run over the output changes nothing; and, where the `dockerfile`
package (BuildKit's parser) is installed, BuildKit agrees with slimfix's reading of the
input and the output parses for BuildKit too. Prints one line of figures, the files
changed per rule, and every problem found. Nothing is written to DIR.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slimfix.engine import FixError, fix_document  # noqa: E402
from slimfix.discovery import is_dockerfile_name  # noqa: E402
from slimfix.fixes import Applicability  # noqa: E402
from slimfix.rules import select_rules  # noqa: E402
from slimfix.syntax import ParseError, parse  # noqa: E402

try:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from oracle import buildkit_view, comparable, compare  # noqa: E402
except ImportError:  # pragma: no cover - oracle not installed
    buildkit_view = None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--unsafe-fixes", action="store_true")
    ap.add_argument("--all-files", action="store_true", help="not only Dockerfile names")
    ap.add_argument("--select", default="", metavar="CODES",
                    help="rule codes or prefixes (default: the default rules; ALL,SF6 for every rule)")
    args = ap.parse_args()
    rules = select_rules([c for c in args.select.split(",") if c] or None)
    threshold = Applicability.UNSAFE if args.unsafe_fixes else Applicability.SAFE
    stats = collections.Counter()
    per_rule = collections.Counter()
    problems: list[str] = []
    start = time.perf_counter()
    for dirpath, _, names in os.walk(args.root):
        for name in sorted(names):
            if not args.all_files and not is_dockerfile_name(name):
                continue
            path = os.path.join(dirpath, name)
            try:
                text = Path(path).read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                stats["not utf-8"] += 1
                continue
            stats["files"] += 1
            try:
                doc = parse(text)
            except ParseError as exc:
                stats["parse errors"] += 1
                if buildkit_view is not None and _buildkit_accepts(text):
                    problems.append(f"{path}: we reject, BuildKit accepts: {exc}")
                continue
            if str(doc) != text:
                problems.append(f"{path}: round trip differs")
            if buildkit_view is not None and comparable(text) and _buildkit_accepts(text):
                diff = compare(text, doc)
                if diff:
                    problems.append(f"{path}: reading differs from BuildKit: {diff}")
                    stats["oracle mismatches"] += 1
            try:
                out = fix_document(text, rules, threshold=threshold, path=Path(path), context_dir=Path(path).parent)
            except FixError as exc:
                problems.append(f"{path}: {exc}")
                continue
            if not out.changed:
                continue
            stats["changed"] += 1
            for code in sorted({f.code for f in out.applied}):
                per_rule[code] += 1
            again = fix_document(out.output, rules, threshold=threshold, path=Path(path), context_dir=Path(path).parent)
            if again.changed:
                problems.append(f"{path}: second run changes the output again")
            if buildkit_view is not None and _buildkit(out.output) is None:
                problems.append(f"{path}: BuildKit rejects the output")
    elapsed = time.perf_counter() - start
    print(f"files={stats['files']} not_utf8={stats['not utf-8']} parse_errors={stats['parse errors']} "
          f"oracle_mismatches={stats['oracle mismatches']} changed={stats['changed']} "
          f"problems={len(problems)} seconds={elapsed:.1f}")
    for code, n in sorted(per_rule.items()):
        print(f"  {code}: {n} files changed")
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


def _buildkit(text: str):
    try:
        return buildkit_view(text)
    except Exception:
        return None


def _buildkit_accepts(text: str) -> bool:
    return _buildkit(text) is not None


if __name__ == "__main__":
    raise SystemExit(main())

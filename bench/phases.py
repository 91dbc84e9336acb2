"""CPU seconds of the worker's phases over a corpus, in one process (issue 14's hot paths).

    python bench/phases.py DIR [--repeat 5]

Reads every Dockerfile slimfix finds under DIR once, then times (process CPU, best of
``--repeat``): parsing every file; reading the shell of every RUN (documents parsed
beforehand); and the whole check of each file with the default rules (parse, shell,
rules, build context), as ``slimfix --check`` does it in a worker. Compare figures from the
same run or the same quiet machine only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slimfix.discovery import discover  # noqa: E402
from slimfix.engine import check  # noqa: E402
from slimfix.rules import select_rules  # noqa: E402
from slimfix.shell import read_run  # noqa: E402
from slimfix.syntax import parse  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--repeat", type=int, default=5)
    opts = ap.parse_args()
    texts = []
    for name in discover([opts.dir]):
        try:
            text = Path(name).read_bytes().decode("utf-8")
            parse(text)
        except Exception:
            continue  # unreadable or not a Dockerfile BuildKit reads: not timed
        texts.append((Path(name), text))
    docs = [parse(text) for _, text in texts]
    rules = select_rules()

    def parsing() -> None:
        for _, text in texts:
            parse(text)

    def shell() -> None:
        for doc in docs:
            for inst in doc.instructions:
                read_run(inst)

    def checking() -> None:
        for path, text in texts:
            check(parse(text), rules, path, path.parent)

    print(f"{len(texts)} files")
    for label, phase in (("parse", parsing), ("shell", shell), ("check", checking)):
        times = []
        for _ in range(opts.repeat):
            t0 = time.process_time()
            phase()
            times.append(time.process_time() - t0)
        print(f"{label:6s} {min(times):.3f} s (best of {opts.repeat}: {' '.join(f'{t:.3f}' for t in times)})")


if __name__ == "__main__":
    main()

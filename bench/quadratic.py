"""Time the inputs issue 11 found quadratic (bounded: each case stops at its own limit).

    python bench/quadratic.py [N ...]     # default sizes 1000 2000 4000
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slimfix.buildcontext.resolver import _bake  # noqa: E402
from slimfix.engine import fix_document  # noqa: E402
from slimfix.rules import select_rules  # noqa: E402

LIMIT = 60  # seconds per case


def apt_runs(n: int) -> str:
    return "FROM debian\n" + "RUN apt-get update && apt-get install -y curl\n" * n


def stages(n: int) -> str:
    return "".join(f"FROM debian AS s{i}\nRUN apt-get update && apt-get install -y curl\n" for i in range(n))


def timed(label: str, fn) -> None:
    def stop(*_):
        raise TimeoutError

    signal.signal(signal.SIGALRM, stop)
    signal.alarm(LIMIT)
    t0 = time.perf_counter()
    try:
        fn()
        print(f"{label}: {time.perf_counter() - t0:.2f} s", flush=True)
    except TimeoutError:
        print(f"{label}: > {LIMIT} s (stopped)", flush=True)
    finally:
        signal.alarm(0)


def main(sizes: list[int]) -> None:
    rules = select_rules()
    for n in sizes:
        timed(f"{n} apt RUN lines, all rules, fix", lambda: fix_document(apt_runs(n), rules))
        timed(f"{n} stages, all rules, fix", lambda: fix_document(stages(n), rules))
    tmp = Path("/tmp/slimfix-bench-bake")
    tmp.mkdir(exist_ok=True)
    for kb in (10, 20, 40, 160):
        f = tmp / "docker-bake.hcl"
        f.write_text('target "x" {\n' + "\n" * (kb * 1000))
        timed(f"docker-bake.hcl with {kb} KB of blank lines", lambda: _bake(f))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 2000, 4000])

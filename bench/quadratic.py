"""Time the inputs issue 11 found quadratic (bounded: each case stops at its own limit).

    python bench/quadratic.py [N ...]            # default sizes 1000 2000 4000
    python bench/quadratic.py --select ALL,SF6 [N ...]   # the same inputs with the opt-in SF6xx rules
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slimfix.buildcontext.resolver import _bake  # noqa: E402
from slimfix.engine import fix_document  # noqa: E402
from slimfix.fixes import Applicability  # noqa: E402
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


def main(args: list[str]) -> None:
    select = None
    if args[:1] == ["--select"]:
        select, args = args[1].split(","), args[2:]
    sizes = [int(a) for a in args] or [1000, 2000, 4000]
    rules = select_rules(select)
    label = f"--select {','.join(select)}" if select else "default rules"
    # unsafe fixes too: the SF6xx fixes are all unsafe, and a bench that skips them measures nothing
    threshold = Applicability.UNSAFE if select else Applicability.SAFE
    for n in sizes:
        timed(f"{n} apt RUN lines, {label}, fix", lambda: fix_document(apt_runs(n), rules, threshold=threshold))
        timed(f"{n} stages, {label}, fix", lambda: fix_document(stages(n), rules, threshold=threshold))
    if select:
        return
    tmp = Path("/tmp/slimfix-bench-bake")
    tmp.mkdir(exist_ok=True)
    for kb in (10, 20, 40, 160):
        f = tmp / "docker-bake.hcl"
        f.write_text('target "x" {\n' + "\n" * (kb * 1000))
        timed(f"docker-bake.hcl with {kb} KB of blank lines", lambda: _bake(f))


if __name__ == "__main__":
    main(sys.argv[1:])

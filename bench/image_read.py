"""How long reading an image archive takes, and how much memory it holds: the certificate's
budget is 30 s and 200 MB resident for a 1 GB image on this machine (2 cores).

    python bench/image_read.py [--mb 1024] [--small 20000]

Writes a docker archive of about ``--mb`` MB in a temporary folder (three layers: many small
files, large files, a layer of whiteouts and rewrites), then reads it in a fresh process with
slimfix.imagelab.contents.read_image and prints the wall time, the CPU time, the peak resident
memory of that process, and the load average.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = os.urandom(1 << 20)


def _file(tar: tarfile.TarFile, name: str, size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    data = (BLOCK * (size // len(BLOCK) + 1))[:size]
    tar.addfile(info, io.BytesIO(data))


def make_archive(folder: Path, mb: int, small: int) -> Path:
    layers = []
    small_size = 4096
    big = max(1, (mb * 1_000_000 - small * small_size) // (1 << 20))
    for n, fill in enumerate((
            lambda t: [_file(t, f"usr/share/small/{i // 1000}/{i}", small_size) for i in range(small)],
            lambda t: [_file(t, f"opt/big/{i}", 1 << 20) for i in range(big)],
            lambda t: ([t.addfile(tarfile.TarInfo(f"usr/share/small/{i}/.wh..wh..opq")) for i in range(0, small // 1000, 2)]
                       + [_file(t, f"opt/big/{i}", 10) for i in range(0, big, 10)]))):
        path = folder / f"layer{n}.tar"
        with tarfile.open(path, "w") as tar:
            fill(tar)
        layers.append(path)
    archive = folder / "image.tar"
    with tarfile.open(archive, "w") as tar:
        for path in layers:
            tar.add(path, arcname=path.name)
            path.unlink()
        config = json.dumps({"config": {"Cmd": ["x"]}}).encode()
        for name, data in (("config.json", config),
                           ("manifest.json", json.dumps([{"Config": "config.json",
                                                          "Layers": [p.name for p in layers]}]).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive


READER = """
import resource, sys, time
sys.path.insert(0, sys.argv[2])
from slimfix.imagelab.contents import read_image
t0, c0 = time.perf_counter(), time.process_time()
contents = read_image(__import__("pathlib").Path(sys.argv[1]))
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{len(contents.files)} paths, {sum(e.size for e in contents.files.values()) / 1e6:.0f} MB in the final "
      f"filesystem, {len(contents.problems)} problems; wall {wall:.1f} s, cpu {cpu:.1f} s, peak resident {peak:.0f} MB")
"""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=int, default=1024, help="archive size in MB (default 1024)")
    p.add_argument("--small", type=int, default=20000, help="how many 4 kB files (default 20000)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="image-read-") as tmp:
        t0 = time.perf_counter()
        archive = make_archive(Path(tmp), args.mb, args.small)
        print(f"archive: {archive.stat().st_size / 1e6:.0f} MB, written in {time.perf_counter() - t0:.1f} s")
        out = subprocess.run([sys.executable, "-c", READER, str(archive), str(ROOT)], capture_output=True, text=True)
        print(out.stdout.strip() or out.stderr.strip())
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

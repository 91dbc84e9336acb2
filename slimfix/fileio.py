"""Reading Dockerfiles safely and writing them back atomically.

Text is decoded as strict UTF-8 with the BOM kept as U+FEFF, so encoding, BOM and line
endings survive untouched: slimfix writes back exactly the bytes it was given, plus its
edits.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path


class FileProblem(Exception):
    """A file slimfix will not touch, with a one-line reason."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    data: bytes
    text: str


def decode(data: bytes) -> str:
    if b"\x00" in data:
        raise FileProblem("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileProblem(f"line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None


def read_source(path: Path) -> SourceFile:
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise FileProblem("is a directory") from None
    except OSError as exc:
        raise FileProblem(exc.strerror or str(exc)) from None
    return SourceFile(path, data, decode(data))


def write_atomic(source: SourceFile, new_text: str) -> None:
    """Replace the Dockerfile with ``new_text`` unless it changed on disk since it was read."""
    replace_file(source.path, source.data, new_text)


def replace_file(path: Path, expected: bytes | None, new_text: str) -> None:
    """Write ``new_text`` to ``path`` atomically, if the file still holds ``expected``
    (None: if it still does not exist).

    The new content goes to a temporary file in the same directory, gets the original
    mode (0644 for a new file), and is renamed over the original (through a symlink to
    its target)."""
    target = Path(os.path.realpath(path))
    try:
        current = target.read_bytes()
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise FileProblem(f"cannot re-read before writing: {exc.strerror or exc}") from None
    if current != expected:
        raise FileProblem("changed on disk since it was read; not overwritten")
    mode = stat.S_IMODE(target.stat().st_mode) if current is not None else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".slimfix", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(new_text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

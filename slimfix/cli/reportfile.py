"""``--output-file``: the report goes to a temporary file beside the target and is renamed
into place once the run has finished.

Opening the target for writing would empty it before a byte is read, through a link too:
a typo (``--output-file Dockerfile``) would empty a Dockerfile even under ``--check``, and
an interrupted run would leave half a report where the last one was. Renamed at the end,
the target holds its old bytes until the new report is whole, a link there is replaced
rather than written through, and a target that turns out to be one of the files checked
is refused. A target that is not a regular file (``/dev/stdout``, a pipe) is written as it
is: there is nothing there to empty.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class ReportFile:
    """``stream`` to write to; then ``commit`` (or ``abandon`` when the run did not end)."""

    def __init__(self, path: Path):
        self.path = path
        self.clash: str | None = None  # a file checked that is the target
        self.tmp: str | None = None
        try:
            st = os.stat(path)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory")
        self.mode = stat.S_IMODE(st.st_mode) if st is not None and stat.S_ISREG(st.st_mode) else None
        self.identity = (st.st_dev, st.st_ino) if self.mode is not None else None
        if st is not None and self.mode is None:
            self.stream = open(path, "w", encoding="utf-8")  # a device or a pipe: nothing to lose
            return
        import tempfile  # only a run with --output-file needs it (with shutil and random)

        fd, self.tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".slimfix-report",
                                        dir=os.path.dirname(os.path.abspath(path)))
        self.stream = os.fdopen(fd, "w", encoding="utf-8")

    def is_input(self, name: str) -> bool:
        """Whether ``name``, a file the run checks, is the target (through links too)."""
        if self.identity is None:
            return False
        try:
            st = os.stat(name)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == self.identity

    def note_input(self, name: str) -> None:
        if self.clash is None and self.is_input(name):
            self.clash = name

    def commit(self) -> str | None:
        """The report in place; or, when the target is a file checked, why it is not."""
        self.stream.close()
        if self.tmp is None:
            return None
        if self.clash is not None:
            self.abandon()
            return f"--output-file {self.path}: is {self.clash}, one of the files checked; not written"
        try:
            os.chmod(self.tmp, self.mode if self.mode is not None else 0o666 & ~_umask())
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.abandon()
            return f"--output-file {self.path}: {exc.strerror or exc}; not written"
        self.tmp = None
        return None

    def abandon(self) -> None:
        self.stream.close()
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
            self.tmp = None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

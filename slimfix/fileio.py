"""Reading Dockerfiles safely and writing them back atomically.

Text is decoded as strict UTF-8 with the BOM kept as U+FEFF, so encoding, BOM and line
endings survive untouched: slimfix writes back exactly the bytes it was given, plus its
edits.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path


class FileProblem(Exception):
    """A file slimfix will not touch, with a one-line reason."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    data: bytes
    text: str
    stat: os.stat_result | None = None  # of the file the bytes were read from, before reading


def decode(data: bytes) -> str:
    if b"\x00" in data:
        raise FileProblem("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileProblem(f"line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None


MAX_BYTES = 1 << 20  # real Dockerfiles are a few kilobytes; so are configs and ignore files


def too_large(size: int) -> str:
    return f"skipped: too large ({size / 1e6:.1f} MB, the limit is {MAX_BYTES / 1e6:.1f} MB)"


def read_regular(path: str | os.PathLike, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. Opened with O_NONBLOCK so
    that a FIFO cannot block, and checked with fstat before a byte is read: a device, a
    FIFO or a socket is refused, never read."""
    return read_regular_stat(path, limit)[0]


def read_regular_stat(path: str | os.PathLike, limit: int = MAX_BYTES) -> tuple[bytes, os.stat_result]:
    """``read_regular``, with the file's fstat taken before its first byte was read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except IsADirectoryError:
        raise FileProblem("is a directory") from None
    except OSError as exc:
        raise FileProblem(exc.strerror or str(exc)) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise FileProblem("is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise FileProblem("skipped: not a regular file")
        if st.st_size > limit:
            raise FileProblem(too_large(st.st_size))
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise FileProblem(too_large(size))
            chunks.append(chunk)
        return b"".join(chunks), st
    except OSError as exc:
        raise FileProblem(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike, limit: int = MAX_BYTES) -> str:
    """A regular file as strict UTF-8 (BOM kept); FileProblem names what is wrong."""
    return decode(read_regular(path, limit))


def read_source(path: Path) -> SourceFile:
    data, st = read_regular_stat(path)
    return SourceFile(path, data, decode(data), st)


def write_atomic(source: SourceFile, new_text: str) -> None:
    """Replace the Dockerfile with ``new_text`` unless it changed on disk since it was read."""
    replace_file(source.path, source.data, new_text)


def replace_file(path: Path, expected: bytes | None, new_text: str) -> None:
    """Write ``new_text`` to ``path`` atomically, if the file still holds ``expected``
    (None: if it still does not exist).

    The new content goes to a temporary file in the same directory, gets the original
    mode, owner, group and extended attributes (0644 for a new file), and is renamed over
    the original (through a symlink to its target). A file with hard links is written in
    place, so that the links stay one file; a read-only file is refused."""
    target = Path(os.path.realpath(path))
    try:
        os.lstat(target)
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise FileProblem(f"cannot re-read before writing: {exc.strerror or exc}") from None
    else:
        try:
            current = read_regular(target)
        except FileProblem as exc:
            raise FileProblem(f"cannot re-read before writing: {exc}") from None
    if current != expected:
        raise FileProblem("changed on disk since it was read; not overwritten")
    data = new_text.encode("utf-8")
    st = os.stat(target) if current is not None else None
    if st is not None and (not st.st_mode & 0o222 or not os.access(target, os.W_OK)):
        raise FileProblem("not writable (read-only); not overwritten")
    from .signals import deferred_termination

    with deferred_termination():  # SIGTERM/SIGINT wait until the file is whole
        if st is not None and st.st_nlink > 1:
            _write_in_place(target, data)  # a rename would split the hard links
        else:
            _replace(target, data, st)


def _write_in_place(target: Path, data: bytes) -> None:
    """Same inode: hard links, owner, group, mode and extended attributes all stay.

    Never truncated first: the new bytes are written whole beside the file (a full disk
    fails there, before the file is touched, and a kill while it is overwritten leaves
    them whole in that copy); the file then grows to its new size (a failure cuts it back
    to its old bytes), is overwritten, and is cut to its new size last. At no moment is
    it shorter than both its old and its new content."""
    fd = os.open(target, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    try:
        old_size = os.fstat(fd).st_size
        old = _read_all(fd, old_size)
        spare = _spare_copy(target, data)
        try:
            if len(data) > old_size:
                try:
                    _write_at(fd, data[old_size:], old_size)  # the new tail first: the space it needs
                except OSError:
                    os.ftruncate(fd, old_size)
                    raise
            try:
                _write_at(fd, data[:old_size], 0)
                if len(data) < old_size:
                    os.ftruncate(fd, len(data))
                os.fsync(fd)
            except OSError:
                _write_at(fd, old, 0)  # what it held, as far as the disk lets us
                os.ftruncate(fd, old_size)
                raise
        finally:
            if spare is not None:
                try:
                    os.unlink(spare)
                except OSError:
                    pass
    finally:
        os.close(fd)


def _write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        if hasattr(os, "pwrite"):
            written = os.pwrite(fd, view, offset)
        else:  # Windows
            os.lseek(fd, offset, os.SEEK_SET)
            written = os.write(fd, view)
        view, offset = view[written:], offset + written


def _read_all(fd: int, size: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while size > 0 and (chunk := os.read(fd, size)):
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _spare_copy(target: Path, data: bytes) -> str | None:
    """A file beside ``target`` holding ``data`` whole, or None when its folder cannot be
    written (a shared folder: the in-place steps still never shorten the file)."""
    import tempfile

    try:
        fd, path = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".slimfix-new", dir=target.parent)
    except PermissionError:
        return None
    try:
        _write_at(fd, data, 0)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)
    return path


def _xattrs(path: Path) -> dict[str, bytes]:
    if not hasattr(os, "listxattr"):
        return {}
    try:
        return {name: os.getxattr(path, name) for name in os.listxattr(path)}
    except OSError:
        return {}


def _replace(target: Path, data: bytes, st: os.stat_result | None) -> None:
    """A temporary file in the same directory, with the original's mode, owner, group
    and extended attributes (0644 for a new file), renamed over it. When those cannot
    be given to a new file (another user's file in a shared folder), the file is
    written in place instead, keeping them."""
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o644
    xattrs = _xattrs(target) if st is not None else {}
    try:
        import tempfile  # only to write: checks and reports never need it

        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".slimfix", dir=target.parent)
    except PermissionError:
        if st is None:
            raise
        _write_in_place(target, data)  # a writable file in a folder we cannot write
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if st is not None:
                try:
                    if (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
                        os.fchown(fh.fileno(), st.st_uid, st.st_gid)
                    for name, value in xattrs.items():
                        os.setxattr(fh.fileno(), name, value)
                except OSError:
                    fh.close()
                    os.unlink(tmp)
                    _write_in_place(target, data)
                    return
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

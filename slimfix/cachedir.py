"""The cache folder ``.slimfix_cache/`` in the project root: made, read and written
without following a link anywhere inside it.

The folder sits in a tree that a repository, a pull request or another user may have
shaped, so every path below the root is opened relative to its parent's descriptor with
``O_NOFOLLOW`` (files are created with ``O_EXCL`` too): a link there, to a file outside
the tree, to ``/dev/stdout`` or to a FIFO, is never written through, read through or
waited on. A folder is used only when it is a plain directory of this user holding the
``.gitignore`` and ``CACHEDIR.TAG`` slimfix puts in it as plain files.

A new folder is filled under a temporary name and renamed into place, ``.gitignore``
first: ``git add .`` never meets a cache folder without it, even when the disk fills up
halfway. A file is written to a temporary name and renamed over the old one; a write
that fails removes what it wrote.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

DIRECTORY = ".slimfix_cache"
GITIGNORE = b"# created by slimfix\n*\n"
TAG = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
       b"# This file is a cache directory tag created by slimfix.\n")
MAX_BYTES = 256 << 20  # far above any real cache; a file that grows without end is not read

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# Where paths cannot be opened relative to a folder without following links (Windows),
# there is no cache.
SUPPORTED = bool(_NOFOLLOW) and {os.open, os.mkdir, os.rmdir, os.unlink, os.rename,
                                 os.stat} <= os.supports_dir_fd
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _open_dir(name: str, parent: int | None) -> int:
    """A directory, never a link to one; OSError otherwise."""
    fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
    if not stat.S_ISDIR(os.fstat(fd).st_mode):  # without O_DIRECTORY on this system
        os.close(fd)
        raise NotADirectoryError(errno.ENOTDIR, "not a directory", name)
    return fd


def _is_plain_file(name: str, folder: int) -> bool:
    try:
        return stat.S_ISREG(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _ours(folder: int) -> bool:
    """A plain folder of this user, with slimfix's .gitignore and tag as plain files."""
    st = os.fstat(folder)
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid()
            and _is_plain_file(".gitignore", folder) and _is_plain_file("CACHEDIR.TAG", folder))


def _new_file(name: str, folder: int, data: bytes) -> None:
    """``name`` created in ``folder`` holding ``data``; nothing left when that fails."""
    fd = os.open(name, _NEW_FILE, 0o644, dir_fd=folder)
    try:
        _write_all(fd, data)
    except BaseException:
        os.close(fd)
        _unlink(name, folder)
        raise
    os.close(fd)


def _unlink(name: str, folder: int) -> None:
    try:
        os.unlink(name, dir_fd=folder)
    except OSError:
        pass


def _remove_new_folder(name: str, parent: int) -> None:
    """A folder ``_make`` began, with what it wrote; never through a link."""
    try:
        folder = _open_dir(name, parent)
    except OSError:
        return  # none, or not a folder (then the mkdir that follows fails)
    try:
        for inside in (".gitignore", "CACHEDIR.TAG"):
            _unlink(inside, folder)
    finally:
        os.close(folder)
    try:
        os.rmdir(name, dir_fd=parent)
    except OSError:
        pass


class CacheFolder:
    """``root/.slimfix_cache/<version>/``: ``read`` and ``write`` files by name there."""

    def __init__(self, root: Path, version: str):
        self.root = root
        self.path = root / DIRECTORY
        self.version = version

    def read(self, name: str) -> bytes | None:
        """The bytes of a plain file of the folder, or None (none, or not one slimfix
        would have made there)."""
        try:
            folder = self._open(create=False)
        except (OSError, NotImplementedError):
            return None
        try:
            fd = os.open(name, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0), dir_fd=folder)
        except OSError:
            return None
        finally:
            os.close(folder)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
                return None
            chunks, size = [], 0
            while chunk := os.read(fd, 1 << 20):
                size += len(chunk)
                if size > MAX_BYTES:
                    return None
                chunks.append(chunk)
            return b"".join(chunks)
        except OSError:
            return None
        finally:
            os.close(fd)

    def write(self, name: str, data: bytes) -> bool:
        """``data`` as the file ``name``, replaced whole or not at all."""
        try:
            folder = self._open(create=True)
        except (OSError, NotImplementedError):
            return False
        tmp = f".{name}.{os.getpid()}.tmp"
        try:
            _unlink(tmp, folder)  # left by a process of the same id that was killed
            _new_file(tmp, folder, data)
            os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
            return True
        except OSError:
            _unlink(tmp, folder)
            return False
        finally:
            os.close(folder)

    def _open(self, create: bool) -> int:
        """A descriptor of the version folder (made when ``create``); OSError when it is
        missing or not slimfix's."""
        if not SUPPORTED:
            raise NotImplementedError("no descriptor-relative, link-refusing opens here")
        root = _open_dir(str(self.root), None)  # the root the user named: links allowed
        try:
            try:
                cache = _open_dir(DIRECTORY, root)
            except FileNotFoundError:
                if not create:
                    raise
                self._make(root)
                cache = _open_dir(DIRECTORY, root)
            try:
                if not _ours(cache):
                    raise PermissionError(errno.EPERM, "not a cache folder slimfix made", str(self.path))
                if create:
                    try:
                        os.mkdir(self.version, 0o755, dir_fd=cache)
                    except FileExistsError:
                        pass
                return _open_dir(self.version, cache)
            finally:
                os.close(cache)
        finally:
            os.close(root)

    def _make(self, root: int) -> None:
        """The cache folder with its .gitignore (first) and tag, under a temporary name
        until whole: it never exists without them."""
        tmp = f"{DIRECTORY}.{os.getpid()}.tmp"
        _remove_new_folder(tmp, root)
        os.mkdir(tmp, 0o755, dir_fd=root)
        try:
            folder = _open_dir(tmp, root)
            try:
                _new_file(".gitignore", folder, GITIGNORE)
                _new_file("CACHEDIR.TAG", folder, TAG)
            finally:
                os.close(folder)
            os.rename(tmp, DIRECTORY, src_dir_fd=root, dst_dir_fd=root)
        except OSError as exc:
            _remove_new_folder(tmp, root)
            if not isinstance(exc, (FileExistsError, IsADirectoryError)) and exc.errno != errno.ENOTEMPTY:
                raise
            # another run made it first: theirs is checked as any other

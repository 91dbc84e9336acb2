"""What makes a cache file this user's on this machine: an HMAC over its bytes, keyed by a
secret kept in the user's cache directory (``$XDG_CACHE_HOME/slimfix/secret``, else
``~/.cache/slimfix/secret``), outside any project.

Everything in a cache file can be computed from the repository (a Dockerfile's size and
hash), so a cache that arrives with a repository, or one someone edited, could claim a
file is clean. Sealed with a secret that never leaves the user's cache directory, such a
file does not verify, nor does one that was cut short or damaged: each is a miss. Without
a usable secret (no home, a read-only one, one inside the project) there is no cache.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

_MAGIC = b"slimfix-sealed-1\n"
_SECRET_BYTES = 32
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def secret_path() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "slimfix" / "secret"


def _read_secret(path: Path) -> bytes | None:
    """The secret, when it is a plain file of this user that no one else can read."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077
                or st.st_size != _SECRET_BYTES):
            return None
        data = os.read(fd, _SECRET_BYTES + 1)
        return data if len(data) == _SECRET_BYTES else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _make_secret(path: Path) -> None:
    """A new secret, written whole under a temporary name and linked into place: of two
    runs making one at once, the first link wins and both read it."""
    os.makedirs(path.parent, 0o700, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        try:
            secret = os.urandom(_SECRET_BYTES)
            if os.write(fd, secret) != len(secret):  # a full disk: no secret rather than a cut one
                raise OSError(28, "secret not written whole")
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def user_secret() -> bytes | None:
    """This user's secret, made on first use; None when it cannot be had."""
    path = secret_path()
    if path is None:
        return None
    found = _read_secret(path)
    if found is None and not os.path.lexists(path):
        try:
            _make_secret(path)
        except OSError:
            return None
        found = _read_secret(path)
    return found


class Seal:
    """Seals and checks the files of one cache folder. ``where`` (the folder's path)
    is sealed in too, so that a file copied from another project does not verify."""

    def __init__(self, secret: bytes, where: str):
        self._key = hmac.new(secret, where.encode("utf-8", "surrogateescape"), hashlib.sha256).digest()

    def _mac(self, name: str, data: bytes) -> bytes:
        mac = hmac.new(self._key, name.encode("utf-8", "surrogateescape") + b"\0", hashlib.sha256)
        mac.update(data)
        return mac.digest()

    def seal(self, name: str, data: bytes) -> bytes:
        return _MAGIC + self._mac(name, data) + data

    def open(self, name: str, sealed: bytes | None) -> bytes | None:
        """The data, when ``sealed`` is what ``seal`` gave for ``name``; else None."""
        if sealed is None or not sealed.startswith(_MAGIC):
            return None
        mac, data = sealed[len(_MAGIC):len(_MAGIC) + 32], sealed[len(_MAGIC) + 32:]
        return data if hmac.compare_digest(mac, self._mac(name, data)) else None
